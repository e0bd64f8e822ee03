"""Pages for reporting and moderating. Moderators act here (and in the admin); the log is public."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User

from . import moderation
from .mod_forms import MemberModerationForm, ModerationForm, ReportForm
from .models import ContentState, Moderatable, ModerationAction, Post, Report
from .redirects import back
from .services import ActionRefused

# Related rows each kind of target needs for its label, so a page of them costs one query a kind.


def _target(request: HttpRequest, kind: str, pk: int) -> Moderatable:
    """The reported or moderated item, if this user may see it at all (404 otherwise)."""
    model = moderation.REPORTABLE.get(kind)
    if model is None:
        raise Http404
    target = get_object_or_404(moderation.targets_of(kind), pk=pk)
    post = target if isinstance(target, Post) else getattr(target, "post", None)
    if (
        isinstance(post, Post)
        and not Post.objects.visible_to(request.user).filter(pk=post.pk).exists()
    ):
        raise Http404
    if not target.is_visible_to(request.user):
        raise Http404
    return target


def _moderator_only(request: AuthenticatedHttpRequest) -> None:
    if not request.user.is_moderator:
        raise PermissionDenied("Only moderators can see this page.")


@login_required
@require_http_methods(["GET", "POST"])
def report(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    target = _target(request, kind, pk)
    if target.state not in (ContentState.VISIBLE, ContentState.HIDDEN):
        raise Http404  # deleted or removed: nothing left to report, and nothing to describe

    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.report_create(
                actor=request.user,
                target=target,
                reason=form.cleaned_data["reason"],
                detail=form.cleaned_data["detail"],
            )
        except ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Thank you. Moderators will review your report.")
            return redirect(target.get_absolute_url())
    return render(request, "forum/report.html", {"form": form, "target": target, "kind": kind})


def _attach_targets(reports: list[Report]) -> list[dict[str, Any]]:
    """Group open reports by item, oldest first; one query per kind of item."""
    kinds = {ct.pk: kind for kind, ct in _content_types().items()}
    wanted: dict[str, set[int]] = defaultdict(set)
    for r in reports:
        wanted[kinds[r.content_type_id]].add(r.object_id)
    targets: dict[tuple[str, int], Moderatable] = {}
    for kind, ids in wanted.items():
        for obj in moderation.targets_of(kind).filter(pk__in=ids):
            targets[(kind, obj.pk)] = obj
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    for r in reports:
        key = (kinds[r.content_type_id], r.object_id)
        if key not in targets:
            continue
        group = groups.setdefault(key, {"kind": key[0], "target": targets[key], "reports": []})
        group["reports"].append(r)
    return list(groups.values())


def _content_types() -> dict[str, ContentType]:
    return {
        kind: ContentType.objects.get_for_model(model)
        for kind, model in moderation.REPORTABLE.items()
    }


@login_required
def report_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    _moderator_only(request)
    reports = list(
        Report.objects.filter(status=Report.Status.OPEN)
        .select_related("reporter")
        .order_by("created_at", "pk")[:500]
    )
    return render(request, "forum/report_queue.html", {"groups": _attach_targets(reports)})


def _post(target: Moderatable) -> Post:
    """The post a post-only action acts on. ModerationForm offers and accepts those actions only
    for posts, so this refusal is for the type checker's sake: it can't be reached from the page."""
    if not isinstance(target, Post):
        raise ActionRefused("That action applies to posts only.")
    return target


# action -> act(moderator, target, reason, form)
MOD_ACTIONS: dict[str, Callable[[User, Moderatable, str, ModerationForm], object]] = {
    "remove": lambda m, t, r, f: moderation.content_remove(actor=m, target=t, reason=r),
    "restore": lambda m, t, r, f: moderation.content_restore(actor=m, target=t, reason=r),
    "dismiss": lambda m, t, r, f: moderation.reports_dismiss(actor=m, target=t, reason=r),
    "lock": lambda m, t, r, f: moderation.post_set_locked(
        actor=m, post=_post(t), locked=True, reason=r
    ),
    "unlock": lambda m, t, r, f: moderation.post_set_locked(
        actor=m, post=_post(t), locked=False, reason=r
    ),
    "promote": lambda m, t, r, f: moderation.post_set_promoted(
        actor=m, post=_post(t), promoted=True, reason=r
    ),
    "unpromote": lambda m, t, r, f: moderation.post_set_promoted(
        actor=m, post=_post(t), promoted=False, reason=r
    ),
    "move": lambda m, t, r, f: moderation.post_move(
        actor=m, post=_post(t), section=f.cleaned_data["section"], reason=r
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def moderate(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    target = _target(request, kind, pk)
    _moderator_only(request)
    # The form offers, and accepts, only the actions that apply to this kind of item.
    form = ModerationForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        try:
            MOD_ACTIONS[action](request.user, target, form.cleaned_data["reason"], form)
        except ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Done, and recorded in the moderation log.")
            return back(request, target.get_absolute_url())
    reports = list(
        moderation.open_reports(target).select_related("reporter").order_by("created_at")
    )
    return render(
        request,
        "forum/moderate.html",
        {
            "form": form,
            "target": target,
            "kind": kind,
            "reports": reports,
            "owner": User.objects.filter(pk=target.owner_id).first(),
        },
    )


# action -> act(moderator, member, reason, form)
MEMBER_ACTIONS: dict[str, Callable[[User, User, str, MemberModerationForm], User]] = {
    "suspend": lambda m, u, r, f: moderation.member_suspend(
        actor=m, member=u, until=f.until(), reason=r
    ),
    "unsuspend": lambda m, u, r, f: moderation.member_unsuspend(actor=m, member=u, reason=r),
    "ban": lambda m, u, r, f: moderation.member_ban(actor=m, member=u, reason=r),
    "unban": lambda m, u, r, f: moderation.member_unban(actor=m, member=u, reason=r),
}


@login_required
@require_http_methods(["GET", "POST"])
def moderate_member(request: AuthenticatedHttpRequest, username: str) -> HttpResponse:
    _moderator_only(request)
    member = get_object_or_404(User, username=username)
    form = MemberModerationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            MEMBER_ACTIONS[form.cleaned_data["action"]](
                request.user, member, form.cleaned_data["reason"], form
            )
        except ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Done. The member has been told why.")
            return redirect("forum:moderate-member", username=member.username)
    history = ModerationAction.objects.filter(target_user=member).select_related("moderator")[:50]
    return render(
        request, "forum/moderate_member.html", {"form": form, "member": member, "history": history}
    )


def moderation_log(request: HttpRequest) -> HttpResponse:
    actions = ModerationAction.objects.filter(is_public=True).select_related("moderator")
    page = Paginator(actions, 50).get_page(request.GET.get("page"))
    return render(request, "forum/moderation_log.html", {"page": page, "mine": False})


@login_required
def moderation_mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Actions taken on my content or my account, public or not."""
    actions = ModerationAction.objects.filter(target_user=request.user).select_related("moderator")
    page = Paginator(actions, 50).get_page(request.GET.get("page"))
    return render(request, "forum/moderation_log.html", {"page": page, "mine": True})
