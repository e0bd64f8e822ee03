"""Hats: a member's role shown beside their name (as Lobsters does), so a display name such as
"Maya Patel (moderator)" can't pass for a moderator.

A hat is worked out inside the query that already fetches the author (an EXISTS subquery per
hat), never by asking `user.is_moderator` per author, which costs a query each. The objects get a
boolean attribute per hat, `<field>_hat_<name>` (e.g. `author_hat_moderator`), which the `hats`
template tag reads.

forum knows one hat, "moderator" (the Moderators group, or a superuser). Apps that depend on
forum add hats for a discussion with `register_thread_hat`: campaigns gives a campaign's
organisers an "organiser" hat in its discussion thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.expressions import Combinable

from accounts.models import MODERATORS_GROUP, User

MODERATOR = "moderator"
HAT_TITLES = {MODERATOR: "A moderator of this forum"}

# name -> condition(post_field, user_field): a conditional expression over the outer query's
# post id and user id fields, true when that user wears the hat in that post's discussion.
# (Q or an expression such as Exists: what ExpressionWrapper wraps.)
ThreadHat = Callable[[str, str], Q | Combinable]
_QuerySet = TypeVar("_QuerySet", bound=QuerySet[Any])
THREAD_HATS: dict[str, ThreadHat] = {}


def register_thread_hat(name: str, condition: ThreadHat, *, title: str) -> None:
    THREAD_HATS[name] = condition
    HAT_TITLES[name] = title


def moderator_condition(user_field: str) -> Expression:
    """True when the user in `user_field` (a foreign key, e.g. "author") is a moderator."""
    in_group = User.groups.through.objects.filter(
        user_id=OuterRef(f"{user_field}_id"), group__name=MODERATORS_GROUP
    )
    return ExpressionWrapper(
        Q(**{f"{user_field}__is_superuser": True}) | Exists(in_group),
        output_field=BooleanField(),
    )


def with_hats(
    queryset: _QuerySet, *, user_field: str = "author", post_field: str | None = None
) -> _QuerySet:
    """Annotate each row with the hats of its `user_field` member: moderator always, and the
    registered discussion hats when `post_field` names the row's post id ("pk" for posts,
    "post_id" for comments). One query still fetches everything."""
    hats: dict[str, Expression] = {f"{user_field}_hat_{MODERATOR}": moderator_condition(user_field)}
    if post_field is not None:
        for name, condition in THREAD_HATS.items():
            hats[f"{user_field}_hat_{name}"] = ExpressionWrapper(
                condition(post_field, f"{user_field}_id"), output_field=BooleanField()
            )
    return queryset.annotate(**hats)


def hats_of(obj: object, user_field: str = "author") -> list[str]:
    """The hat names annotated on `obj` for its `user_field` member, moderator first."""
    return [
        name
        for name in (MODERATOR, *THREAD_HATS)
        if getattr(obj, f"{user_field}_hat_{name}", False)
    ]


def moderator_ids(user_ids: Iterable[int | None]) -> set[int]:
    """Which of these members are moderators: one query, for pages whose rows come without the
    annotation (a campaign's organisers, supporters and updates)."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return set()
    return set(
        User.objects.filter(pk__in=ids)
        .filter(Q(is_superuser=True) | Q(groups__name=MODERATORS_GROUP))
        .values_list("pk", flat=True)
        .distinct()
    )
