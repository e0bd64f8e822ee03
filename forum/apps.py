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


def repair_search_indexes(using: str = "default", **kwargs: object) -> None:
    """On SQLite, a later migration that rebuilds a table drops its FTS5 triggers: make them
    again, and index that table afresh (forum.search_schema)."""
    from django.db import connections

    from .search import indexed_tables
    from .search_schema import sqlite_ensure

    for spec in indexed_tables():
        sqlite_ensure(connections[using], spec, create=False)


def _watch_for_page_cache() -> None:
    """What anonymous pages show, so a write to it makes the cached pages stale (forum.pagecache).

    Recommendations and votes are deleted by services with a queryset's delete(), which bump
    themselves (a delete receiver would cost a query more there); the admin doesn't list them."""
    from accounts.models import Affiliation, User

    from . import pagecache
    from .models import Comment, CommentVote, ModerationAction, Post, Recommendation, Section

    pagecache.watch(Section, Post, Comment, ModerationAction, Affiliation)
    pagecache.watch(Recommendation, CommentVote, deletes=False)
    # Names and profiles show beside every post; signing in or reading notifications changes
    # nothing a visitor sees.
    pagecache.watch(User, ignore_fields={"last_login", "password", "unread_notifications"})
    # The Moderators group's members wear the "moderator" hat.
    pagecache.watch_m2m(User.groups.through)


class ForumConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "forum"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts.permissions import register_moderator_permissions
        from accounts.profile_sections import register_profile_section

        from .activity import profile_activity
        from .search import register_forum_sources

        register_moderator_permissions(self.label, MODERATOR_PERMISSIONS)
        _watch_for_page_cache()
        register_forum_sources()
        post_migrate.connect(repair_search_indexes, sender=self)
        # A member's page lists their posts and comments (accounts never imports forum).
        register_profile_section("activity", "Posts and comments", profile_activity, position=20)
        # Deleting an account: votes, recommendations and follows go; posts and comments stay
        # under "[deleted member]" or are erased (accounts never imports forum).
        from accounts.deletion import register_deletion_handler

        from .services import account_delete_forum

        register_deletion_handler("forum", account_delete_forum, position=30)

        # A member's data export has their posts, comments, votes and reports (accounts.data_export).
        from .data_export import register_forum_export_sections

        register_forum_export_sections()

    def build_demo(self, stdout: SupportsWrite[str]) -> None:
        from .demo import build_demo

        build_demo(stdout)
