"""Tests for forum.markup: behaviour, plus public XSS corpora fed through the renderer.

Every corpus output is parsed once with a real HTML parser (html5lib, which follows the HTML5
parsing algorithm browsers use, so entities are decoded exactly as a browser would) and checked
for executable constructs. The checker has its own test so it is known to be able to fail.
No database is needed.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path

import pytest

from forum import markup
from forum.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, count_links, render_markdown

try:  # a standalone html5lib if one is installed, else the copy bleach vendors
    import html5lib
except ImportError:
    # bleach's private copy: not in its stubs, and the same module as the standalone one.
    from bleach._vendor import html5lib  # type: ignore[import-not-found,no-redef]

# Repo at /work/main, shared data at /work/shared; CI clones the repo with shared/ beside it.
# XSS_CORPUS_DIR points elsewhere; with REQUIRE_XSS_CORPUS set (CI) a missing corpus fails the run.
XSS_DIR = Path(
    os.environ.get("XSS_CORPUS_DIR")
    or Path(__file__).resolve().parents[3] / "shared" / "data" / "xss"
)

REL = 'rel="nofollow ugc noopener"'

# ---------------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------------

FORBIDDEN_ELEMENTS = frozenset(
    {
        "script", "style", "iframe", "object", "embed", "svg", "math", "frame", "frameset",
        "base", "link", "meta", "form", "applet", "noscript", "template",
    }
)  # fmt: skip
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "codebase", "background"}
)
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
# What a browser's URL parser ignores: leading/trailing C0 controls and space, and every
# tab/newline/CR anywhere (so "jav\tascript:" is "javascript:").
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_NEWLINE_RE = re.compile("[\t\n\r]")


def _local_name(name: str) -> str:
    """'{http://www.w3.org/2000/svg}svg' -> 'svg' (html5lib keeps namespaces on foreign content)."""
    return name.rsplit("}", 1)[-1].lower()


def _url_scheme(value: str) -> str | None:
    """The scheme a browser would see in an attribute value (already entity-decoded), if any."""
    cleaned = _TAB_NEWLINE_RE.sub("", value.strip(_C0_OR_SPACE))
    match = _SCHEME_RE.match(cleaned)
    return match.group(1).lower() if match else None


def html_problems(html: str, *, policy: bool = False) -> list[str]:
    """Parse ``html`` once, as a browser would inside a page, and list what could execute.

    With ``policy=True`` also report anything outside forum.markup's allow-list and any link
    without our rel, i.e. check the sanitiser enforced exactly what it was configured with.
    """
    fragment = html5lib.parseFragment(html, container="div", namespaceHTMLElements=False)
    problems: list[str] = []
    for element in fragment.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        if element.tag == "DOCUMENT_FRAGMENT":
            continue
        tag = _local_name(element.tag)
        if tag in FORBIDDEN_ELEMENTS:
            problems.append(f"<{tag}> element")
        if policy and tag not in ALLOWED_TAGS:
            problems.append(f"<{tag}> is not in the allow-list")
        for raw_name, value in element.attrib.items():
            name = raw_name.lower()
            local = _local_name(name)
            if local.startswith("on"):
                problems.append(f"<{tag} {name}> event handler")
            if local == "style":
                problems.append(f"<{tag} style> attribute")
            if (name in URL_ATTRIBUTES or local in URL_ATTRIBUTES) and (
                scheme := _url_scheme(value)
            ) not in (None, *SAFE_SCHEMES):
                problems.append(f"<{tag} {name}={value!r}> has scheme {scheme!r}")
            if (
                policy
                and local not in ALLOWED_ATTRIBUTES.get(tag, ())
                and (tag, local)
                != (
                    "a",
                    "rel",
                )
            ):
                problems.append(f"<{tag} {name}> is not in the allow-list")
        if policy and tag == "a" and element.get("rel") != "nofollow ugc noopener":
            problems.append(f"<a> without our rel: {element.attrib!r}")
    return problems


@pytest.mark.parametrize(
    "bad",
    [
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href=" \x01\x10javas\ncript:alert(1)">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        "<img src=x onerror=alert(1)>",
        "<div ONCLICK=alert(1)>x</div>",
        '<p style="background:url(javascript:alert(1))">x</p>',
        "<svg>",
        '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
        "<math><mi>x</mi></math>",
        "<script>alert(1)</script>",
        "<style>*{}</style>",
        '<iframe src="https://example.com"></iframe>',
        '<object data="x.swf"></object>',
        '<embed src="x.swf">',
        '<base href="https://evil.example/">',
        '<link rel="stylesheet" href="x.css">',
        '<meta http-equiv="refresh" content="0">',
        '<form action="https://example.com"><input></form>',
        '<button formaction="javascript:alert(1)">x</button>',
        # <frame>/<frameset> are in FORBIDDEN_ELEMENTS but not sampled here: inside a page's body
        # the HTML parser drops them (as browsers do), so there is nothing to report.
    ],
)
def test_checker_reports_executable_html(bad: str) -> None:
    assert html_problems(bad), f"checker missed {bad!r}"


@pytest.mark.parametrize(
    "good",
    [
        '<p><a href="https://example.com/a?b=1&amp;c=2">x</a></p>',
        '<a href="mailto:someone@example.com">x</a>',
        '<a href="/forum/thread/1/">x</a> <a href="#reply-3">y</a> <a href="//example.com">z</a>',
        '<a href="jav%09ascript:alert(1)">percent-encoded, so a relative path</a>',
        '<a href="&amp;#106avascript:alert(1)">literal text, so a relative path</a>',
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; onclick=alert(1) javascript:alert(1)</p>",
    ],
)
def test_checker_accepts_inert_html(good: str) -> None:
    assert html_problems(good) == []


def test_checker_policy_mode_reports_off_list_markup() -> None:
    assert html_problems('<a href="https://example.com">x</a>', policy=True)  # no rel
    assert html_problems('<p class="x">x</p>', policy=True)
    assert html_problems("<h1>x</h1>", policy=True)
    assert html_problems(f'<p><a href="https://example.com" {REL}>x</a></p>', policy=True) == []


# ---------------------------------------------------------------------------------------------
# Corpora
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xss_dir() -> Path:
    if not XSS_DIR.is_dir():
        message = f"XSS corpora not found at {XSS_DIR}: clone the shared/ data beside the repo"
        if os.environ.get("REQUIRE_XSS_CORPUS"):
            pytest.fail(message)
        pytest.skip(message)
    return XSS_DIR


def _forms(payload: str) -> tuple[tuple[str, str], ...]:
    """The payload as typed, as a Markdown link's URL, and as an autolink."""
    return (("text", payload), ("link", f"[x]({payload})"), ("autolink", f"<{payload}>"))


