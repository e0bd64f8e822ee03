from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from .models import Affiliation, OutboundEmail, User
from .services import AccountDeletionRefused, account_delete

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec


class AffiliationInline(admin.TabularInline[Affiliation, User]):
    model = Affiliation
    extra = 0
    readonly_fields = ["consented_at"]


class SuspendedFilter(admin.SimpleListFilter):
    title = "suspension"
    parameter_name = "suspended"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> Iterable[tuple[str, str]]:
        return [("yes", "Suspended now"), ("no", "Not suspended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(suspended_until__gt=now)
        if self.value() == "no":
            return queryset.exclude(suspended_until__gt=now)
        return queryset


class AccountDeleteAdminForm(forms.Form):
    erase_content = forms.BooleanField(
        required=False,
        label="Also erase the text of their posts, comments and messages",
        help_text="Only if the member asked for it. Without it their writing stays, under "
        "“[deleted member]”.",
    )


@admin.action(
    description="Delete selected accounts (keeps threads whole)", permissions=["delete_account"]
)
def delete_accounts(
    modeladmin: admin.ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]
) -> TemplateResponse | None:
    """Delete members' accounts on their request, through accounts.services.account_delete (the
    same as a member deleting their own): a page first says what happens and asks whether their
    text goes too. Each account is its own transaction, so one refusal doesn't undo the others."""
    actor = request.user
    if not isinstance(actor, User):  # never: the admin site lets in only logged-in staff
        return None
    members = list(queryset.filter(deleted_at__isnull=True).order_by("pk"))
    if not members:
        modeladmin.message_user(request, "Nothing to do for the selection.", messages.INFO)
        return None
    if "apply" not in request.POST:
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": "Delete selected accounts",
            "opts": modeladmin.model._meta,
            "form": AccountDeleteAdminForm(),
            "members": members,
            "action_name": request.POST["action"],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/user/delete_accounts.html", context)
    form = AccountDeleteAdminForm(request.POST)
    erase = form.is_valid() and form.cleaned_data["erase_content"]
    done = 0
    for member in members:
        try:
            account_delete(user=member, actor=actor, erase_content=erase)
        except AccountDeletionRefused as refused:
            modeladmin.message_user(request, f"Not done for {member}: {refused}", messages.WARNING)
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request, f"Deleted {done} account{'' if done == 1 else 's'}.", messages.SUCCESS
        )
    return None


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    """Members. Only superusers change accounts; moderators (view_user) see them read-only and act
    through the suspend/ban actions, which forum.admin adds (they call forum.moderation, and accounts
    doesn't import forum)."""

    list_display = [
        "username",
        "display_name",
        "email",
        "is_active",
        "suspended_until",
        "is_staff",
        "date_joined",
    ]
    list_filter = [
        "is_active",
        SuspendedFilter,
        "is_staff",
        "is_superuser",
        "groups",
        "date_joined",
    ]
    search_fields = ["username", "display_name", "email"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),  # Django's own: never None
        ("Profile", {"fields": ("display_name", "bio", "privacy_accepted_at")}),
        ("Moderation", {"fields": ("suspended_until", "suspension_reason")}),
    )
    # Suspensions change only through the logged actions, even for superusers.
    readonly_fields = [
        "privacy_accepted_at",
        "last_login",
        "date_joined",
        "suspended_until",
        "suspension_reason",
    ]
    inlines = [AffiliationInline]
    actions = [delete_accounts]

    # A staff member holding change_user is still refused: emails, passwords, groups and staff
    # flags are for superusers only. Without change permission Django shows the read-only view,
    # and refuses the change form's POST and the password page with 403.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Never a raw delete, even for superusers: it would tear the comment trees (authors are
        # PROTECTed) or, where nothing protects, leave no tombstone. The "Delete selected
        # accounts" action goes through account_delete instead.
        return False

    def has_delete_account_permission(self, request: HttpRequest) -> bool:
        """What the delete_accounts action requires: accounts.delete_user (superusers have it)."""
        user = request.user
        return isinstance(user, User) and user.is_staff and user.has_perm("accounts.delete_user")

    def has_moderate_member_permission(self, request: HttpRequest) -> bool:
        """What the suspend/ban admin actions require (@admin.action(permissions=[...]))."""
        return request.user.has_perm(f"{self.opts.app_label}.moderate_member")

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> _FieldsetSpec:
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        # The password hash widget links to a page they can't open; per-user permissions are noise.
        hidden = {"password", "user_permissions"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
            if any(f not in hidden for f in options["fields"])
        ]


class OutboundEmailStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> Iterable[tuple[str, str]]:
        return [("failed", "Failed (given up)"), ("waiting", "Waiting"), ("sent", "Sent")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[OutboundEmail]
    ) -> QuerySet[OutboundEmail]:
        if self.value() == "failed":
            return queryset.filter(failed_at__isnull=False)
        if self.value() == "waiting":
            return queryset.filter(sent_at__isnull=True, failed_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin[OutboundEmail]):
    """The email outbox, read-only: what the worker sent, is sending, or gave up on and why.
    Shown to superusers and staff given "Can view outbound email" (it says who supports which
    campaign, so moderators don't get it by default)."""

    list_display = ["key", "user", "subject", "status", "attempts", "created_at", "sent_at"]
    list_display += ["failed_at", "last_error"]
    list_filter = [OutboundEmailStatusFilter, "created_at"]
    search_fields = ["key", "user__username", "user__email", "last_error"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboundEmail | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboundEmail | None = None) -> bool:
        return False
