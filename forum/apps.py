from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

# What the Moderators group may do in the forum's admin. Every change to content goes through the
# admin actions, which call forum.moderation (logged, member told): "change" is what those actions
# require; the change forms themselves are read-only.
MODERATOR_PERMISSIONS = [
    "forum.view_post",
    "forum.change_post",
    "forum.view_comment",
    "forum.change_comment",
    "forum.view_section",
    "forum.view_report",
    "forum.change_report",
    "forum.view_moderationaction",
]


class ForumConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "forum"

    def ready(self) -> None:
        from accounts.permissions import register_moderator_permissions
        from accounts.profile_sections import register_profile_section

        from .activity import profile_activity

        register_moderator_permissions(self.label, MODERATOR_PERMISSIONS)
        # A member's page lists their posts and comments (accounts never imports forum).
        register_profile_section("activity", "Posts and comments", profile_activity, position=20)

    def build_demo(self, stdout: SupportsWrite[str]) -> None:
        from .demo import build_demo

        build_demo(stdout)