def assert_all_render_safely(corpus: str, payloads: Iterable[str]) -> None:
    failures: list[str] = []
    for payload in payloads:
        for form, source in _forms(payload):
            output = render_markdown(source)
            if problems := html_problems(output, policy=True):
                failures.append(f"{form} {payload!r}\n    -> {output!r}\n    {problems}")
    shown = "\n".join(failures[:10])
    assert not failures, f"{len(failures)} unsafe outputs from {corpus}, first 10:\n{shown}"


def read_markdown_it_fixture_inputs(path: Path) -> list[str]:
    """Inputs from a markdown-it fixture file: [description] '.' input '.' expected-html '.'."""
    lines = path.read_text(encoding="utf-8").split("\n")
    inputs: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i] != ".":
            i += 1
            continue
        input_end = lines.index(".", i + 1)
        output_end = lines.index(".", input_end + 1)
        inputs.append("\n".join(lines[i + 1 : input_end]) + "\n")
        i = output_end + 1
    return inputs


def test_payloadbox_payloads_render_safely(xss_dir: Path) -> None:
    text = (xss_dir / "payloadbox_xss-payload-list.txt").read_text(encoding="utf-8")
    payloads = text.splitlines()
    assert len(payloads) > 6000, "payload list looks truncated"
    assert_all_render_safely("payloadbox_xss-payload-list.txt", payloads)


