from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Case, F, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from forum.markup import render_markdown
from forum.models import Section
from forum.pagecache import anonymous_page_cache
from forum.paging import countless_page

from . import services, stats
from .charts import supporters_chart
from .exports import supporters_csv
from .forms import (
    CampaignForm,
    CloseForm,
    OrganiserForm,
    ReopenForm,
    SupportChoicesForm,
    SupportForm,
    UpdateForm,
)
from .models import Campaign, Organiser, Support

CAMPAIGNS_PER_PAGE = 20
UPDATES_ON_PAGE = 10
SUPPORTERS_ON_PAGE = 12
EXPORTS_ON_DASHBOARD = 20

SHOWS = {"open": "Open", "won": "Won", "lost": "Lost"}
SORTS = {
    "support": ("Most support", ("-support_count", "-published_at", "-pk")),
    "new": ("Newest", ("-published_at", "-pk")),
    # Upcoming deadlines first, soonest first; then the rest (no deadline, or one passed).
    "closing": ("Closing soon", ("past_or_none", "upcoming_deadline", "-support_count", "-pk")),
}


def _campaign_for(request: HttpRequest, slug: str) -> Campaign:
    """A campaign the user may see: 404 for someone else's draft."""
    campaigns = Campaign.objects.visible_to(request.user).select_related("section", "discussion")
    return get_object_or_404(campaigns, slug=slug)


def _organised(request: HttpRequest, slug: str) -> Campaign:
    """A campaign the user organises: 404 if they can't see it, 403 if they can but don't."""
    campaign = _campaign_for(request, slug)
    if not campaign.is_organiser(request.user):
        raise PermissionDenied("Only this campaign's organisers can do that.")
    return campaign


# Lists -------------------------------------------------------------------------------------------


@anonymous_page_cache
def campaign_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "")
    show = show if show in SHOWS else "open"
    sort = request.GET.get("sort", "")
    sort = sort if sort in SORTS else "support"
    sections = list(Section.objects.all())
    section = next((s for s in sections if s.slug == request.GET.get("section")), None)
    if show == "open":
        today = timezone.localdate()
        campaigns = (
            Campaign.objects.listed()
            .open()
            .annotate(
                past_or_none=Case(When(deadline__gte=today, then=0), default=1),
                upcoming_deadline=Case(When(deadline__gte=today, then=F("deadline"))),
            )
        )
        campaigns = campaigns.order_by(*SORTS[sort][1])
    else:
        campaigns = Campaign.objects.listed().filter(status="closed", outcome=show)
        campaigns = campaigns.order_by("-closed_at", "-pk")
    if section is not None:
        campaigns = campaigns.filter(section=section)
    page = countless_page(campaigns.for_listing(), request.GET.get("page"), CAMPAIGNS_PER_PAGE)
    context = {
        "page": page,
        "campaigns": page.object_list,
        "sections": sections,
        "section": section,
        "show": show,
        "shows": SHOWS,
        "sort": sort,
        "sorts": {key: label for key, (label, _) in SORTS.items()},
        # Pagination links keep the tab, order and section.
        "query": urlencode({"show": show, "sort": sort, "section": section.slug if section else ""})
        + "&",
    }
    return render(request, "campaigns/list.html", context)


