"""The endpoint's French HTML pages (Jinja2, autoescaped), styled by the site's own stylesheet.

Imported only when a page is rendered: JSON clients (the enhanced form, a cold Lambda) never load Jinja2.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import jinja2

from entraide.categories import load_categories, load_kinds
from entraide.communes import load_communes
from entraide.forms import ALERT_CHANGE, ALERTS, CONTACT, ENTRY, REPORT, STATUS, TEMPLATES, WITHDRAW, Form

# Each page's form; its action is relative to the page's own URL (/submit, /contact...), so that a path prefix
# (an API Gateway stage) is kept.
_FORMS: dict[str, Form] = {
    "contact.html": CONTACT,
    "withdraw.html": WITHDRAW,
    "status_form.html": STATUS,
    "report.html": REPORT,
    "alerts.html": ALERTS,
    "alert_change.html": ALERT_CHANGE,
}


class Pages:
    def __init__(self, site_url: str) -> None:
        folder = resources.files("entraide.endpoint") / "templates"
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(folder), TEMPLATES]),  # the fields' macros are the site's
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.environment.globals.update(
            site_url=site_url,
            communes_by_code=load_communes().by_code,
            categories_by_key={c.key: c for c in load_categories()},
            kinds_by_key={k.key: k for k in load_kinds()},
        )

    def render(self, template: str, **context: Any) -> str:
        form = _FORMS.get(template, ENTRY)
        defaults = {
            "fields": {},
            "errors": {},
            "notice": "",
            "title": "",
            "text": "",
            "form": form,
            "action": form.action,
        }
        return self.environment.get_template(template).render({**defaults, **context})
