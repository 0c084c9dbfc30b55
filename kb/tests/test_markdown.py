"""Article bodies render as Markdown and never carry script into a page."""

from html.parser import HTMLParser

import pytest

from kb.markdown import plain_text, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '![x](https://example.com/a.png "t" onerror=alert(1))',
    "<style>body{display:none}</style>",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<<script>script>alert(1)<</script>/script>",
    "[x](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
]


class _Tags(HTMLParser):
    """The real elements of some HTML, with their attributes (escaped text is not an element)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_comes_out_inert(source):
    for tag, attributes in elements(render_markdown(source)):
        assert tag not in ("script", "style", "iframe", "svg", "object", "embed"), tag
        assert not [name for name in attributes if name.startswith("on") or name == "style"], attributes
        for name in ("href", "src"):
            if name in attributes:
                assert attributes[name].lower().startswith(("https:", "http:", "mailto:")), attributes


def test_raw_html_is_shown_as_text():
    rendered = render_markdown("<script>alert(1)</script> and <b onclick=x>bold</b>")
    assert rendered == "<p>&lt;script&gt;alert(1)&lt;/script&gt; and &lt;b onclick=x&gt;bold&lt;/b&gt;</p>\n"


def test_only_safe_links_survive():
    rendered = render_markdown("[a](javascript:alert(1)) [b](https://ok.example) [c](mailto:x@example.com)")
    hrefs = [attributes["href"] for tag, attributes in elements(rendered) if tag == "a"]
    assert hrefs == ["https://ok.example", "mailto:x@example.com"]


def test_markdown_renders_what_articles_need():
    rendered = render_markdown(
        "# Title\n\n**bold** *em* `code` ~~old~~\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "[docs](https://example.com/docs) ![logo](https://example.com/logo.png)\n\n```\nprint(1)\n```"
    )
    for fragment in (
        "<h1>Title</h1>",
        "<strong>bold</strong>",
        "<em>em</em>",
        "<code>code</code>",
        "<s>old</s>",
        "<li>one</li>",
        "<table>",
        "<td>2</td>",
        '<a href="https://example.com/docs" rel="noopener noreferrer nofollow">docs</a>',
        '<img src="https://example.com/logo.png" alt="logo">',
        "<pre><code>print(1)",
    ):
        assert fragment in rendered, fragment


def test_plain_text_is_the_words_shortened():
    html = render_markdown("# Reset\n\nOpen the **login** page & choose *Forgot*. " + "word " * 100)
    text = plain_text(html, 60)
    assert text.startswith("Reset Open the login page & choose Forgot.")
    assert len(text) == 60 and text.endswith("…")
