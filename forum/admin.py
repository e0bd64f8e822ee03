"""The admin for moderators.

Rows change only through admin actions that call forum.moderation, so every change is logged with
its reason and the member concerned is told. Change pages are read-only views (a hand edit would
not be logged, and would leave body_html stale), nothing is added here, and content is never
hard-deleted: a comment row holds its replies' place in the tree.

Drafts are private to their authors (a campaign's to its organisers), here as on the site, and
for superusers too: the admin is for what members published. No list, change page, search,
autocomplete, report or action page shows a draft's title or text.

Another app's moderated content (campaigns) subclasses ModeratedContentAdmin and says which of its
rows are drafts; its own actions use reason_action().
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import model_ngettext
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from accounts.admin import UserAdmin
from accounts.models import User

from . import moderation
from .models import Comment, ContentState, ModerationAction, Post, Report, Section
from .services import ActionRefused

PUBLIC_NOTE = "The member is told the reason, and it appears in the public moderation log."
PRIVATE_NOTE = "The reason goes in the moderators' log; it is not public."
MEMBER_NOTE = "The member is told the reason. Suspensions and bans are not in the public log."


# Actions that ask for a reason ---------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={"required": "Give a reason: it is recorded, and the member is told."},
    )


def reason_action(
    *,
    name: str,
    description: str,
    apply: Callable[[User, Any, str], object],
    permission: str = "change",
    note: str = PUBLIC_NOTE,
    items: Callable[[models.QuerySet], list] = list,
):
    """An admin action that first shows a page asking for a reason, then calls `apply(moderator,
    item, reason)` once per item, each in its own transaction (the services are atomic), so one
    refusal doesn't undo the others. `items` turns the selected rows into what is acted on."""

    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: models.QuerySet):
        targets = items(queryset)
        if not targets:
            modeladmin.message_user(request, "Nothing to do for the selection.", messages.INFO)
            return None
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return _reason_page(modeladmin, request, queryset, targets, form, description, note)
        done = 0
        for target in targets:
            try:
                apply(request.user, target, form.cleaned_data["reason"])
            except ActionRefused as refusal:
                modeladmin.message_user(
                    request, f"Not done for {target}: {refusal}", messages.WARNING
                )
            else:
                done += 1
        if done:
            modeladmin.message_user(
                request,
                f"{description}: done for {done} "
                f"{model_ngettext(type(targets[0])._meta, done)}, recorded in the moderation log.",
                messages.SUCCESS,
            )
        return None  # back to the changelist, with the messages

    action.__name__ = name
    return admin.action(description=description, permissions=[permission])(action)


def _reason_page(modeladmin, request, queryset, targets, form, description, note):
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": description,
        "opts": opts,
        "media": modeladmin.media,
        "form": form,
        "note": note,
        "targets": [describe(target) for target in targets[:100]],
        "more": max(len(targets) - 100, 0),
        # The rows as selected (for reports, not their targets): the form posts them back.
        "selected": queryset.values_list("pk", flat=True),
        "action_name": request.POST["action"],
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(
        request,
        [
            f"admin/{opts.app_label}/{opts.model_name}/action_reason.html",
            f"admin/{opts.app_label}/action_reason.html",
            "admin/forum/action_reason.html",
        ],
        context,
    )


def is_draft(obj: models.Model) -> bool:
    """A draft (or a comment under one): only its author or organisers may read it."""
    if isinstance(obj, Comment):
        obj = obj.post
    if isinstance(obj, Post):
        return obj.status == Post.Status.DRAFT
    return bool(getattr(obj, "is_draft", False))  # other apps' kinds (campaigns)


DRAFT_SAYS = "[a draft: only its author can read it]"


def says(obj: models.Model) -> str:
    """What an item says, in short: moderators see it, the public log label leaves it out."""
    if is_draft(obj):
        return DRAFT_SAYS
    if isinstance(obj, Comment):
        return Truncator(obj.body).chars(80)
    return str(obj)  # a post's or campaign's title


