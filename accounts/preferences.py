"""What members choose to hear about, and how: one choice (a Delivery) per category.

A notification's `kind` is what happened ("reply", "campaign_update"); its category is what the
member chooses for ("replies"). The kinds other apps send are named here, so that a kind nobody
mapped can't slip past the member's choices: notifications_add refuses an unknown kind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing

from .models import Delivery, NotificationPreference


@dataclass(frozen=True)
class Category:
    name: str
    label: str  # the settings page's question
    because: str  # the email footer's "You get this because ..."
    default: Delivery
    kinds: frozenset[str]
    # What the member may choose: everything, but for what must not go unheard.
    choices: tuple[Delivery, ...] = (Delivery.EMAIL, Delivery.DIGEST, Delivery.SITE, Delivery.OFF)


CATEGORIES: dict[str, Category] = {
    c.name: c
    for c in [
        Category(
            "replies",
            "Replies to your posts and comments",
            "someone replied to something you wrote",
            Delivery.EMAIL,
            frozenset({"reply"}),
        ),
        Category(
            "mentions",
            "Mentions of your @username",
            "someone mentioned your @username",
            Delivery.EMAIL,
            frozenset({"mention"}),
        ),
        Category(
            "followed",
            "New comments in discussions you follow",
            "you follow this discussion (you wrote in it, or chose to follow it)",
            Delivery.DIGEST,
            frozenset({"followed"}),
        ),
        Category(
            "messages",
            "Private messages",
            "a member sent you a private message",
            Delivery.EMAIL,
            frozenset({"message"}),
        ),
        Category(
            "campaigns",
            "Updates, changes and results of campaigns you support or organise",
            "you support or organise this campaign",
            Delivery.EMAIL,
            frozenset(
                {
                    "campaign_update",
                    "campaign_change",
                    "campaign_closed",
                    "campaign_reopened",
                    "campaign_organiser",
                }
            ),
        ),
        Category(
            "moderation",
            "Moderators' decisions on your content and your reports",
            "a moderator decided something about your content or your report",
            Delivery.EMAIL,
            frozenset({"moderation", "report"}),
            # Members may stop the email, never the notice itself: a removal must be heard of.
            choices=(Delivery.EMAIL, Delivery.DIGEST, Delivery.SITE),
        ),
        Category(
            "account",
            "Your account: a copy of your data ready to download",
            "you asked for a copy of your data",
            Delivery.EMAIL,
            frozenset({"data_export"}),
            # What the member asked for is always told in the site; only the email is theirs to stop.
            choices=(Delivery.EMAIL, Delivery.SITE),
        ),
    ]
}

CATEGORY_OF_KIND: dict[str, str] = {kind: c.name for c in CATEGORIES.values() for kind in c.kinds}


def category_of(kind: str) -> Category:
    try:
        return CATEGORIES[CATEGORY_OF_KIND[kind]]
    except KeyError:
        raise ValueError(f"Unknown notification kind {kind!r}: map it in CATEGORIES") from None


def deliveries(user_ids: Iterable[int], category: str) -> dict[int, Delivery]:
    """Each member's choice for the category (one query)."""
    ids = list(user_ids)
    default = CATEGORIES[category].default
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids, category=category).values_list(
            "user_id", "delivery"
        )
    )
    return {pk: Delivery(chosen.get(pk, default)) for pk in ids}


def preferences_of(user_id: int) -> dict[str, Delivery]:
    """A member's choice for every category, defaults filled in."""
    chosen = dict(
        NotificationPreference.objects.filter(user_id=user_id).values_list("category", "delivery")
    )
    return {
        name: Delivery(chosen.get(name, category.default)) for name, category in CATEGORIES.items()
    }


# One-click unsubscribe (RFC 8058): a signed, expiring token naming the member and the category.
# The digest's token turns off the digest itself (every category delivered by digest).
DIGEST = "digest"
_UNSUBSCRIBE_SALT = "accounts.unsubscribe"


def unsubscribe_token(user_id: int, category: str) -> str:
    return signing.dumps([user_id, category], salt=_UNSUBSCRIBE_SALT, compress=False)


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    """(member's pk, category) from a token that is ours and not expired, else None."""
    try:
        user_id, category = signing.loads(
            token, salt=_UNSUBSCRIBE_SALT, max_age=timedelta(days=settings.UNSUBSCRIBE_LINK_DAYS)
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or (category not in CATEGORIES and category != DIGEST):
        return None
    return user_id, category


def unsubscribe_because(category: str) -> str:
    """The footer's reason: 'You get this email because ...'."""
    if category == DIGEST:
        return "you chose a daily digest for some of your notifications"
    return CATEGORIES[category].because


def unsubscribe_what(category: str) -> str:
    """What the unsubscribe link stops, for the footer and the confirmation page."""
    if category == DIGEST:
        return "the daily digest"
    return f"emails about {CATEGORIES[category].label[0].lower()}{CATEGORIES[category].label[1:]}"
