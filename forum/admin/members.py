"""Members in the admin: accounts' UserAdmin with the moderators' suspend and ban actions.

The actions call forum.moderation, so they are added here rather than in accounts.admin (accounts
does not import forum).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from accounts.admin import UserAdmin
from accounts.models import User

from .. import moderation
from .toolkit import MEMBER_NOTE, AdminAction, reason_action


def _member_action(name: str, description: str, service: Callable[..., object]) -> AdminAction:
    """A reason_action on members that calls `service(actor=, member=, reason=)`."""
    return reason_action(
        name=name,
        description=description,
        apply=lambda m, u, r: service(actor=m, member=u, reason=r),
        permission="moderate_member",
        note=MEMBER_NOTE,
    )


def _suspend_for_a_week(*, actor: User, member: User, reason: str) -> None:
    until = timezone.now() + timedelta(days=7)
    moderation.member_suspend(actor=actor, member=member, until=until, reason=reason)


suspend_for_7_days = _member_action(
    "suspend_for_7_days", "Suspend for 7 days (with reason)", _suspend_for_a_week
)
lift_suspension = _member_action("lift_suspension", "Lift suspension", moderation.member_unsuspend)
ban = _member_action("ban", "Ban (no log-in)", moderation.member_ban)
lift_ban = _member_action("lift_ban", "Lift ban", moderation.member_unban)

admin.site.unregister(User)


@admin.register(User)
class MemberAdmin(UserAdmin):
    actions = [*UserAdmin.actions, suspend_for_7_days, lift_suspension, ban, lift_ban]
