"""Pages written by people: content/*.md, YAML front matter (title, summary, slug, order, link) then Markdown.

`link` is the page's label in the footer when it must differ from its title: RGAA asks every page to state
the site's conformance in its link to the accessibility statement ("Accessibilité : non conforme").

Their text belongs to the project's maintainers and goes through review, so its Markdown (and any HTML
in it) is trusted, unlike entries, which are always shown as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


def markdown_to_html(source: str) -> str:
    import markdown  # imported here: a rebuild that renders no content page does not pay for it

    return markdown.markdown(source, extensions=["extra", "sane_lists"], output_format="html")
