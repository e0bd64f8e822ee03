"""What a member's data export holds: the sections each app registers.

`register_export_section(name, build, description=...)` adds a section: `build(user)` returns
what the site holds about that member, JSON-serialisable (datetimes as ISO strings: `iso`), and
`description` is its line in the archive's README. accounts registers its own sections here
(register_account_sections); forum, campaigns and conversations register theirs from their
AppConfig.ready(), so accounts never imports them. accounts.exports writes the archive.

What goes in: the member's own data as they gave it (bodies in Markdown, as typed), and of other
members only what the member could already see (a username in a conversation they are part of);
never another member's email address, nor who reported them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .models import User

# Rows read from the database at a time while building a section.
CHUNK = 500

Build = Callable[[User], Any]


@dataclass(frozen=True)
class ExportSection:
    name: str
    build: Build
    description: str
    position: int


SECTIONS: dict[str, ExportSection] = {}


def register_export_section(
    name: str, build: Build, *, description: str = "", position: int = 100
) -> None:
    """Add `name` to every export: `build(user)`'s JSON-serialisable result, and `description`
    in the README. Lower positions come first."""
    SECTIONS[name] = ExportSection(
        name=name, build=build, description=description, position=position
    )


def export_sections() -> list[ExportSection]:
    return sorted(SECTIONS.values(), key=lambda s: (s.position, s.name))


def iso(value: datetime | date | None) -> str | None:
    """A datetime (or date) as ISO 8601, None as None."""
    return value.isoformat() if value is not None else None


# accounts' own sections -------------------------------------------------------------------------


def _profile(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "bio": user.bio,
        "email": user.email,
        "date_joined": iso(user.date_joined),
        "last_login": iso(user.last_login),
        "privacy_accepted_at": iso(user.privacy_accepted_at),
        "is_active": user.is_active,
        "suspended_until": iso(user.suspended_until),
        "suspension_reason": user.suspension_reason,
    }


def _affiliations(user: User) -> list[dict[str, Any]]:
    return [
        {
            "kind": affiliation.kind,
            "kind_label": affiliation.get_kind_display(),
            "name": affiliation.name,
            "visibility": affiliation.visibility,
            "visibility_label": affiliation.get_visibility_display(),
            "consented_at": iso(affiliation.consented_at),
        }
        for affiliation in user.affiliations.order_by("kind")
    ]


def _email_addresses(user: User) -> list[dict[str, Any]]:
    from allauth.account.models import EmailAddress

    return [
        {"email": address.email, "verified": address.verified, "primary": address.primary}
        for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    ]


def _notifications(user: User) -> list[dict[str, Any]]:
    rows = user.notifications.order_by("created_at", "pk").values(
        "kind",
        "category",
        "message",
        "url",
        "excerpt",
        "title",
        "email",
        "created_at",
        "emailed_at",
        "read_at",
    )
    return [
        {
            **row,
            "created_at": iso(row["created_at"]),
            "emailed_at": iso(row["emailed_at"]),
            "read_at": iso(row["read_at"]),
        }
        for row in rows.iterator(chunk_size=CHUNK)
    ]


def _notification_preferences(user: User) -> dict[str, Any]:
    from .preferences import CATEGORIES, preferences_of

    return {
        name: {"label": CATEGORIES[name].label, "delivery": str(delivery)}
        for name, delivery in preferences_of(user.pk).items()
    }


def _blocks(user: User) -> list[dict[str, Any]]:
    return [
        {"username": username, "created_at": iso(created_at)}
        for username, created_at in user.blocks_made.order_by("created_at").values_list(
            "blocked__username", "created_at"
        )
    ]


def register_account_sections() -> None:
    register_export_section(
        "profile",
        _profile,
        description="Your account and profile: username, display name, bio, email address, "
        "when you joined and accepted the privacy notice, any suspension.",
        position=0,
    )
    register_export_section(
        "email_addresses",
        _email_addresses,
        description="The email addresses you log in with, whether each is verified and which "
        "is primary.",
        position=1,
    )
    register_export_section(
        "affiliations",
        _affiliations,
        description="The party branch or trade union you chose to share, who may see it, and "
        "when you consented.",
        position=2,
    )
    register_export_section(
        "notifications",
        _notifications,
        description="Your notifications (those not yet deleted by the retention period), "
        "read or not, and whether each was emailed.",
        position=80,
    )
    register_export_section(
        "notification_preferences",
        _notification_preferences,
        description="How you chose to hear about each kind of notification.",
        position=81,
    )
    register_export_section(
        "blocks", _blocks, description="The members you block, and since when.", position=82
    )
