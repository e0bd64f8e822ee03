"""Member-typed Markdown -> safe HTML. The only place in the project that sanitises HTML.

Why it works this way:

* Render first, then sanitise. markdown-it-py turns the member's Markdown into HTML with raw HTML
  in the source disabled (so a typed ``<script>`` is shown as text), then bleach cleans that HTML
  against an explicit allow-list. The sanitiser sees the final markup, so whatever the renderer
  emits, only allow-listed tags, attributes and URL schemes reach the page.
* Call it when a post is saved and store the result; templates show the stored HTML. Never render
  per view: it is the slow part, and one stored result is what moderators saw.
* bleach is deprecated upstream; it is used only here, so it can be swapped in this one file.

Decisions (tests in ``tests/forum/test_markup.py`` pin them down):

* Headings move down two levels (``#`` -> ``<h3>``, ``##`` -> ``<h4>``, deeper -> ``<h6>``) so a
  member's heading never competes with the page's own ``<h1>``/``<h2>``.
* No images in member content: ``![alt](url)`` becomes a link to the image, ``<a href=url>alt</a>``
  (just the alt text when the image is already inside a link). Such links count as links.
* Bare ``http://`` / ``https://`` URLs in text become links (not inside code). Bare domains
  without a scheme (``models.py``, ``example.com``) deliberately stay text.
* Link schemes: http, https, mailto, plus scheme-less relative URLs (``/forum/...``, ``#x``).
  markdown-it is given the same list, so ``[text](ftp://...)`` or ``javascript:`` stays as the
  text the member typed; bleach enforces the list again. Every link gets
  ``rel="nofollow ugc noopener"``; a link left without href by bleach is unwrapped to its text.
* Tables and ~~strikethrough~~ are on. Table column alignment is lost (markdown-it expresses it as
  ``style``, and ``style`` is never allowed); fenced-code language classes are dropped (no
  ``class``/``id`` from members).
"""

from __future__ import annotations

import re
import threading
from collections.abc import MutableMapping
from functools import partial
from html.parser import HTMLParser
from typing import cast

from bleach.linkifier import LinkifyFilter
from bleach.sanitizer import Cleaner
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_PROTOCOLS",
    "ALLOWED_TAGS",
    "count_links",
    "render_markdown",
]

#: Everything the renderer may emit. h1/h2 are absent because headings are shifted down.
ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "h3", "h4", "h5", "h6",
        "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip

#: Attributes kept per tag; everything else (style, class, id, on*) is dropped. ``rel`` on links is
#: added by us after sanitising, never taken from input.
ALLOWED_ATTRIBUTES: dict[str, list[str]] = {"a": ["href", "title"], "ol": ["start"]}

#: URL schemes allowed in href; scheme-less (relative, ``#anchor``) URLs are also kept.
ALLOWED_PROTOCOLS: frozenset[str] = frozenset({"http", "https", "mailto"})

LINK_REL = "nofollow ugc noopener"

# Bare URLs to auto-link: an explicit http(s) scheme is required, so file names and domains in
# prose stay text. LinkifyFilter trims trailing punctuation and unbalanced parentheses itself.
# Only http(s) can match, which matters: links made by the filter are created after sanitising.
_BARE_URL_RE = re.compile(r"\(*\bhttps?://[^\s<>\"'`{}|\\^]+", re.IGNORECASE)

_URL_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)


def _validate_link(url: str) -> bool:
    """markdown-it's link check, narrowed to our schemes (its default only bans a few).

    A rejected ``[text](url)`` stays as the text the member typed, as ``javascript:`` always did,
    instead of becoming a link the sanitiser would then have to strip. bleach still enforces.
    """
    match = _URL_SCHEME_RE.match(url.strip())
    return match is None or match.group(1).lower() in ALLOWED_PROTOCOLS