def test_markdown_it_xss_fixture_inputs_render_safely(xss_dir: Path) -> None:
    inputs = read_markdown_it_fixture_inputs(xss_dir / "markdown-it_xss.txt")
    assert len(inputs) >= 10, f"fixture parser found only {len(inputs)} blocks"
    assert "[xss link](javascript:alert(1))" in inputs[1]
    assert_all_render_safely("markdown-it_xss.txt", inputs)


def test_html5lib_sanitizer_inputs_render_safely(xss_dir: Path) -> None:
    cases = json.loads((xss_dir / "html5lib_sanitizer_tests1.json").read_text(encoding="utf-8"))
    assert len(cases) > 50, "sanitizer test data looks truncated"
    assert_all_render_safely("html5lib_sanitizer_tests1.json", [case["input"] for case in cases])


def test_html5lib_sanitizer_inputs_through_the_cleaner_alone(xss_dir: Path) -> None:
    """Defence in depth: the configured Cleaner is safe even on raw HTML markdown-it never emits."""
    cases = json.loads((xss_dir / "html5lib_sanitizer_tests1.json").read_text(encoding="utf-8"))
    failures = []
    for case in cases:
        output = markup._cleaner().clean(case["input"])
        if problems := html_problems(output, policy=True):
            failures.append(f"{case['name']}: {output!r} {problems}")
    assert not failures, "\n".join(failures[:10])


# ---------------------------------------------------------------------------------------------
# Behaviour
# ---------------------------------------------------------------------------------------------


def test_empty_input() -> None:
    assert render_markdown("") == ""


def test_emphasis_links_lists_and_code_render() -> None:
    html = render_markdown(
        "Some *em*, **strong**, ~~gone~~ and `x < y`.\n\n"
        "- one\n- two\n\n"
        "3. three\n4. four\n\n"
        "> quoted\n\n"
        '[site](https://example.com/page "Title")\n'
    )
    assert "<em>em</em>" in html
    assert "<strong>strong</strong>" in html
    assert "<s>gone</s>" in html
    assert "<code>x &lt; y</code>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert '<ol start="3">' in html
    assert "<blockquote>" in html
    assert f'<a href="https://example.com/page" title="Title" {REL}>site</a>' in html


def test_every_link_gets_rel() -> None:
    html = render_markdown(
        "[a](https://example.com) <https://example.org> <mailto:someone@example.com> "
        "[rel](/forum/) https://bare.example.com"
    )
    assert count_links(html) == 5
    assert html.count(REL) == 5
    assert html_problems(html, policy=True) == []


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](  javascript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](javascript&#x3A;alert(1))",
        "<javascript:alert(1)>",
        "[x][ref]\n\n[ref]: javascript:alert(1)",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](ftp://example.com/file)",  # markdown-it's own default would allow these two
        "<tel:+441234567890>",
    ],
)
def test_disallowed_scheme_links_are_not_links(source: str) -> None:
    html = render_markdown(source)
    assert "<a" not in html
    assert count_links(html) == 0


def test_disallowed_scheme_link_is_shown_as_typed() -> None:
    html = render_markdown('[a < b & "c"](ftp://example.com/f)')
    assert html == "<p>[a &lt; b &amp; &quot;c&quot;](ftp://example.com/f)</p>\n"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "jav&#x0A;ascript:alert(1)",
        "\x01javascript:alert(1)",
        " \x00 javascript:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript&#x3A;alert(1)",
        "java\nscript:alert(1)",
        "\u00a0javascript:alert(1)",
    ],
)
def test_cleaner_drops_obfuscated_javascript_hrefs(href: str) -> None:
    """markdown-it rejects these before bleach sees them; the Cleaner must reject them anyway."""
    output = markup._cleaner().clean(f'<a href="{href}">x</a>')
    assert "href" not in output
    assert html_problems(output, policy=True) == []


def test_raw_html_is_shown_as_typed_not_run() -> None:
    source = "Hello <script>alert(1)</script> <b onmouseover=alert(1)>bold</b>"
    html = render_markdown(source)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b onmouseover=alert(1)&gt;bold&lt;/b&gt;" in html
    assert "<script" not in html
    assert html_problems(html, policy=True) == []


