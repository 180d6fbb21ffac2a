"""Markdown from the model, tools or users loses active HTML, script links and remote images; code stays as is."""

from __future__ import annotations

import pytest

from data360_chat.web.safe_markdown import local_image, safe_markdown, safe_url


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://data360.worldbank.org/en/indicator/X", True),
        ("http://example.org", True),
        ("mailto:someone@example.org", True),
        ("/api/v1/charts/1.csv", True),
        ("#section", True),
        ("page.html", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox", False),
        ("//evil.example/x", False),
    ],
)
def test_links_keep_only_safe_schemes(url: str, kept: bool) -> None:
    assert (safe_url(url) == url) is kept
    if " " not in url and "\t" not in url:  # with a blank inside, Markdown does not read it as a link at all
        assert (safe_markdown(f"[x]({url})") == f"[x]({url})") is kept


def test_tags_become_text_outside_code() -> None:
    text = 'Hi <script>alert(1)</script> <img src=x onerror="a()"> <svg onload=b()> <iframe src="x"></iframe>'
    safe = safe_markdown(text)
    assert "<" not in safe
    assert safe.count("&lt;") == text.count("<")
    assert safe_markdown("a < b and 3<4") == "a < b and 3<4"


def test_code_is_left_alone() -> None:
    text = "Use `<b>` like this:\n\n```html\n<script>alert(1)</script>\n![x](https://evil.example/p.png)\n```\n"
    assert safe_markdown(text) == text


def test_remote_images_become_their_alt_text() -> None:
    assert safe_markdown("![leak](https://evil.example/p.png?q=secret)") == "*[image: leak]*"
    assert safe_markdown('![](//evil.example/p.png "t")') == "*[image: not shown]*"
    assert safe_markdown("![ref][pixel]\n\n[pixel]: https://evil.example/p.png") == (
        "*[image: ref]*\n\n[pixel]: https://evil.example/p.png"
    )
    assert safe_markdown("![chart](/assets/chart.png)") == "![chart](/assets/chart.png)"
    assert local_image("data:image/png;base64,AAAA")
    assert not local_image("data:image/svg+xml;base64,AAAA")


def test_reference_links_with_script_urls_point_nowhere() -> None:
    assert safe_markdown("[x][a]\n\n[a]: javascript:alert(1)") == "[x][a]\n\n[a]: #"