def _shift_headings(state: StateCore) -> None:
    """``#`` -> h3, ``##`` -> h4, ``###`` and deeper -> h5/h6 (capped at h6)."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"


def _images_to_links(state: StateCore) -> None:
    """Replace each image with a link to it (or only its alt text when already inside a link)."""
    # cast: MarkdownIt's own HTML renderer, which _build_markdown keeps; the attribute is typed
    # as the protocol, which has no renderInlineAsText.
    renderer = cast(RendererHTML, state.md.renderer)
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        out: list[Token] = []
        link_depth = 0
        for token in block.children:
            if token.type == "link_open":
                link_depth += 1
            elif token.type == "link_close":
                link_depth -= 1
            if token.type != "image":
                out.append(token)
                continue
            alt = renderer.renderInlineAsText(token.children, state.md.options, state.env)
            src = str(token.attrGet("src") or "")
            text = Token("text", "", 0, content=alt or src)
            if link_depth > 0:
                out.append(text)
                continue
            attrs: dict[str, str | int | float] = {"href": src}
            title = token.attrGet("title")
            if title:
                attrs["title"] = title
            out += [Token("link_open", "a", 1, attrs=attrs), text, Token("link_close", "a", -1)]
        block.children = out


def _build_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.core.ruler.push("grassroots_shift_headings", _shift_headings)
    md.core.ruler.push("grassroots_images_to_links", _images_to_links)
    return md


_HTMLAttrs = MutableMapping[tuple[str | None, str], str]  # bleach's: (namespace, name) -> value


def _set_link_rel(attrs: _HTMLAttrs, new: bool = False) -> _HTMLAttrs | None:
    """LinkifyFilter callback: every link gets our rel; a link with no href left becomes text."""
    if not attrs.get((None, "href")):
        return None
    attrs[(None, "rel")] = LINK_REL
    return attrs


def _build_cleaner() -> Cleaner:
    return Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=False,  # a disallowed tag (only possible from a renderer change) shows as text
        strip_comments=True,
        # Filters run after bleach's sanitising filter, on already-clean tokens.
        filters=[
            partial(
                LinkifyFilter,
                # types-bleach's callback type leaves out the None that bleach documents (and
                # LinkifyFilter.apply_callbacks returns): "drop the link".
                callbacks=[_set_link_rel],  # type: ignore[list-item]
                skip_tags={"pre", "code"},
                parse_email=False,
                url_re=_BARE_URL_RE,
            )
        ],
    )


# markdown-it keeps no per-call state, so one instance serves every thread.
_MD = _build_markdown()

# bleach's Cleaner is reusable but documented as not thread-safe (its html5lib parser holds
# state), and Django may serve requests from several threads. So: one Cleaner per thread, built on
# that thread's first call and reused after, rather than one per call.
_local = threading.local()


def _cleaner() -> Cleaner:
    cleaner: Cleaner | None = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = _build_cleaner()
    return cleaner


def render_markdown(text: str) -> SafeString:
    """Render member-typed Markdown to sanitised HTML, ready to store and show as is.

    Marked safe here, at the sanitiser, so a preview renders without `|safe` in a template; a
    stored `*_html` column comes back from the database as a plain string and is the only thing
    templates mark safe themselves.
    """
    if not text:
        return mark_safe("")
    return mark_safe(_cleaner().clean(_MD.render(text)))  # noqa: S308 - sanitised just now


class _LinkCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and any(name == "href" for name, _ in attrs):
            self.count += 1

    handle_startendtag = handle_starttag


def count_links(html: str) -> int:
    """Number of ``<a href>`` in HTML from :func:`render_markdown` (for per-post link limits)."""
    counter = _LinkCounter()
    counter.feed(html)
    counter.close()
    return counter.count


# @mentions: "@" then a username (accounts.validators: ASCII letters, digits, . _ -, starting
# with a letter or digit), not preceded by a word character, "@", "." or "/" (so addresses and
# URLs are not mentions), and without trailing dots ("@bob." at a sentence's end is bob).
_MENTION_RE = re.compile(r"(?<![\w@./])@([A-Za-z0-9][A-Za-z0-9._-]{0,149})")


class _TextOutsideLinksAndCode(HTMLParser):
    """The text of HTML outside <a>, <code> and <pre>: where a mention can be."""

    SKIP = frozenset({"a", "code", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        # A space between text nodes, so "a<em>@b</em>" still finds @b and "x</p><p>@y" too.
        self.parts.append(" " if self.depth else data)


def mentioned_usernames(html: str, limit: int = 10) -> list[str]:
    """The distinct usernames @mentioned in HTML from render_markdown, first mention first, at
    most `limit` (compared case-insensitively; returned lower-cased). Mentions inside links and
    code don't count."""
    parser = _TextOutsideLinksAndCode()
    parser.feed(html)
    parser.close()
    text = " ".join(parser.parts)
    found: list[str] = []
    for match in _MENTION_RE.finditer(text):
        name = match.group(1).rstrip(".-_").lower()
        if name and name not in found:
            found.append(name)
            if len(found) == limit:
                break
    return found
