from collections.abc import Callable
from datetime import date

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .data_export import export_sections
from .exports import DataExportRefused, data_export_request
from .forms import AccountDeleteForm, NotificationSettingsForm, ProfileForm
from .http import AuthenticatedHttpRequest, reauthenticated
from .models import Block, DataExport, Delivery, User
from .preferences import (
    CATEGORIES,
    DIGEST,
    preferences_of,
    unsubscribe_read,
    unsubscribe_what,
)
from .profile_sections import profile_sections
from .services import (
    AccountDeletionRefused,
    BlockRefused,
    ProfileRefused,
    account_delete,
    block_create,
    block_remove,
    notifications_mark_read,
    preferences_update,
    profile_update,
)


def profile(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username, is_active=True)
    affiliations = member.affiliations.visible_to(request.user).filter(user=member)
    blocked = (
        request.user.is_authenticated
        and Block.objects.filter(blocker_id=request.user.pk, blocked=member).exists()
    )
    return render(
        request,
        "accounts/profile.html",
        {
            "member": member,
            "affiliations": affiliations,
            "is_own": request.user == member,
            "blocked": blocked,
            # Posts, comments, campaigns organised: parts other apps register (profile_sections).
            "sections": profile_sections(request, member),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Always the logged-in member's own profile: there is no URL or field naming another member.
    user = request.user
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_for(user))
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(
                actor=user,
                display_name=form.cleaned_data["display_name"],
                bio=form.cleaned_data["bio"],
                affiliations=form.affiliations(),
            )
        except ProfileRefused as refused:
            # Suspended: the page comes back with what they typed and what still works.
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Your profile is saved.")
            return redirect(user.get_absolute_url())
    return render(request, "accounts/profile_edit.html", {"form": form})


_AccountView = Callable[[AuthenticatedHttpRequest], HttpResponse]
# The page explains; deleting needs a recent log-in: allauth asks for the password again (its
# middleware catches ReauthenticationRequired) and then replays the POST. (allauth is untyped.)
_recently_authenticated: Callable[[_AccountView], _AccountView] = reauthentication_required(
    allow_get=True
)


@login_required
@require_http_methods(["GET", "POST"])
@_recently_authenticated
def account_delete_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(
                user=request.user,
                actor=request.user,
                erase_content=form.cleaned_data["erase_content"],
            )
        except AccountDeletionRefused as refused:
            form.add_error(None, str(refused))
        else:
            logout(request)
            messages.success(request, "Your account has been deleted.")
            return redirect("forum:home")
    return render(request, "accounts/account_delete.html", {"form": form})


# The date of this version of the privacy notice (templates/accounts/privacy.html): change it
# whenever the notice says something new.
PRIVACY_NOTICE_UPDATED = date(2026, 12, 3)


def privacy(request: HttpRequest) -> HttpResponse:
    # Every number the notice promises comes from the settings that govern it.
    return render(
        request,
        "accounts/privacy.html",
        {
            "operator_name": settings.SITE_OPERATOR_NAME,
            "operator_contact": settings.SITE_OPERATOR_CONTACT,
            "operator_contact_is_email": "@" in settings.SITE_OPERATOR_CONTACT
            and " " not in settings.SITE_OPERATOR_CONTACT.strip(),
            "dpo_contact": settings.SITE_OPERATOR_DPO_CONTACT,
            "retention": {
                "emails_days": settings.EMAIL_RETENTION_DAYS,
                "task_results_days": settings.TASK_RESULT_RETENTION_DAYS,
                "failed_tasks_days": settings.TASK_FAILED_RETENTION_DAYS,
                "supporters_months": settings.RETENTION_SUPPORTERS_MONTHS,
                "unverified_days": settings.RETENTION_UNVERIFIED_DAYS,
                "notifications_months": settings.RETENTION_NOTIFICATIONS_MONTHS,
                "export_hours": settings.EXPORT_RETENTION_HOURS,
                "session_days": settings.SESSION_COOKIE_AGE // 86_400,
            },
            "logs_client_ip": settings.LOG_CLIENT_IP,
            "error_reports": bool(settings.SENTRY_DSN),
            "reports_to_hide": settings.FORUM_REPORTS_TO_HIDE,
            "updated": PRIVACY_NOTICE_UPDATED,
        },
    )


@login_required
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(request.user.notifications.all(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    notifications_mark_read(actor=request.user)
    return redirect("accounts:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = NotificationSettingsForm(request.POST or None, current=preferences_of(request.user.pk))
    if request.method == "POST" and form.is_valid():
        preferences_update(actor=request.user, choices=form.choices())
        messages.success(request, "Your notification settings are saved.")
        return redirect("accounts:notification-settings")
    blocks = Block.objects.filter(blocker=request.user).select_related("blocked")
    return render(request, "accounts/notification_settings.html", {"form": form, "blocks": blocks})


# A mail client's one-click POST (RFC 8058) carries no session and no CSRF token: the signed
# token in the URL is the authority, and all it can do is stop emails.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe_read(token)
    if found is None:
        return render(request, "accounts/unsubscribe.html", {"invalid": True}, status=400)
    member = get_object_or_404(User, pk=found[0], is_active=True)
    category = found[1]
    what = unsubscribe_what(category)
    if request.method == "GET":
        # Link scanners open every link in an email: a GET only asks.
        return render(request, "accounts/unsubscribe.html", {"what": what, "done": False})
    if category == DIGEST:
        choices = {
            name: Delivery.SITE
            for name, delivery in preferences_of(member.pk).items()
            if delivery == Delivery.DIGEST
        }
    else:
        choices = {category: Delivery.SITE}
    preferences_update(actor=member, choices=choices)
    labels = [CATEGORIES[name].label for name in choices]
    return render(
        request,
        "accounts/unsubscribe.html",
        {"what": what, "done": True, "labels": labels, "member": member},
    )


@login_required
@require_POST
def block(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username, is_active=True)
    try:
        block_create(actor=request.user, member=member)
    except BlockRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            f"You have blocked @{member.username}: you won't get messages from them, nor be "
            "notified of anything they write. They aren't told.",
        )
    return redirect(member.get_absolute_url())


@login_required
@require_POST
def unblock(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username)
    if block_remove(actor=request.user, member=member):
        messages.success(request, f"You no longer block @{member.username}.")
    next_url = request.POST.get("next", "")
    if next_url == "settings":
        return redirect("accounts:notification-settings")
    return redirect(member.get_absolute_url())


# A member's copy of their data (accounts.exports) ----------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
# Asking for the copy needs the password again when the log-in is older than
# ACCOUNT_REAUTHENTICATION_TIMEOUT (allauth replays the POST once it is given).
@reauthenticated(allow_get=True)
def data_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            data_export_request(actor=request.user)
        except DataExportRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                "We are preparing a copy of your data. We will tell you when it is ready to "
                "download.",
            )
        return redirect("accounts:data-export")
    latest = request.user.data_exports.order_by("-created_at", "-pk").first()
    return render(
        request,
        "accounts/data_export.html",
        {
            "latest": latest,
            "sections": export_sections(),
            "retention_hours": settings.EXPORT_RETENTION_HOURS,
        },
    )


@login_required
@require_http_methods(["GET"])
@reauthenticated()
def data_export_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    # Its owner's alone: anyone else (staff too) is told there is no such thing.
    export = get_object_or_404(
        DataExport,
        pk=pk,
        user=request.user,
        status=DataExport.Status.READY,
        expires_at__gt=timezone.now(),
    )
    if not export.file:
        raise Http404
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    made = export.ready_at or export.created_at
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{settings.SITE_NAME}-data-{request.user.username}-{made:%Y-%m-%d}.zip".replace(
            " ", "-"
        ),
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response