def describe(obj: models.Model) -> str:
    label = getattr(obj, "moderation_label", None)
    return f"{label}: {says(obj)}" if label is not None else str(obj)


def _dismiss(moderator: User, target, reason: str) -> None:
    # reports_dismiss would log a "dismissed" entry even when there was nothing to dismiss.
    if target.state != ContentState.HIDDEN and not _open_reports(target).exists():
        raise ActionRefused("It has no open reports.")
    moderation.reports_dismiss(moderator=moderator, target=target, reason=reason)


remove_with_reason = reason_action(
    name="remove_with_reason",
    description="Remove with reason",
    apply=lambda m, t, r: moderation.content_remove(moderator=m, target=t, reason=r),
)
restore = reason_action(
    name="restore",
    description="Restore",
    apply=lambda m, t, r: moderation.content_restore(moderator=m, target=t, reason=r),
)
dismiss_reports = reason_action(
    name="dismiss_reports",
    description="Resolve reports (dismiss: no rule broken)",
    apply=_dismiss,
    note=PRIVATE_NOTE,
)
lock = reason_action(
    name="lock",
    description="Lock the discussion",
    apply=lambda m, p, r: moderation.post_set_locked(moderator=m, post=p, locked=True, reason=r),
)
unlock = reason_action(
    name="unlock",
    description="Unlock the discussion",
    apply=lambda m, p, r: moderation.post_set_locked(moderator=m, post=p, locked=False, reason=r),
)
promote = reason_action(
    name="promote",
    description="Promote to the front page",
    apply=lambda m, p, r: moderation.post_set_promoted(
        moderator=m, post=p, promoted=True, reason=r
    ),
)
unpromote = reason_action(
    name="unpromote",
    description="Take off the front page",
    apply=lambda m, p, r: moderation.post_set_promoted(
        moderator=m, post=p, promoted=False, reason=r
    ),
)


# Posts and comments --------------------------------------------------------------------------


def _open_reports(target: models.Model) -> models.QuerySet:
    return Report.objects.filter(
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        status=Report.Status.OPEN,
    )


def open_report_count(model: type[models.Model]) -> Coalesce:
    """Open reports on each row, as a subquery: a changelist column and filter without N+1."""
    reports = (
        Report.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id=OuterRef("pk"),
            status=Report.Status.OPEN,
        )
        .order_by()
        .values("object_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(reports), 0)


class ReportedFilter(admin.SimpleListFilter):
    title = "reports"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("yes", "Has open reports"), ("no", "No open reports")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(open_report_count__gt=0)
        if self.value() == "no":
            return queryset.filter(open_report_count=0)
        return queryset


class DeferringChangeList(ChangeList):
    """Leaves out the model admin's `changelist_defer` columns (long bodies) on list pages only."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        return queryset.defer(*self.model_admin.changelist_defer)


class ReadOnlyChangeForm:
    """The change page is a view; the change permission is what the actions require."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ModeratedContentAdmin(ReadOnlyChangeForm, admin.ModelAdmin):
    """For anything forum.moderation acts on (a model in moderation.REPORTABLE)."""

    actions = [remove_with_reason, restore, dismiss_reports]
    changelist_defer: tuple[str, ...] = ()
    moderation_readonly_fields = ["report_list", "moderation_history"]
    # The rows that are drafts. Every admin page, search, action and autocomplete starts from
    # get_queryset, so leaving them out there makes a draft's URL "doesn't exist" as well.
    drafts: Q | None = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.drafts is not None:
            queryset = queryset.exclude(self.drafts)
        return queryset.annotate(open_report_count=open_report_count(self.model))

    def get_changelist(self, request, **kwargs):
        return DeferringChangeList

    @admin.display(description="open reports", ordering="open_report_count")
    def reports(self, obj) -> int:
        return obj.open_report_count

    @admin.display(description="Open reports")
    def report_list(self, obj) -> str:
        reports = _open_reports(obj).select_related("reporter")
        return _html_list(
            "{} by @{}, {}: {}",
            (
                (r.get_reason_display(), r.reporter.username, _when(r.created_at), r.detail)
                for r in reports
            ),
        )

    @admin.display(description="Moderation history")
    def moderation_history(self, obj) -> str:
        actions = ModerationAction.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        ).select_related("moderator")
        return _html_list(
            "{}: {} by {}. Reason: {}",
            (
                (
                    _when(a.created_at),
                    a.get_action_display(),
                    f"@{a.moderator.username}" if a.moderator else "the site",
                    a.reason,
                )
                for a in actions
            ),
        )


