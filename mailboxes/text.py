"""Text of an email: HTML made plain (no markup, no script), quoted history and signatures cut."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

# Our own emails start with this line; everything from it down is what the customer quoted.
REPLY_MARKER = "##- Reply above this line -##"

_SKIPPED = {"script", "style", "head", "title", "template", "noscript", "svg", "object", "iframe"}
_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre", "hr"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.quoting = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "blockquote":
            self.quoting += 1
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n- " if tag == "li" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self.quoting = max(0, self.quoting - 1)
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.quoting:
            # Quoted history in HTML mail: kept as "> " lines, which trimming then removes.
            self.parts.append("".join(f"\n> {line}" for line in data.splitlines() if line.strip()))
            return
        self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body: tags dropped, script and style content dropped."""
    parser = _TextParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - broken HTML: strip what looks like tags
        return unescape(re.sub(r"<[^>]*>", " ", html))
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Where a reply's quoted history starts, in the common clients (Gmail, Apple Mail, Thunderbird,
# Outlook, and their German and French spellings).
_HISTORY_STARTS = [
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*Am\b.{0,300}\bschrieb\b.{0,100}:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*Le\b.{0,300}\ba écrit\s*:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Ursprüngliche Nachricht\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
]
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Von|De)\s*:\*?\s+\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(Sent|Date|Gesendet|Envoyé|To|An)\s*:", re.IGNORECASE)
_SIGNATURES = [
    re.compile(r"^-- ?$"),
    re.compile(r"^\s*Sent from my \w+", re.IGNORECASE),
    re.compile(r"^\s*Get Outlook for \w+", re.IGNORECASE),
]


def _history_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if REPLY_MARKER in line:
            return index
        joined = line if index + 1 >= len(lines) else f"{line} {lines[index + 1]}"
        if any(p.match(line) for p in _HISTORY_STARTS):
            return index
        # "On Mon, 1 Jan 2026 at 10:00, Ana <ana@example.com>" wrapped onto a second line before "wrote:".
        if line.lstrip().startswith(("On ", "Am ", "Le ")) and any(p.match(joined) for p in _HISTORY_STARTS[:3]):
            return index
        if _OUTLOOK_FROM.match(line) and index + 1 < len(lines) and _OUTLOOK_NEXT.match(lines[index + 1]):
            return index
    return None


def trim_reply(text: str) -> str:
    """The new text of a message: without quoted history (``>`` lines, "On ... wrote:", Outlook
    headers, our reply marker) and without the signature after ``-- ``. The whole text if
    trimming would leave nothing."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = _history_start(lines)
    if start is not None:
        lines = lines[:start]
    for index, line in enumerate(lines):
        if any(p.match(line) for p in _SIGNATURES):
            lines = lines[:index]
            break
    lines = [line.rstrip() for line in lines if not line.lstrip().startswith(">")]
    trimmed = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return trimmed or text.strip()
