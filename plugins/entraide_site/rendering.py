"""Templates: one Jinja environment, autoescaping everything, compiled once; pages rendered in parallel.

Entry text only ever reaches templates as variables, never as template source, so `{{ 7*7 }}` in a title
is shown as typed. An entry's card (its summary in listings) is rendered once and reused by the six
listings it appears in.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from entraide.categories import category, kind, load_categories, load_kinds
from entraide.communes import load_communes
from entraide.forms import FORMS
from entraide.forms import TEMPLATES as FORM_TEMPLATES

from .catalogue import KIND_SLUGS
from .content import markdown_to_html
from .output import OutputFolder, write_if_changed
from .page import Page
from .public_entry import PublicEntry
from .settings import SiteSettings

PARALLEL_FROM = 3000  # pages to render before starting worker processes pays off
SHARED_PARTS = {
    "site_header": "_header.html",
    "site_footer": "_footer.html",
    "search_box": "partials/search.html",
    "contact_fields": "partials/contact_fields.html",
    "report_fields": "partials/report_fields.html",
}
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def make_environment(settings: SiteSettings, globals_: dict[str, Any]) -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(Path(settings.theme_path) / "templates"), FORM_TEMPLATES]),  # forms' fields
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,  # templates do not change during a build: no stat() per page rendered
    )
    env.filters["date_fr"] = french_date
    env.filters["duration_fr"] = french_duration
    env.filters["markdown"] = lambda source: Markup(markdown_to_html(source, settings.siteurl))  # noqa: S704 - reviewed content/
    communes = load_communes()
    env.globals.update(
        SITEURL=settings.siteurl,
        SITENAME=settings.sitename,
        ENDPOINT_URL=settings.endpoint_url,
        MAP_TILE_URL=settings.map_tile_url,
        MAP_TILE_ATTRIBUTION=settings.map_tile_attribution,
        MAP_TILE_MAX_ZOOM=settings.map_tile_max_zoom,
        PUBLIC_URL=settings.public_url,
        PHONE_LINE=settings.phone_line,
        categories=load_categories(),
        kinds=load_kinds(),
        communes=communes.all,
        commune_of=communes.by_code.__getitem__,
        category_of=category,
        kind_of=kind,
        kind_slugs=KIND_SLUGS,
        forms=FORMS,
        robots="",
        card=_CardRenderer(env),
        **globals_,
    )
    for name, template in SHARED_PARTS.items():  # the same on every page: rendered once, not 130,000 times
        env.globals[name] = Markup(env.get_template(template).render()) if _exists(env, template) else ""  # noqa: S704
    return env


def _exists(env: Environment, template: str) -> bool:
    return template in env.list_templates()


class _CardRenderer:
    """An entry's card, rendered once per process and reused by every listing showing it."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.cards: dict[str, Markup] = {}
        self.macro: Any = None

    def __call__(self, entry: PublicEntry) -> Markup:
        card = self.cards.get(entry.id)
        if card is None:
            if self.macro is None:  # the template module is made once, after every global is set
                self.macro = self.env.get_template("_card.html").module.card  # type: ignore[attr-defined]
            card = self.cards[entry.id] = self.macro(entry)  # autoescaped: entry text stays text
        return card


def french_date(value: str | dt.date) -> str:
    """« 3 novembre 2026 » from an ISO date or date-time (the date as the author's clock said)."""
    date = value if isinstance(value, dt.date) else dt.datetime.fromisoformat(value).date()
    day = "1er" if date.day == 1 else str(date.day)
    return f"{day} {MONTHS[date.month - 1]} {date.year}"


def french_duration(seconds: float) -> str:
    """« 45 min », « 3 h 05 », « 2 jours et 4 h »: a delay as people say it."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d}"
    days, hours = divmod(hours, 24)
    return f"{days} jours" + (f" et {hours} h" if hours else "")


def render(page: Page, env: Environment) -> bytes:
    if isinstance(page.template, str):
        return env.get_template(page.template).render(page.context).encode()
    return page.template(**page.context).encode()


Todo = list[tuple[Page, "str | None"]]  # a page and its fingerprint, None when still to compute


def render_pages(todo: Todo, env: Environment, output: OutputFolder, workers: int, site: str) -> None:
    """Render and write the pages whose fingerprint changed, in worker processes when there are many."""
    if len(todo) < PARALLEL_FROM or workers < 2:
        memo: dict[int, str] = {}
        for page, fingerprint in todo:
            output.write(page.file, render(page, env), fingerprint or page.fingerprint(site, memo))
        return
    global _JOB
    _JOB = (todo, env, output.root, site)  # inherited by the forked workers: nothing big is pickled
    try:
        chunks = [range(start, min(start + 500, len(todo))) for start in range(0, len(todo), 500)]
        gc.freeze()  # the workers' garbage collections then leave the build's objects, and their pages, shared
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for results in pool.imap_unordered(_render_chunk, chunks):
                for name, record, written in results:
                    output.remember(name, record, written)
    finally:
        gc.unfreeze()
        _JOB = None


_JOB: tuple[Todo, Environment, Path, str] | None = None
_MEMO: dict[int, str] = {}  # each worker's digests of shared objects


def _render_chunk(indices: range) -> list[tuple[str, tuple[str, int, int], bool]]:
    assert _JOB is not None
    todo, env, root, site = _JOB
    results = []
    for index in indices:
        page, fingerprint = todo[index]
        fingerprint = fingerprint or page.fingerprint(site, _MEMO)
        record, written = write_if_changed(root / page.file, render(page, env), fingerprint)
        results.append((page.file, record, written))
    return results
