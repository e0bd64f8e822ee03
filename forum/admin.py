from django.contrib import admin
from mptt.admin import MPTTModelAdmin

from .models import Comment, Post, Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


class NoHardDeleteMixin:
    """Content is never hard-deleted from the admin: removing a comment row would tear its tree
    and its replies. Moderation (soft removal with a reason) comes with the moderation tools."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(NoHardDeleteMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "section",
        "author",
        "status",
        "state",
        "is_promoted",
        "is_locked",
        "comment_count",
        "recommendation_count",
        "published_at",
    ]
    list_filter = ["status", "state", "section", "is_promoted", "is_locked"]
    search_fields = ["title", "author__username"]
    list_select_related = ["section", "author"]
    readonly_fields = [
        "author",
        "body",
        "comment_count",
        "recommendation_count",
        "hot",
        "created_at",
        "published_at",
        "edited_at",
        "last_activity_at",
    ]
    fields = [
        "title",
        "section",
        "status",
        "state",
        "removed_reason",
        "is_promoted",
        "is_locked",
        *readonly_fields,
    ]
    date_hierarchy = "published_at"


@admin.register(Comment)
class CommentAdmin(NoHardDeleteMixin, MPTTModelAdmin):
    list_display = ["id", "post", "author", "state", "score", "created_at"]
    list_filter = ["state"]
    search_fields = ["body", "author__username"]
    list_select_related = ["post", "author"]
    # Tree fields are never edited by hand: a wrong lft/rght corrupts the whole tree.
    readonly_fields = [
        "post",
        "parent",
        "author",
        "body",
        "upvotes",
        "downvotes",
        "score",
        "created_at",
        "edited_at",
    ]
    fields = ["state", "removed_reason", *readonly_fields]
    mptt_level_indent = 12