def _html_list(line: str, rows: Iterable[tuple]) -> str:
    # format_html_join escapes every value: report details and reasons are typed by people.
    items = format_html_join("\n", f"<li>{line}</li>", rows)
    return format_html("<ul>{}</ul>", items) if items else "None"


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%d %b %Y %H:%M}"


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


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Post)
class PostAdmin(ModeratedContentAdmin):
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
class CommentAdmin(ModeratedContentAdmin):
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


def _reported_items(reports: models.QuerySet) -> list:
    """The distinct items behind the selected reports that are still open."""
    seen, items = set(), []
    for report in reports.filter(status=Report.Status.OPEN):
        key = (report.content_type_id, report.object_id)
        if key not in seen and report.target is not None:
            seen.add(key)
            items.append(report.target)
    return items


resolve_remove = reason_action(
    name="resolve_remove",
    description="Resolve: remove the reported items",
    apply=lambda m, t, r: moderation.content_remove(moderator=m, target=t, reason=r),
    items=_reported_items,
)
resolve_dismiss = reason_action(
    name="resolve_dismiss",
    description="Resolve: dismiss (no rule broken)",
    apply=lambda m, t, r: moderation.reports_dismiss(moderator=m, target=t, reason=r),
    items=_reported_items,
    note=PRIVATE_NOTE,
)


class ReportKindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind, kind) for kind in moderation.REPORTABLE]

    def queryset(self, request, queryset):
        model = moderation.REPORTABLE.get(self.value() or "")
        if model is None:
            return queryset
        return queryset.filter(content_type=ContentType.objects.get_for_model(model))


class ReportStatusFilter(admin.SimpleListFilter):
    """Open reports unless asked otherwise: the admin's report list is the moderators' queue."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Resolved"), ("all", "All")]

    def choices(self, changelist):
        current = self.value() or "open"
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "open"
        if value == "all":
            return queryset
        return queryset.filter(status=value if value in Report.Status.values else "open")


@admin.register(Report)
class ReportAdmin(ReadOnlyChangeForm, admin.ModelAdmin):
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

    def get_ordering(self, request):
        # The queue: grouped by item, the item reported longest ago first, each group oldest first.
        return ["item_first_reported", "content_type_id", "object_id", "created_at", "pk"]

    def get_queryset(self, request):
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
        # Not super(): ModelAdmin orders before we can annotate what we order by.
        return (
            Report.objects.annotate(item_first_reported=Subquery(first_of_item))
            .order_by(*self.get_ordering(request))
            .prefetch_related(
                GenericPrefetch(
                    "target",
                    [
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
                    ],
                )
            )
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
class ModerationActionAdmin(admin.ModelAdmin):
    """The log: nobody edits or deletes it, not even a superuser."""

    list_display = [
        "created_at",
        "action",
        "target_link",
        "target_user",
        "moderator",
        "reason",
        "is_public",
    ]
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
    fields = [
        "created_at",
        "action",
        "target_link",
        "target_user",
        "moderator",
        "reason",
        "is_public",
    ]

    @admin.display(description="target")
    def target_link(self, obj: ModerationAction) -> str:
        return _admin_link(obj.content_type, obj.object_id, obj.target_label)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Members -------------------------------------------------------------------------------------

# The suspend/ban actions call forum.moderation, so they are added here rather than in
# accounts.admin (accounts does not import forum).


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
