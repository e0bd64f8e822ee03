"""The reusable part of the moderators' admin: what forum.admin's own model admins and other apps'
(campaigns.admin) build on.

- reason_action(): an admin action that asks for a reason on a page of its own, then calls a
  forum.moderation service once per selected item. PUBLIC_NOTE, PRIVATE_NOTE and MEMBER_NOTE say,
  on that page, who reads the reason.
- ModeratedContentAdmin: for a model in moderation.REPORTABLE. Read-only change pages, the remove,
  restore and dismiss-reports actions (remove_with_reason, restore, dismiss_reports), a "reports"
  column, the open reports and moderation history on the change page
  (moderation_readonly_fields), drafts left out (`drafts`), long columns deferred on the list
  (`changelist_defer`).
- ReportedFilter: a list filter on that column (has open reports or not).
- ReadOnlyChangeForm: a mixin that makes change pages views, for admins that act only through
  actions.
- is_draft(), says(), describe(), DRAFT_SAYS: how an item is named on admin pages without showing
  a draft's text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import model_ngettext
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponseBase
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from accounts.models import User

from .. import moderation
from ..models import Comment, ContentState, Moderatable, ModerationAction, Post, Report
from ..services import ActionRefused

if TYPE_CHECKING:
    # What ReadOnlyChangeForm is mixed into, for the type checker: at run time it is a plain class.
    _ModelAdminMixin = admin.ModelAdmin[Any]
else:
    _ModelAdminMixin = object

_M = TypeVar("_M", bound=Moderatable)

# An admin action any model admin can list: it acts on whatever rows are selected (Any: the
# admins that list one are for different models, and ModelAdmin's model type is invariant).
AdminAction: TypeAlias = Callable[
    [admin.ModelAdmin[Any], HttpRequest, QuerySet[Any]], HttpResponseBase | None
]

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
    items: Callable[[QuerySet[Any]], Sequence[Any]] = list,
) -> AdminAction:
    """An admin action that first shows a page asking for a reason, then calls `apply(moderator,
    item, reason)` once per item, each in its own transaction (the services are atomic), so one
    refusal doesn't undo the others. `items` turns the selected rows into what is acted on.

    The items are Any: the selected rows of whichever admin lists the action (or what `items`
    makes of them), and `apply` says what it takes."""

    def action(
        modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
    ) -> TemplateResponse | None:
        targets = items(queryset)
        if not targets:
            modeladmin.message_user(request, "Nothing to do for the selection.", messages.INFO)
            return None
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return _reason_page(modeladmin, request, queryset, targets, form, description, note)
        moderator = request.user
        if not isinstance(moderator, User):  # never: the admin site lets in only logged-in staff
            return None
        done = 0
        for target in targets:
            try:
                apply(moderator, target, form.cleaned_data["reason"])
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


def _reason_page(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    targets: Sequence[models.Model],
    form: ReasonForm,
    description: str,
    note: str,
) -> TemplateResponse:
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


def _dismiss(moderator: User, target: Moderatable, reason: str) -> None:
    # reports_dismiss would log a "dismissed" entry even when there was nothing to dismiss.
    if target.state != ContentState.HIDDEN and not moderation.open_reports(target).exists():
        raise ActionRefused("It has no open reports.")
    moderation.reports_dismiss(actor=moderator, target=target, reason=reason)


remove_with_reason = reason_action(
    name="remove_with_reason",
    description="Remove with reason",
    apply=lambda m, t, r: moderation.content_remove(actor=m, target=t, reason=r),
)
restore = reason_action(
    name="restore",
    description="Restore",
    apply=lambda m, t, r: moderation.content_restore(actor=m, target=t, reason=r),
)
dismiss_reports = reason_action(
    name="dismiss_reports",
    description="Resolve reports (dismiss: no rule broken)",
    apply=_dismiss,
    note=PRIVATE_NOTE,
)


# Moderated content ---------------------------------------------------------------------------


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

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [("yes", "Has open reports"), ("no", "No open reports")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[_M]) -> QuerySet[_M]:
        if self.value() == "yes":
            return queryset.filter(open_report_count__gt=0)
        if self.value() == "no":
            return queryset.filter(open_report_count=0)
        return queryset


class DeferringChangeList(ChangeList):
    """Leaves out the model admin's `changelist_defer` columns (long bodies) on list pages only."""

    # Only an annotation: ModeratedContentAdmin.get_changelist is what uses this change list.
    model_admin: ModeratedContentAdmin[Any]

    def get_queryset(
        self, request: HttpRequest, exclude_parameters: list[str | None] | None = None
    ) -> QuerySet[Any]:
        queryset = super().get_queryset(request, exclude_parameters)
        return queryset.defer(*self.model_admin.changelist_defer)


class ReadOnlyChangeForm(_ModelAdminMixin):
    """The change page is a view; the change permission is what the actions require."""

    # `obj` is a row of whichever admin this is mixed into (Any, as in ModelAdmin[Any]).

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False


class _WithReportCount(Protocol):
    """A row of ModeratedContentAdmin.get_queryset, which annotates its open reports."""

    open_report_count: int


class ModeratedContentAdmin(ReadOnlyChangeForm, admin.ModelAdmin[_M]):
    """For anything forum.moderation acts on (a model in moderation.REPORTABLE)."""

    # Typed without ModelAdmin's type variables (Self, the model), so that a subclass can read
    # ModeratedContentAdmin.actions from the class to extend it.
    actions: Sequence[AdminAction | str] = [remove_with_reason, restore, dismiss_reports]
    changelist_defer: tuple[str, ...] = ()
    moderation_readonly_fields = ["report_list", "moderation_history"]
    # The rows that are drafts. Every admin page, search, action and autocomplete starts from
    # get_queryset, so leaving them out there makes a draft's URL "doesn't exist" as well.
    drafts: Q | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[_M]:
        queryset = super().get_queryset(request)
        if self.drafts is not None:
            queryset = queryset.exclude(self.drafts)
        # The same rows, annotated (django-stubs' plugin types annotate() on a type variable's
        # queryset as Any).
        annotated: QuerySet[_M] = queryset.annotate(open_report_count=open_report_count(self.model))
        return annotated

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return DeferringChangeList

    @admin.display(description="open reports", ordering="open_report_count")
    def reports(self, obj: _WithReportCount) -> int:
        return obj.open_report_count

    @admin.display(description="Open reports")
    def report_list(self, obj: _M) -> str:
        reports = moderation.open_reports(obj).select_related("reporter")
        return _html_list(
            "{} by @{}, {}: {}",
            (
                (r.get_reason_display(), r.reporter.username, _when(r.created_at), r.detail)
                for r in reports
            ),
        )

    @admin.display(description="Moderation history")
    def moderation_history(self, obj: _M) -> str:
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


def _html_list(line: str, rows: Iterable[tuple[object, ...]]) -> str:
    # format_html_join escapes every value: report details and reasons are typed by people.
    items = format_html_join("\n", f"<li>{line}</li>", rows)
    return format_html("<ul>{}</ul>", items) if items else "None"


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%d %b %Y %H:%M}"
