"""`fast_reverse`: what `django.urls.reverse(name, args=...)` returns, without resolving the URL
pattern on every call.

A list page links each row three or four times (the post, its section, its author): a hundred
and more `reverse()` calls a page, each walking the resolver. Here each URL name is reversed once
per process (and script prefix), with placeholder arguments, into the literal pieces between its
arguments; a call joins the pieces with the arguments quoted as `reverse()` quotes them (the whole
path with RFC 3986's sub-delimiters, "/", "~", ":" and "@" kept). tests/accounts/test_links.py
compares the two on awkward values.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from urllib.parse import quote

from django.urls import get_script_prefix, reverse
from django.utils.http import RFC3986_SUBDELIMS

_SAFE = RFC3986_SUBDELIMS + "/~:@"


def _placeholder(index: int, kind: type) -> int | str:
    # Values every converter of their kind accepts (int, slug, str), and found nowhere else.
    return 1_000_000_007 + index if kind is int else f"zqx{index}xqz"


@cache
def _pieces(prefix: str, name: str, kinds: tuple[type, ...]) -> tuple[str, ...]:
    url = reverse(name, args=[_placeholder(i, kind) for i, kind in enumerate(kinds)])
    pieces = []
    for i, kind in enumerate(kinds):
        before, url = url.split(str(_placeholder(i, kind)), 1)
        pieces.append(before)
    pieces.append(url)
    return tuple(pieces)


def fast_reverse(name: str, *args: int | str) -> str:
    """`reverse(name, args=args)` for positional int and str (slug, username) arguments."""
    pieces = _pieces(
        get_script_prefix(), name, tuple(int if isinstance(a, int) else str for a in args)
    )
    out = [pieces[0]]
    for arg, piece in zip(args, pieces[1:], strict=False):
        out.append(str(arg) if isinstance(arg, int) else quote(arg, safe=_SAFE))
        out.append(piece)
    return "".join(out)


def pk_url(name: str, *before: str) -> Callable[[int], str]:
    """A maker of `reverse(name, args=[*before, pk])` for many pks: the pattern is looked up once
    (for the script prefix of now), each call only formats (a page of comments links each several
    times)."""
    pieces = _pieces(get_script_prefix(), name, (*(str for _ in before), int))
    prefix = pieces[0] + "".join(
        quote(arg, safe=_SAFE) + piece for arg, piece in zip(before, pieces[1:-1], strict=True)
    )
    suffix = pieces[-1]
    return lambda pk: f"{prefix}{pk}{suffix}"