def test_raw_html_block_is_escaped() -> None:
    html = render_markdown('<div onclick="alert(1)">\n<iframe src="https://example.com">\n</div>')
    assert "&lt;iframe" in html
    assert html_problems(html, policy=True) == []


def test_bare_urls_become_links_but_not_in_code() -> None:
    html = render_markdown(
        "See https://example.com/a?b=1&c=2. Also (http://example.org/x).\n\n"
        "`https://inline.example.com`\n\n"
        "```\nhttps://fenced.example.com\n```\n\n"
        "    https://indented.example.com\n"
    )
    assert f'<a href="https://example.com/a?b=1&amp;c=2" {REL}>' in html
    assert f'(<a href="http://example.org/x" {REL}>http://example.org/x</a>).' in html
    assert "<code>https://inline.example.com</code>" in html
    assert "<code>https://fenced.example.com\n</code>" in html
    assert "<code>https://indented.example.com\n</code>" in html
    assert count_links(html) == 2


def test_bare_domains_and_file_names_stay_text() -> None:
    html = render_markdown("Edit models.py, see example.com or mail someone@example.com")
    assert "<a" not in html


def test_headings_are_shifted_down() -> None:
    html = render_markdown("# One\n\n## Two\n\n### Three\n\n#### Four\n\n###### Six\n")
    assert "<h1" not in html
    assert "<h2" not in html
    assert "<h3>One</h3>" in html
    assert "<h4>Two</h4>" in html
    assert "<h5>Three</h5>" in html
    assert "<h6>Four</h6>" in html
    assert "<h6>Six</h6>" in html


def test_images_become_links_to_the_image() -> None:
    html = render_markdown('![a *cat*](https://example.com/cat.png "Cat")')
    assert html == f'<p><a href="https://example.com/cat.png" title="Cat" {REL}>a cat</a></p>\n'
    assert "<img" not in render_markdown("![](https://example.com/cat.png)")
    assert count_links(render_markdown("![](https://example.com/cat.png)")) == 1


def test_image_inside_link_becomes_its_alt_text() -> None:
    html = render_markdown("[![badge](https://example.com/b.svg)](https://example.com/)")
    assert html == f'<p><a href="https://example.com/" {REL}>badge</a></p>\n'


def test_data_uri_image_is_not_a_link() -> None:
    html = render_markdown("![pic](data:image/png;base64,iVBORw0KGgo=)")
    assert "<a" not in html
    assert "<img" not in html
    assert "pic" in html


def test_tables_render_without_style() -> None:
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    assert "<table>" in html
    assert "<th>a</th>" in html
    assert "<td>2</td>" in html
    assert "style" not in html


def test_code_blocks_keep_markup_escaped_and_drop_classes() -> None:
    html = render_markdown('```html\n<script>alert("x")</script> & <b>\n```\n')
    assert html == (
        "<pre><code>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;\n"
        "</code></pre>\n"
    )


def test_relative_links_are_kept() -> None:
    html = render_markdown("[thread](/forum/thread/1/) [reply](#reply-2)")
    assert f'<a href="/forum/thread/1/" {REL}>thread</a>' in html
    assert f'<a href="#reply-2" {REL}>reply</a>' in html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("", 0),
        ("no links here", 0),
        ("[a](https://example.com)", 1),
        ("[a](https://example.com) and https://example.org", 2),
        ("[a](https://a.example) <https://b.example> https://c.example ![i](https://d/i.png)", 4),
        ("`https://example.com` [x](javascript:alert(1))", 0),
    ],
)
def test_count_links_on_rendered_posts(source: str, expected: int) -> None:
    assert count_links(render_markdown(source)) == expected


def test_count_links_ignores_anchors_without_href() -> None:
    assert count_links('<a name="x">x</a><a href="/y">y</a><A HREF="/z">z</A>') == 2


def test_cleaner_is_reused_per_thread() -> None:
    assert markup._cleaner() is markup._cleaner()
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(markup._cleaner()))
    thread.start()
    thread.join()
    assert other
    assert other[0] is not markup._cleaner()
