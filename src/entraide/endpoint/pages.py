"""The endpoint's French HTML pages (Jinja2, autoescaped), styled by the site's own stylesheet.

Imported only when a page is rendered: JSON clients (the enhanced form, a cold Lambda) never load Jinja2.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import jinja2

from entraide.categories import load_categories, load_kinds
from entraide.communes import load_communes
from entraide.submission import FORM_FIELDS

FIELD_LABELS = {
    "kind": "Offre ou demande",
    "category": "Catégorie",
    "commune": "Commune",
    "title": "Titre",
    "description": "Description",
    "name": "Prénom ou pseudonyme",
    "availability": "Disponibilités",
    "address": "Adresse",
    "email": "Adresse e-mail",
    "phone": "Téléphone",
    "consent": "Accord",
    "submission_id": "Identifiant d'envoi",
    "entry": "Numéro de l'annonce",
    "message": "Votre message",
    "key": "Clé de retrait",
    "reason": "Ce qui ne va pas",
    "website": "Site web",
    "form_token": "Jeton du formulaire",
}


# Relative to the page's own URL (/submit, /contact...), so a path prefix (an API Gateway stage) is kept.
_ACTIONS = {"contact.html": "contact", "withdraw.html": "withdraw", "report.html": "report"}


class Pages:
    def __init__(self, site_url: str) -> None:
        folder = resources.files("entraide.endpoint") / "templates"
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.environment.globals.update(
            site_url=site_url,
            categories=load_categories(),
            kinds=load_kinds(),
            communes=load_communes().all,
            communes_by_code=load_communes().by_code,
            categories_by_key={c.key: c for c in load_categories()},
            kinds_by_key={k.key: k for k in load_kinds()},
            labels=FIELD_LABELS,
            form_fields=FORM_FIELDS,
        )

    def render(self, template: str, **context: Any) -> str:
        action = _ACTIONS.get(template, "submit")
        defaults = {"fields": {}, "errors": {}, "notice": "", "title": "", "text": "", "action": action}
        return self.environment.get_template(template).render({**defaults, **context})