@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The campaigns I organise (drafts included) and the ones I support."""
    organised = (
        Campaign.objects.filter(organisers__user=request.user).for_listing().order_by("-created_at")
    )
    supports = (
        Support.objects.filter(user=request.user)
        .select_related("campaign", "campaign__section")
        .order_by("-created_at")
    )
    return render(request, "campaigns/mine.html", {"organised": organised, "supports": supports})


# The campaign page -------------------------------------------------------------------------------


@anonymous_page_cache
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign_for(request, slug)
    organisers = campaign.load_organisers()
    supporters = (
        campaign.supports.named_for(request.user)
        .select_related("user")
        .order_by("-created_at", "-pk")[:SUPPORTERS_ON_PAGE]
    )
    user = request.user
    can = campaign.permissions_for(user)
    # Removed or hidden: what it says (updates and earlier wordings too) is not even fetched.
    recent = campaign.updates.select_related("author")[: UPDATES_ON_PAGE + 1]
    updates = list(recent) if can.see_content else []
    changes = list(campaign.changes.all()) if can.see_content else []
    my_support = None
    if user.is_authenticated:
        my_support = Support.objects.filter(campaign=campaign, user=user).first()
    context = {
        "campaign": campaign,
        "organisers": organisers,
        "is_organiser": can.is_organiser,
        "can": can,
        "supporters": list(supporters),
        "updates": updates[:UPDATES_ON_PAGE],
        "more_updates": len(updates) > UPDATES_ON_PAGE,
        "changes": changes,
        "my_support": my_support,
        "support_form": SupportForm() if my_support is None else None,
        "reopen_form": ReopenForm() if can.reopen else None,
        "page_url": request.build_absolute_uri(campaign.get_absolute_url()),
        "image_url": (
            request.build_absolute_uri(campaign.image.url)
            if campaign.image and campaign.is_visible
            else ""
        ),
    }
    return render(request, "campaigns/detail.html", context)


def campaign_updates(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign_for(request, slug)
    if not campaign.content_visible_to(request.user):
        raise Http404("A moderator took this campaign down.")
    updates = campaign.updates.select_related("author")
    page = Paginator(updates, UPDATES_ON_PAGE).get_page(request.GET.get("page"))
    return render(request, "campaigns/updates.html", {"campaign": campaign, "page": page})


# Writing and editing -----------------------------------------------------------------------------


def _previewing(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("action") == "preview"


def _campaign_form(
    request: AuthenticatedHttpRequest,
    *,
    campaign: Campaign | None = None,
    initial: dict[str, Any] | None = None,
) -> CampaignForm:
    """The campaign form, bound on POST, with the member's limits applied before any work: an
    image over the limit is never opened, a preview over the limit is not rendered."""
    # The edit form takes its initial values from the campaign.
    known: dict[str, Any] = {"campaign": campaign, "user": request.user} | (
        {"initial": initial} if initial else {}
    )
    if request.method != "POST":
        return CampaignForm(**known)
    # None once the image is refused: the form is then bound without it, so it is never opened.
    files: MultiValueDict[str, UploadedFile] | None = request.FILES
    refusals: dict[str | None, str] = {}
    if request.FILES.get("image"):
        try:
            services.ensure_can_check_image(request.user)
        except services.ActionRefused as refusal:
            files, refusals["image"] = None, str(refusal)
    if _previewing(request):
        try:
            services.ensure_can_preview(request.user)
        except services.ActionRefused as refusal:
            refusals[None] = str(refusal)
    form = CampaignForm(request.POST, files or None, **known)
    if refusals:
        form.full_clean()
        for field, message in refusals.items():
            form.add_error(field, message)
    return form


def _form_page(
    request: HttpRequest, form: CampaignForm, *, campaign: Campaign | None
) -> HttpResponse:
    preview = None
    if request.method == "POST":
        if _previewing(request) and form.is_valid():
            preview = render_markdown(form.cleaned_data["body"])
        form.keep_image()
    context = {"form": form, "campaign": campaign, "preview": preview}
    return render(request, "campaigns/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    initial = {"section": Section.objects.filter(slug=request.GET.get("section", "")).first()}
    form = _campaign_form(request, initial=initial)
    if request.method == "POST" and not _previewing(request) and form.is_valid():
        try:
            campaign = services.campaign_create(
                actor=request.user, fields=_fields(form), image=form.cleaned_data["image"]
            )
        except services.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            form.forget_pending_image()
            messages.success(request, "Draft saved. Only you and your co-organisers can see it.")
            return redirect(campaign)
    return _form_page(request, form, campaign=None)


def _fields(form: CampaignForm) -> services.CampaignFields:
    data = form.cleaned_data
    names = ("title", "summary", "target", "ask", "body", "goal", "deadline", "section")
    return services.CampaignFields(
        **{name: data[name] for name in names}, image_alt=data.get("image_alt", "")
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    campaign = _organised(request, slug)
    if not campaign.can_edit(request.user):
        messages.error(request, "A closed campaign can't be edited; a moderator can reopen it.")
        return redirect(campaign)
    form = _campaign_form(request, campaign=campaign)
    if request.method == "POST" and not _previewing(request) and form.is_valid():
        try:
            services.campaign_update(
                campaign=campaign,
                actor=request.user,
                remove_image=form.cleaned_data.get("remove_image", False),
                change_note=form.cleaned_data.get("change_note", ""),
                fields=_fields(form),
                image=form.cleaned_data["image"],
            )
        except services.ChangeNoteRequired as refusal:
            form.add_error("change_note", str(refusal))
        except services.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            form.forget_pending_image()
            messages.success(request, "Your changes are saved.")
            return redirect(campaign)
    return _form_page(request, form, campaign=campaign)


def _act(
    request: AuthenticatedHttpRequest,
    campaign: Campaign,
    action: Callable[..., object],
    success: str,
    **kwargs: Any,
) -> HttpResponse:
    """Run a one-button service; its refusal becomes a message. Back to the campaign either way."""
    try:
        action(campaign=campaign, actor=request.user, **kwargs)
    except services.ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, success)
    return redirect(campaign)


@login_required
@require_POST
def campaign_publish(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    campaign = _organised(request, slug)
    return _act(request, campaign, services.campaign_publish, "The campaign is published.")


@login_required
@require_http_methods(["GET", "POST"])
def campaign_close(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    campaign = _organised(request, slug)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_close(
                campaign=campaign,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                story=form.cleaned_data["story"],
            )
        except services.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The campaign is closed; supporters have been told.")
            return redirect(campaign)
    return render(request, "campaigns/close.html", {"campaign": campaign, "form": form})


@login_required
@require_POST
def campaign_archive(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    campaign = _organised(request, slug)
    return _act(request, campaign, services.campaign_archive, "The campaign is archived.")


@login_required
@require_POST
def campaign_reopen(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The reopen form sits on the campaign page; a refusal comes back on a page of its own."""
    campaign = _campaign_for(request, slug)
    if not request.user.is_moderator:
        raise PermissionDenied("Only moderators can reopen a campaign.")
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.campaign_reopen(
                campaign=campaign, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except services.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The campaign is open again; the organisers have been told.")
            return redirect(campaign)
    return render(request, "campaigns/reopen.html", {"campaign": campaign, "form": form})


# Support -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def support(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Add my support, or change my choices when I already support the campaign."""
    campaign = _campaign_for(request, slug)
    existing = Support.objects.filter(campaign=campaign, user=request.user).first()
    form: SupportForm | SupportChoicesForm
    if existing is None:
        form = SupportForm(request.POST or None)
    else:
        form = SupportChoicesForm(request.POST or None, support=existing)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        choices = {
            "contact_ok": data["contact"],
            "name_visibility": data["name_visibility"],
            "contact_consent_version": data["contact_consent_version"],
        }
        try:
            if existing is None:
                services.support_add(
                    campaign=campaign,
                    actor=request.user,
                    support_consent_version=data["support_consent_version"],
                    **choices,
                )
            else:
                services.support_change(campaign=campaign, actor=request.user, **choices)
        except services.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            done = "Thank you: you support this campaign." if existing is None else "Saved."
            messages.success(request, done)
            return redirect(campaign)
    context = {
        "campaign": campaign,
        "form": form,
        "support": existing,
        "see_content": campaign.content_visible_to(request.user),
    }
    return render(request, "campaigns/support.html", context)


@login_required
@require_POST
def support_withdraw(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign_for(request, slug)
    try:
        services.support_withdraw(campaign=campaign, actor=request.user)
    except services.ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Your support is withdrawn and your record of it deleted.")
    return redirect(campaign)


# Organisers' tools -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def update_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    campaign = _organised(request, slug)
    form = UpdateForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "preview":
            preview = render_markdown(form.cleaned_data["body"])
        else:
            try:
                update = services.campaign_announce(
                    campaign=campaign,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except services.ActionRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, "Your update is posted and on its way to supporters.")
                return redirect(f"{campaign.get_absolute_url()}#update-{update.pk}")
    context = {"campaign": campaign, "form": form, "preview": preview}
    return render(request, "campaigns/update_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def organisers(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    campaign = _organised(request, slug)
    form = OrganiserForm(request.POST or None)
    if request.method == "POST":
        if not campaign.can_manage_organisers(request.user):
            raise PermissionDenied("Only the campaign's owner can add organisers.")
        if form.is_valid():
            username = form.cleaned_data["username"].strip().lstrip("@")
            user = User.objects.filter(username__iexact=username).first()
            try:
                if user is None:
                    raise services.ActionRefused(f"There is no member called {username}.")
                services.organiser_add(campaign=campaign, actor=request.user, member=user)
            except services.ActionRefused as refusal:
                form.add_error("username", str(refusal))
            else:
                messages.success(request, f"{user.name} is now an organiser.")
                return redirect("campaigns:organisers", slug=campaign.slug)
    organisers = campaign.load_organisers()
    context = {
        "campaign": campaign,
        "organisers": organisers,
        # The owner can't be removed; the rest by the owner, or themselves (stepping down).
        "removable": {
            o.pk
            for o in organisers
            if o.role != Organiser.Role.OWNER and campaign.can_remove_organiser(request.user, o)
        },
        "form": form,
        "can_manage": campaign.can_manage_organisers(request.user),
    }
    return render(request, "campaigns/organisers.html", context)


@login_required
@require_POST
def organiser_remove(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = _organised(request, slug)
    organiser = get_object_or_404(
        Organiser.objects.select_related("user"), pk=pk, campaign=campaign
    )
    if not campaign.can_remove_organiser(request.user, organiser):
        raise PermissionDenied("Only the campaign's owner can remove organisers.")
    try:
        services.organiser_remove(campaign=campaign, actor=request.user, organiser=organiser)
    except services.ActionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("campaigns:organisers", slug=campaign.slug)
    if organiser.user_id == request.user.pk:
        messages.success(request, "You are no longer an organiser of this campaign.")
        return redirect(campaign)
    messages.success(request, f"{organiser.user.name} is no longer an organiser.")
    return redirect("campaigns:organisers", slug=campaign.slug)


@login_required
def dashboard(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    campaign = _organised(request, slug)
    totals = stats.support_totals(campaign)
    start = timezone.localdate(campaign.published_at or campaign.created_at)
    end = timezone.localdate(campaign.closed_at) if campaign.closed_at else timezone.localdate()
    chart = supporters_chart(
        daily=stats.daily_supports(campaign), start=start, end=end, goal=campaign.goal
    )
    context = {
        "campaign": campaign,
        "totals": totals,
        "chart": chart,
        "breakdowns": stats.affiliation_breakdown(campaign, request.user, totals["total"]),
        "min_group": stats.MIN_GROUP,
        "exports": campaign.exports.select_related("by")[:EXPORTS_ON_DASHBOARD],
    }
    return render(request, "campaigns/dashboard.html", context)


@login_required
@require_POST
@reauthentication_required  # type: ignore[untyped-decorator]  # allauth ships no types
def export(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The supporters who agreed to be contacted, as CSV. POST: each export is recorded.

    Their names and email addresses: an organiser who hasn't given their password (or a
    two-factor code) in the last ACCOUNT_REAUTHENTICATION_TIMEOUT seconds is asked for it first,
    and allauth then answers this same POST with the file."""
    campaign = _organised(request, slug)
    try:
        supports, record = services.supporters_export(campaign=campaign, actor=request.user)
    except services.ActionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("campaigns:dashboard", slug=campaign.slug)
    response = HttpResponse(supporters_csv(supports), content_type="text/csv; charset=utf-8")
    filename = f"{campaign.slug}-supporters-{timezone.localtime(record.created_at):%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
