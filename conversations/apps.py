from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


class ConversationsConfig(AppConfig):
    """Private messages between members. Depends on accounts (members, blocks, notifications) and
    forum (the sanitiser, the writing limits, moderation); nothing depends on it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "conversations"

    def ready(self) -> None:
        # A participant reports a message with the forum's tools (/report/message/<pk>/); only
        # then may moderators read it, on its own page, and each reading is logged.
        from forum.moderation import register_reportable

        from .models import Message

        register_reportable("message", Message, related=["author"])
        # Deleting an account: they leave their conversations; their messages stay for the
        # others, or are erased if they ask (accounts never imports conversations).
        from accounts.deletion import register_deletion_handler

        from .services import account_delete_conversations

        register_deletion_handler("conversations", account_delete_conversations, position=20)

        # A member's data export has the conversations they take part in (accounts.data_export).
        from .data_export import register_conversation_export_sections

        register_conversation_export_sections()

    def build_demo(self, stdout: SupportsWrite[str]) -> None:
        from .demo import build_demo

        build_demo(stdout)
