"""Article bodies: Markdown to HTML that is safe to show anyone.

markdown-it-py renders CommonMark (plus tables and strikethrough) with raw HTML turned
off, so ``<script>`` in a body comes out as text; nh3 (the Rust ammonia sanitizer) then
keeps only the tags, attributes and URL schemes below, whatever the renderer let through:
no script or style, no ``on*`` handlers, no ``javascript:`` or ``data:`` links.
"""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = frozenset(
    {
        "a", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "em",
        "strong", "del", "s", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "img",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def render_markdown(text: str) -> str:
    """Markdown to sanitized HTML (links get ``rel="noopener noreferrer nofollow"``)."""
    rendered = _renderer.render(text or "")
    return nh3.clean(
        rendered,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def plain_text(body_html: str, limit: int = 200) -> str:
    """The words of rendered HTML, unescaped and shortened to ``limit`` characters (for excerpts)."""
    words = " ".join(html.unescape(nh3.clean(body_html or "", tags=set())).split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"
