"""The forum's own models in the admin: sections, posts and comments (moderated content), the
report queue and the moderation log. The shared machinery is in forum.admin.toolkit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from .. import moderation
from ..models import Comment, Moderatable, ModerationAction, Post, Report, Section
from .toolkit import (
    DRAFT_SAYS,
    PRIVATE_NOTE,
    ModeratedContentAdmin,
    ReadOnlyChangeForm,
    ReportedFilter,
    is_draft,
    reason_action,
    says,
)

if TYPE_CHECKING:
    from django.contrib.admin.filters import _ListFilterChoices


def _admin_link(content_type: ContentType | None, object_id: int | None, label: str) -> str:
    if content_type is None or object_id is None:
        return label
    try:
        url = reverse(
            f"admin:{content_type.app_label}_{content_type.model}_change", args=[object_id]
        )
    except NoReverseMatch:
        return label
    return format_html('<a href="{}">{}</a>', url, label)


# Posts and comments --------------------------------------------------------------------------


lock = reason_action(
    name="lock",
    description="Lock the discussion",
    apply=lambda m, p, r: moderation.post_set_locked(actor=m, post=p, locked=True, reason=r),
)
unlock = reason_action(
    name="unlock",
    description="Unlock the discussion",
    apply=lambda m, p, r: moderation.post_set_locked(actor=m, post=p, locked=False, reason=r),
)
promote = reason_action(
    name="promote",
    description="Promote to the front page",
    apply=lambda m, p, r: moderation.post_set_promoted(actor=m, post=p, promoted=True, reason=r),
)
unpromote = reason_action(
    name="unpromote",
    description="Take off the front page",
    apply=lambda m, p, r: moderation.post_set_promoted(actor=m, post=p, promoted=False, reason=r),
)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin[Section]):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Post)
class PostAdmin(ModeratedContentAdmin[Post]):
    list_display = [
        "title",
        "section",
        "author",
        "state",
        "reports",
        "is_promoted",
        "is_locked",
        "comment_count",
        "published_at",
    ]
    list_filter = [
        "state",
        "section",
        ReportedFilter,
        "is_promoted",
        "is_locked",
        "published_at",
    ]
    search_fields = ["title", "body", "author__username"]
    list_select_related = ["section", "author"]
    changelist_defer = ("body", "body_html")
    drafts = Q(status=Post.Status.DRAFT)
    date_hierarchy = "published_at"
    actions = [*ModeratedContentAdmin.actions, lock, unlock, promote, unpromote]
    readonly_fields = ModeratedContentAdmin.moderation_readonly_fields
    fields = [
        "title",
        "author",
        "section",
        "status",
        "state",
        "removed_reason",
        "is_promoted",
        "is_locked",
        "body",
        "comment_count",
        "recommendation_count",
        "created_at",
        "published_at",
        "edited_at",
        "last_activity_at",
        *readonly_fields,
    ]


@admin.register(Comment)
class CommentAdmin(ModeratedContentAdmin[Comment]):
    # Newest first across all posts, not django-mptt's tree order: that is what moderators scan,
    # and the thread itself is one click away ("View on site").
    list_display = ["id", "excerpt", "post", "author", "state", "reports", "score", "created_at"]
    list_display_links = ["id", "excerpt"]
    list_filter = [
        "state",
        ("post__section", admin.RelatedFieldListFilter),
        ReportedFilter,
        "created_at",
    ]
    search_fields = ["body", "author__username", "post__title"]
    list_select_related = ["post", "author"]
    # Replies to a draft are refused, but none could show its title here if one existed.
    drafts = Q(post__status=Post.Status.DRAFT)
    # The joined post is shown by its title only.
    changelist_defer = ("body_html", "post__body", "post__body_html")
    ordering = ["-created_at", "-pk"]
    date_hierarchy = "created_at"
    readonly_fields = ModeratedContentAdmin.moderation_readonly_fields
    fields = [
        "post",
        "parent",
        "author",
        "state",
        "removed_reason",
        "body",
        "upvotes",
        "downvotes",
        "score",
        "created_at",
        "edited_at",
        *readonly_fields,
    ]

    @admin.display(description="comment")
    def excerpt(self, obj: Comment) -> str:
        return Truncator(obj.body).chars(80)


# Reports and the log -------------------------------------------------------------------------


def _reported_items(reports: QuerySet[Report]) -> list[Moderatable]:
    """The distinct items behind the selected reports that are still open."""
    seen: set[tuple[int, int]] = set()
    items: list[Moderatable] = []
    for report in reports.filter(status=Report.Status.OPEN):
        key = (report.content_type_id, report.object_id)
        if key not in seen and report.target is not None:
            seen.add(key)
            items.append(report.target)
    return items


resolve_remove = reason_action(
    name="resolve_remove",
    description="Resolve: remove the reported items",
    apply=lambda m, t, r: moderation.content_remove(actor=m, target=t, reason=r),
    items=_reported_items,
)
resolve_dismiss = reason_action(
    name="resolve_dismiss",
    description="Resolve: dismiss (no rule broken)",
    apply=lambda m, t, r: moderation.reports_dismiss(actor=m, target=t, reason=r),
    items=_reported_items,
    note=PRIVATE_NOTE,
)


class ReportKindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [(kind, kind) for kind in moderation.REPORTABLE]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Report]) -> QuerySet[Report]:
        model = moderation.REPORTABLE.get(self.value() or "")
        if model is None:
            return queryset
        return queryset.filter(content_type=ContentType.objects.get_for_model(model))


class ReportStatusFilter(admin.SimpleListFilter):
    """Open reports unless asked otherwise: the admin's report list is the moderators' queue."""

    title = "status"
    parameter_name = "status"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [("open", "Open"), ("resolved", "Resolved"), ("all", "All")]

    def choices(self, changelist: ChangeList) -> Iterator[_ListFilterChoices]:
        current = self.value() or "open"
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Report]) -> QuerySet[Report]:
        value = self.value() or "open"
        if value == "all":
            return queryset
        return queryset.filter(status=value if value in Report.Status.values else "open")


@admin.register(Report)
class ReportAdmin(ReadOnlyChangeForm, admin.ModelAdmin[Report]):
    list_display = [
        "created_at",
        "reported_item",
        "reason",
        "detail_excerpt",
        "reporter",
        "status",
        "outcome",
        "resolved_by",
    ]
    list_filter = [ReportStatusFilter, ReportKindFilter, "reason", "outcome", "created_at"]
    search_fields = ["detail", "reporter__username"]
    list_select_related = ["reporter", "resolved_by", "content_type"]
    date_hierarchy = "created_at"
    actions = [resolve_remove, resolve_dismiss]
    readonly_fields = ["reported_item"]
    fields = [
        "reported_item",
        "reporter",
        "reason",
        "detail",
        "status",
        "outcome",
        "resolved_by",
        "resolved_at",
        "created_at",
    ]

    def get_ordering(self, request: HttpRequest) -> list[str]:
        # The queue: grouped by item, the item reported longest ago first, each group oldest first.
        return ["item_first_reported", "content_type_id", "object_id", "created_at", "pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        # The reported items, one query per kind, with the rows their labels need.
        first_of_item = (
            Report.objects.filter(
                content_type=OuterRef("content_type"),
                object_id=OuterRef("object_id"),
                status=OuterRef("status"),
            )
            .order_by("created_at")
            .values("created_at")[:1]
        )
        targets: list[QuerySet[models.Model]] = [
            Post.objects.select_related("author").defer("body", "body_html"),
            Comment.objects.select_related("author", "post").defer(
                "body_html", "post__body", "post__body_html"
            ),
            # Other apps' reportable kinds (campaigns), with what their labels need.
            *(
                moderation.targets_of(kind)
                for kind, model in moderation.REPORTABLE.items()
                if model not in (Post, Comment)
            ),
        ]
        # Not super(): ModelAdmin orders before we can annotate what we order by.
        return (
            Report.objects.annotate(item_first_reported=Subquery(first_of_item))
            .order_by(*self.get_ordering(request))
            .prefetch_related(GenericPrefetch("target", targets))
        )

    @admin.display(description="reported item")
    def reported_item(self, obj: Report) -> str:
        if obj.target is None:
            return "(no longer exists)"
        label = obj.target.moderation_label
        if is_draft(obj.target):  # its change page would only say it doesn't exist
            return format_html("{}: {}", label, DRAFT_SAYS)
        link = _admin_link(obj.content_type, obj.object_id, label)
        return format_html("{}: {}", link, says(obj.target))

    @admin.display(description="detail")
    def detail_excerpt(self, obj: Report) -> str:
        return Truncator(obj.detail).chars(80)


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin[ModerationAction]):
    """The log: nobody edits or deletes it, not even a superuser."""

    # A tuple, the one object both list_display and fields can be typed as (lists are invariant).
    list_display = (
        "created_at",
        "action",
        "target_link",
        "target_user",
        "moderator",
        "reason",
        "is_public",
    )
    list_filter = [
        "action",
        "is_public",
        ("moderator", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    search_fields = ["target_label", "reason", "moderator__username", "target_user__username"]
    list_select_related = ["moderator", "target_user", "content_type"]
    date_hierarchy = "created_at"
    actions = None
    readonly_fields = ["target_link"]
    fields = list_display  # the change page shows an entry as the list does

    @admin.display(description="target")
    def target_link(self, obj: ModerationAction) -> str:
        return _admin_link(obj.content_type, obj.object_id, obj.target_label)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: ModerationAction | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: ModerationAction | None = None
    ) -> bool:
        return False
