"""Pages written by people: content/*.md, YAML front matter (title, summary, slug, order, link) then Markdown.

`link` is the page's label in the footer when it must differ from its title: RGAA asks every page to state
the site's conformance in its link to the accessibility statement ("Accessibilité : non conforme").

Their text belongs to the project's maintainers and goes through review, so its Markdown (and any HTML
in it) is trusted, unlike entries, which are always shown as text.

Links to the site's own pages are written from the site's root, `[Retirer mon annonce](/retirer/)`, and
the build writes them under SITEURL (`https://org.github.io/entraide/retirer/`), so they keep working when
the site is served under a sub-path (a GitHub Pages project site).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter


class ContentError(Exception):
    """A content page cannot be used; the message names the file."""


@dataclass(frozen=True)
class ContentPage:
    slug: str
    title: str
    description: str
    source: str  # Markdown, turned into HTML by the template's `markdown` filter only when the page is rendered
    order: int
    link: str

    @property
    def url(self) -> str:
        return f"/{self.slug}/"


def read_content_pages(folder: Path) -> list[ContentPage]:
    """Every content page, in their front matter's `order`, then by title."""
    pages = [_read(path) for path in sorted(folder.glob("*.md"))] if folder.is_dir() else []
    return sorted(pages, key=lambda page: (page.order, page.title))


def _read(path: Path) -> ContentPage:
    try:
        post = frontmatter.load(path)
    except Exception as error:  # YAML and encoding errors alike: say which file
        raise ContentError(f"{path}: unreadable front matter ({error})") from error
    if not post.get("title"):
        raise ContentError(f"{path}: the front matter needs a `title:`")
    return ContentPage(
        slug=str(post.get("slug") or path.stem),
        title=str(post["title"]),
        description=str(post.get("summary") or post.get("description") or post["title"]),
        source=post.content,
        order=int(post.get("order", 100)),
        link=str(post.get("link") or post["title"]),
    )


def markdown_to_html(source: str, siteurl: str = "") -> str:
    """HTML from Markdown, root-relative links and images (`/retirer/`) written under `siteurl`."""
    import markdown  # imported here: a rebuild that renders no content page does not pay for it

    converter = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
    converter.treeprocessors.register(_SiteLinks(siteurl), "entraide_site_links", 1)  # after links are made (20)
    return converter.convert(source)


class _SiteLinks:
    """A Markdown tree processor: `/retirer/` becomes `<SITEURL>/retirer/`; `//host/` and other URLs stay."""

    def __init__(self, siteurl: str) -> None:
        self.siteurl = siteurl

    def run(self, root: Any) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value and value.startswith("/") and not value.startswith("//"):
                    element.set(attribute, self.siteurl + value)
