"""Members in the admin: accounts' UserAdmin with the moderators' suspend and ban actions.

The actions call forum.moderation, so they are added here rather than in accounts.admin (accounts
does not import forum).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from accounts.admin import UserAdmin
from accounts.models import User

from .. import moderation
from .toolkit import MEMBER_NOTE, reason_action


def _suspend_for_a_week(moderator: User, member: User, reason: str) -> None:
    until = timezone.now() + timedelta(days=7)
    moderation.member_suspend(moderator=moderator, member=member, until=until, reason=reason)


suspend_for_7_days = reason_action(
    name="suspend_for_7_days",
    description="Suspend for 7 days (with reason)",
    apply=_suspend_for_a_week,
    permission="moderate_member",
    note=MEMBER_NOTE,
)
lift_suspension = reason_action(
    name="lift_suspension",
    description="Lift suspension",
    apply=lambda m, u, r: moderation.member_unsuspend(moderator=m, member=u, reason=r),
    permission="moderate_member",
    note=MEMBER_NOTE,
)
ban = reason_action(
    name="ban",
    description="Ban (no log-in)",
    apply=lambda m, u, r: moderation.member_ban(moderator=m, member=u, reason=r),
    permission="moderate_member",
    note=MEMBER_NOTE,
)
lift_ban = reason_action(
    name="lift_ban",
    description="Lift ban",
    apply=lambda m, u, r: moderation.member_unban(moderator=m, member=u, reason=r),
    permission="moderate_member",
    note=MEMBER_NOTE,
)

admin.site.unregister(User)


@admin.register(User)
class MemberAdmin(UserAdmin):
    actions = [suspend_for_7_days, lift_suspension, ban, lift_ban]
