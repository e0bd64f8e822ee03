from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from forum.admin.toolkit import ModeratedContentAdmin, ReportedFilter

from .models import Campaign, CampaignUpdate, Organiser, SupporterExport

_Row = TypeVar("_Row", bound=Model)


class OrganiserInline(admin.TabularInline[Organiser, Campaign]):
    model = Organiser
    fk_name = "campaign"
    extra = 0
    fields = ["user", "role", "added_at", "added_by"]
    readonly_fields = ["added_at", "added_by"]
    raw_id_fields = ["user"]


class ReadOnlyInline(admin.TabularInline[_Row, Campaign]):
    """Rows shown, never added or deleted here; a subclass makes its `fields` read-only."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        return False


class UpdateInline(ReadOnlyInline[CampaignUpdate]):
    model = CampaignUpdate
    # A tuple: the one object that can be typed as both fields and readonly_fields.
    fields = ("title", "author", "created_at")
    readonly_fields = fields
    show_change_link = False


class ExportInline(ReadOnlyInline[SupporterExport]):
    """Who took supporters' data, when: an audit trail, never edited."""

    model = SupporterExport
    fields = ("by", "created_at", "row_count")
    readonly_fields = fields


class StatusFilter(admin.SimpleListFilter):
    """The statuses this list can hold: drafts are never in it, so it offers no "Draft"."""

    title = "status"
    parameter_name = "status"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [
            (value, label)
            for value, label in Campaign.Status.choices
            if value != Campaign.Status.DRAFT
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> QuerySet[Campaign]:
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Campaign)
class CampaignAdmin(ModeratedContentAdmin[Campaign]):
    """Supporters are deliberately not browsable here: who supports what is special-category
    data, and organisers see only the counts and the contactable export."""

    list_display = [
        "title",
        "status",
        "outcome",
        "state",
        "section",
        "support_count",
        "goal",
        "reports",
        "published_at",
    ]
    # Moderators remove, restore and dismiss reports from the list (forum's moderation actions);
    # the change page is read-only for everyone, like posts'.
    list_filter = [StatusFilter, "outcome", "state", "section", ReportedFilter, "published_at"]
    changelist_defer = ("body", "body_html")
    # A draft is its organisers' alone: not listed, found, opened or acted on here.
    drafts = Q(status=Campaign.Status.DRAFT)
    search_fields = ["title", "slug"]
    list_select_related = ["section"]
    # The lifecycle and moderation state change only through the site (services and the
    # moderation tools), which tell supporters and log what moderators do.
    readonly_fields = [
        "status",
        "outcome",
        "closing_story",
        "state",
        "removed_reason",
        "slug",
        "support_count",
        "discussion",
        "created_by",
        "created_at",
        "published_at",
        "edited_at",
        "closed_at",
        *ModeratedContentAdmin.moderation_readonly_fields,
    ]
    fields = [
        "title",
        "summary",
        "target",
        "ask",
        "body",
        "image",
        "image_alt",
        "goal",
        "deadline",
        "section",
        *readonly_fields,
    ]
    inlines = [OrganiserInline, UpdateInline, ExportInline]
    date_hierarchy = "published_at"

    def has_delete_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        # A campaign keeps its row (and its supporters' choices) like posts do; moderators
        # remove one with a reason through the moderation tools.
        return False
