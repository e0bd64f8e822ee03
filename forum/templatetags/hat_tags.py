"""Hats beside members' names (see forum.hats). The markup is a plain labelled span, so it reads
as "Maya Patel moderator" to a screen reader and can't be typed into a display name."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import format_html_join

from accounts.models import User

from ..hats import HAT_TITLES, hats_of, moderator_ids

register = template.Library()


def _render(names: Iterable[str]) -> str:
    return format_html_join(
        "",
        ' <span class="hat hat-{}" title="{}">{}</span>',
        ((name, HAT_TITLES.get(name, ""), name) for name in names),
    )


@register.simple_tag
def hats(obj: object, user_field: str = "author") -> str:
    """The hats annotated on a post or comment (forum.hats.with_hats) for its author."""
    return _render(hats_of(obj, user_field))


def _user_id(row: object) -> int | None:
    if isinstance(row, User):
        return row.pk
    user_id: int | None = getattr(row, "user_id", None) or getattr(row, "author_id", None)
    return user_id


@register.simple_tag
def member_hats(
    *rows_lists: Iterable[object], **hat_rows: Iterable[object]
) -> dict[int, list[str]]:
    """Hats for every member named by these rows (anything with `user_id` or `author_id`):
    "moderator" from one query for all of them, and each keyword's hat for the members in its
    rows, without a query (`organiser=organisers` gives the organisers an "organiser" hat).

    `{% member_hats organisers supporters updates organiser=organisers as hats %}`, then
    `{% hats_for hats update.author_id %}`."""
    ids = {_user_id(row) for rows in (*rows_lists, *hat_rows.values()) for row in rows}
    found: dict[int, list[str]] = {pk: ["moderator"] for pk in moderator_ids(ids)}
    for name, rows in hat_rows.items():
        for pk in {_user_id(row) for row in rows}:
            if pk is not None:  # a row naming no member wears no hat
                found.setdefault(pk, []).append(name)
    return found


@register.simple_tag
def hats_for(found: dict[int, list[str]], user_id: int) -> str:
    return _render(found.get(user_id, ()) if found else ())
