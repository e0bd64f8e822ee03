from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


def create_cache_table(
    sender: AppConfig, using: str = "default", verbosity: int = 1, **kwargs: Any
) -> None:
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=max(verbosity - 1, 0))


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401 - registers the deploy check for the operator's name
            notifications,  # noqa: F401 - its tasks' resumer registers with email_resume
        )
        from .observability import connect_signals
        from .permissions import register_moderator_permissions, sync_after_migrate
        from .retention import register_account_rules

        # Unconfirmed accounts and old notifications go after the periods the privacy notice
        # states (`manage.py retention`).
        register_account_rules()
        # A member's copy of their data: accounts' sections (other apps add theirs), and the
        # prepared files deleted after EXPORT_RETENTION_HOURS (accounts.exports).
        from .data_export import register_account_sections
        from .exports import register_export_rules

        register_account_sections()
        register_export_rules()

        # Request ids end with their response; each enqueue is logged with the enqueuing request's
        # id; a worker's lines get the task's.
        connect_signals()

        # Moderators view members and suspend/ban them through the admin's actions; they never
        # change a member's account (email, password, groups).
        register_moderator_permissions(
            "accounts", ["accounts.view_user", "accounts.moderate_member"]
        )
        # One receiver, in accounts' turn: it sets the group to every app's registered list at once.
        post_migrate.connect(
            sync_after_migrate, sender=self, dispatch_uid="accounts.sync_moderator_permissions"
        )
        # The database cache (the default CACHES) needs its table: `migrate` makes it, so no
        # deployment step can be forgotten. A no-op for any other cache backend, or if it exists.
        post_migrate.connect(
            create_cache_table, sender=self, dispatch_uid="accounts.create_cache_table"
        )

    def build_demo(self, stdout: SupportsWrite[str]) -> None:
        from django.db import transaction

        from .demo import build_members

        with transaction.atomic():
            build_members()
