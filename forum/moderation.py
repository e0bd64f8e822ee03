"""Moderation: reports, moderator actions and the log. Every write here records a ModerationAction
and tells the member concerned (accounts.services.notification_send): one place for the side effects.

Targets are posts, comments, and anything another app registers with `register_reportable` (the
campaigns app registers campaigns). Every target is a `forum.models.Moderatable`: that abstract
model is the contract (state, removed reason, owner, label, placeholder, who may report and
moderate). A kind that must follow its own moderation (a campaign takes its discussion post down
with it) passes an `after_moderation` hook when it registers.

The public names for other apps: `register_reportable`, `require_reason`, `moderation_action_create`,
`open_reports`, and the actions below.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import notification_send, notifications_withdraw

from .models import Comment, ContentState, Moderatable, ModerationAction, Post, Report, Section
from .services import ActionRefused, ensure_can_participate

Action = ModerationAction.Action

# after_moderation(target, *, actor, reason): called once the target's `state` is the new one,
# with its row locked (actor None when reports hid it).
AfterModeration = Callable[..., None]

REPORTABLE: dict[str, type[Moderatable]] = {"post": Post, "comment": Comment}
# The related rows each kind's moderation_label needs, so lists of targets cost a query a kind.
REPORTABLE_RELATED: dict[str, tuple[str, ...]] = {
    "post": ("author",),
    "comment": ("author", "post"),
}
_AFTER_MODERATION: dict[str, AfterModeration] = {}

_Target = TypeVar("_Target", bound=Moderatable)


def targets_of(kind: str) -> models.QuerySet[Moderatable]:
    """The kind's queryset with the related rows its labels need (never a bare select_related(),
    which would follow every foreign key)."""
    # _default_manager: Django's name for a model's manager in code that takes any model (for each
    # kind it is `objects`); an abstract Moderatable has no `objects` for the type checker.
    queryset = REPORTABLE[kind]._default_manager.all()
    related = REPORTABLE_RELATED.get(kind, ())
    return queryset.select_related(*related) if related else queryset


def register_reportable(
    kind: str,
    model: type[Moderatable],
    *,
    related: tuple[str, ...] | list[str] = (),
    after_moderation: AfterModeration | None = None,
) -> None:
    """Make a kind of content reportable and moderatable: /report/<kind>/<pk>/,
    /moderation/<kind>/<pk>/, the queue, the admin and the log then handle it."""
    if not issubclass(model, Moderatable):
        raise TypeError(f"{model.__name__} must subclass forum.models.Moderatable")
    REPORTABLE[kind] = model
    REPORTABLE_RELATED[kind] = tuple(related)
    if after_moderation is not None:
        _AFTER_MODERATION[kind] = after_moderation


def kind_of(target: models.Model) -> str:
    for kind, model in REPORTABLE.items():
        if isinstance(target, model):
            return kind
    raise ValueError(f"{type(target).__name__} is not reportable")


def _require_moderator(user: User) -> None:
    if not (user.is_authenticated and user.is_moderator):
        raise ActionRefused("Only moderators can do that.")


def require_reason(reason: str) -> str:
    """The reason every moderator action needs, trimmed to what the log stores."""
    reason = reason.strip()
    if not reason:
        raise ActionRefused("Give a reason: it is shown in the moderation log and to the member.")
    return reason[:300]


def _lock(target: _Target) -> _Target:
    """Re-read the target under a row lock, in the lock order of forum.services (post first)."""
    if isinstance(target, Comment):
        Post.objects.select_for_update().get(pk=target.post_id)
    # _default_manager: see targets_of.
    return type(target)._default_manager.select_for_update().get(pk=target.pk)


def _target_url(target: Moderatable) -> str:
    return target.get_absolute_url()


def _after_moderation(target: Moderatable, *, actor: User | None, reason: str) -> None:
    """Let the target's app follow a change of moderation state, through the hook it registered;
    and take back the unread notifications about it once it no longer stands (hidden, removed)."""
    if not target.is_visible:
        notifications_withdraw(target=f"{target._meta.label_lower}:{target.pk}")
    hook = _AFTER_MODERATION.get(kind_of(target))
    if hook is not None:
        hook(target, actor=actor, reason=reason)


def moderation_action_create(
    *,
    actor: User | None,
    action: str,
    reason: str,
    target: Moderatable | None = None,
    target_user: User | None = None,
    public: bool = True,
    label: str = "",
) -> ModerationAction:
    """Record an action and tell the member it concerns (unless they did it themselves)."""
    entry = ModerationAction.objects.create(
        moderator=actor,
        action=action,
        content_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=target.pk if target is not None else None,
        target_label=(label or (target.moderation_label if target is not None else ""))[:200],
        target_user=target_user,
        reason=reason,
        is_public=public and (target is None or target.MODERATION_IS_PUBLIC),
    )
    if target_user is not None and target_user != actor:
        what = entry.target_label if target is not None else "your account"
        notification_send(
            recipients=[target_user],
            kind="moderation",
            message=f"Moderation: {what}: {entry.get_action_display().lower()}. Reason: {reason}",
            url=reverse("forum:moderation-mine"),
        )
    return entry


def _owner(target: Moderatable) -> User | None:
    return User.objects.filter(pk=target.owner_id).first()


def open_reports(target: models.Model) -> models.QuerySet[Report]:
    """The reports on an item that no moderator has dealt with yet."""
    return Report.objects.filter(
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        status=Report.Status.OPEN,
    )


def _close_reports(target: models.Model, *, actor: User, outcome: str) -> int:
    reports = list(open_reports(target).select_related("reporter"))
    if not reports:
        return 0
    open_reports(target).update(
        status=Report.Status.RESOLVED,
        outcome=outcome,
        resolved_by=actor,
        resolved_at=timezone.now(),
    )
    verdict = "removed it" if outcome == Report.Outcome.REMOVED else "found no rule broken"
    notification_send(
        recipients=[report.reporter for report in reports],
        kind="report",
        message=f"Thank you for your report. A moderator reviewed it and {verdict}.",
        url="",
    )
    return len(reports)


# Reports -----------------------------------------------------------------------------------------


@transaction.atomic
def report_create(*, actor: User, target: Moderatable, reason: str, detail: str = "") -> Report:
    """A member reports an item. Enough distinct reporters hide it until a moderator looks."""
    ensure_can_participate(actor)
    target = _lock(target)
    if not target.is_visible_to(actor):
        raise ActionRefused("There is nothing to report there.")
    if target.is_owned_by(actor):
        raise ActionRefused("You can't report your own content; you can edit or delete it.")
    if target.state not in (ContentState.VISIBLE, ContentState.HIDDEN):
        raise ActionRefused("This has already been taken down.")
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=actor,
                content_type=ContentType.objects.get_for_model(target),
                object_id=target.pk,
                reason=reason,
                detail=detail.strip(),
            )
    except IntegrityError:
        raise ActionRefused(
            "You have already reported this. Moderators will look at it soon."
        ) from None
    # Only established members' reports count toward hiding: otherwise a few fresh accounts could
    # hide anything.
    established = timezone.now() - timedelta(hours=settings.FORUM_NEW_MEMBER_HOURS)
    reporters = (
        open_reports(target)
        .filter(reporter__date_joined__lte=established)
        .values("reporter")
        .distinct()
        .count()
    )
    if reporters >= settings.FORUM_REPORTS_TO_HIDE and target.state == ContentState.VISIBLE:
        target.state = ContentState.HIDDEN
        target.save(update_fields=["state"])
        _after_moderation(target, actor=None, reason="Hidden after reports.")
        moderation_action_create(
            actor=None,
            action=Action.HIDE,
            target=target,
            target_user=_owner(target),
            reason=f"Reported by {reporters} members; hidden until a moderator reviews it.",
        )
    return report


@transaction.atomic
def reports_dismiss(*, actor: User, target: Moderatable, reason: str) -> int:
    """The reports were unfounded: close them, and show the item again if reports had hidden it."""
    _require_moderator(actor)
    reason = require_reason(reason)
    target = _lock(target)
    if target.state == ContentState.HIDDEN:
        return content_restore(actor=actor, target=target, reason=reason)
    if not open_reports(target).exists():
        raise ActionRefused("It has no open reports.")
    closed = _close_reports(target, actor=actor, outcome=Report.Outcome.KEPT)
    moderation_action_create(
        actor=actor,
        action=Action.DISMISS,
        target=target,
        reason=reason,
        public=False,
    )
    return closed


# Content -----------------------------------------------------------------------------------------


@transaction.atomic
def content_remove(*, actor: User, target: Moderatable, reason: str) -> int:
    """Remove a post, comment or campaign with a reason. The row stays: replies keep their place
    and the page shows "removed by a moderator: <reason>". Returns how many reports it closed."""
    _require_moderator(actor)
    reason = require_reason(reason)
    target = _lock(target)
    if target.state == ContentState.REMOVED:
        raise ActionRefused("This is already removed.")
    if target.state == ContentState.DELETED:
        raise ActionRefused("Its author already deleted it.")
    target.state, target.removed_reason = ContentState.REMOVED, reason
    target.save(update_fields=["state", "removed_reason"])
    _after_moderation(target, actor=actor, reason=reason)
    moderation_action_create(
        actor=actor,
        action=Action.REMOVE,
        target=target,
        target_user=_owner(target),
        reason=reason,
    )
    return _close_reports(target, actor=actor, outcome=Report.Outcome.REMOVED)


@transaction.atomic
def content_restore(*, actor: User, target: Moderatable, reason: str) -> int:
    """Show again what moderators removed or reports hid (not what its author deleted)."""
    _require_moderator(actor)
    reason = require_reason(reason)
    target = _lock(target)
    if target.state not in (ContentState.REMOVED, ContentState.HIDDEN):
        raise ActionRefused("Only removed or hidden content can be restored.")
    target.state, target.removed_reason = ContentState.VISIBLE, ""
    target.save(update_fields=["state", "removed_reason"])
    _after_moderation(target, actor=actor, reason=reason)
    moderation_action_create(
        actor=actor,
        action=Action.RESTORE,
        target=target,
        target_user=_owner(target),
        reason=reason,
    )
    return _close_reports(target, actor=actor, outcome=Report.Outcome.KEPT)


@transaction.atomic
def post_set_locked(*, actor: User, post: Post, locked: bool, reason: str) -> Post:
    _require_moderator(actor)
    reason = require_reason(reason)
    post = _lock(post)
    if post.is_locked == locked:
        raise ActionRefused("The discussion is already locked." if locked else "It isn't locked.")
    post.is_locked = locked
    post.save(update_fields=["is_locked"])
    moderation_action_create(
        actor=actor,
        action=Action.LOCK if locked else Action.UNLOCK,
        target=post,
        target_user=_owner(post),
        reason=reason,
    )
    return post


@transaction.atomic
def post_set_promoted(*, actor: User, post: Post, promoted: bool, reason: str) -> Post:
    _require_moderator(actor)
    reason = require_reason(reason)
    post = _lock(post)
    if post.is_promoted == promoted:
        raise ActionRefused("It is already promoted." if promoted else "It isn't promoted.")
    if promoted and not (post.is_published and post.is_visible):
        raise ActionRefused("Only a published, visible post can go on the front page.")
    post.is_promoted = promoted
    post.save(update_fields=["is_promoted"])
    moderation_action_create(
        actor=actor,
        action=Action.PROMOTE if promoted else Action.UNPROMOTE,
        target=post,
        target_user=_owner(post),
        reason=reason,
    )
    return post


@transaction.atomic
def post_move(*, actor: User, post: Post, section: Section, reason: str) -> Post:
    _require_moderator(actor)
    reason = require_reason(reason)
    post = _lock(post)
    if post.section_id == section.pk:
        raise ActionRefused(f"It is already in {section.name}.")
    old = post.section.name
    post.section = section
    post.save(update_fields=["section"])
    moderation_action_create(
        actor=actor,
        action=Action.MOVE,
        target=post,
        target_user=_owner(post),
        reason=f"{reason} (from {old} to {section.name})",
    )
    return post


# Members -----------------------------------------------------------------------------------------


def _lock_member_for(actor: User, member: User) -> User:
    _require_moderator(actor)
    member = User.objects.select_for_update().get(pk=member.pk)
    if member == actor:
        raise ActionRefused("You can't do that to your own account.")
    if member.is_moderator and not actor.is_superuser:
        raise ActionRefused("Only an administrator can act on another moderator's account.")
    return member


# Suspensions and bans are not in the public log: they concern a person, not content. The member
# sees them on their own moderation page.


@transaction.atomic
def member_suspend(*, actor: User, member: User, until: datetime, reason: str) -> User:
    reason = require_reason(reason)
    member = _lock_member_for(actor, member)
    if until <= timezone.now():
        raise ActionRefused("A suspension must end in the future.")
    member.suspended_until, member.suspension_reason = until, reason
    member.save(update_fields=["suspended_until", "suspension_reason"])
    moderation_action_create(
        actor=actor,
        action=Action.SUSPEND,
        target_user=member,
        public=False,
        reason=f"{reason} (until {timezone.localtime(until):%d %B %Y, %H:%M})",
        label=f"@{member.username}",
    )
    return member


@transaction.atomic
def member_unsuspend(*, actor: User, member: User, reason: str) -> User:
    reason = require_reason(reason)
    member = _lock_member_for(actor, member)
    if not member.is_suspended:
        raise ActionRefused("This member is not suspended.")
    member.suspended_until, member.suspension_reason = None, ""
    member.save(update_fields=["suspended_until", "suspension_reason"])
    moderation_action_create(
        actor=actor,
        action=Action.UNSUSPEND,
        target_user=member,
        public=False,
        reason=reason,
        label=f"@{member.username}",
    )
    return member


def member_ban(*, actor: User, member: User, reason: str) -> User:
    """A ban closes the account to log-in (is_active off); existing sessions stop working."""
    return _set_banned(actor=actor, member=member, reason=reason, banned=True)


def member_unban(*, actor: User, member: User, reason: str) -> User:
    return _set_banned(actor=actor, member=member, reason=reason, banned=False)


@transaction.atomic
def _set_banned(*, actor: User, member: User, reason: str, banned: bool) -> User:
    reason = require_reason(reason)
    member = _lock_member_for(actor, member)
    if member.is_active != banned:
        raise ActionRefused(
            "This member is already banned." if banned else "This member is not banned."
        )
    member.is_active = not banned
    member.save(update_fields=["is_active"])
    moderation_action_create(
        actor=actor,
        action=Action.BAN if banned else Action.UNBAN,
        target_user=member,
        public=False,
        reason=reason,
        label=f"@{member.username}",
    )
    return member
