"""Only the log of moderators' readings is in the admin, and only for superusers: the people who
answer for the moderators. Conversations and messages are not: the admin would show them to every
moderator, where the site shows a message to a moderator only once it is reported."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ModeratorView


@admin.register(ModeratorView)
class ModeratorViewAdmin(admin.ModelAdmin[ModeratorView]):
    list_display = ["viewed_at", "moderator", "message_label"]
    list_select_related = ["moderator", "message__author"]
    date_hierarchy = "viewed_at"
    readonly_fields = ["moderator", "message", "viewed_at"]

    @admin.display(description="message")
    def message_label(self, obj: ModeratorView) -> str:
        return obj.message.moderation_label

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False
