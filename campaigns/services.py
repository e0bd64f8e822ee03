"""Every write to campaigns, organisers, supports, updates and exports. Views call these.

Each function re-reads the campaign under its row lock (`_lock`) and checks permission on that
row, not on whatever the caller loaded. The support counter moves with F() under the same lock,
so concurrent clicks never double count. Side effects (in-site notifications, emails, the
discussion post) are called here, explicitly; emails are handed to the worker (campaigns.tasks)
only once the transaction commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.budgets import spend
from accounts.models import User
from accounts.queueing import enqueue_after_commit
from accounts.services import notification_send
from forum import pagecache
from forum.limits import Rate, exceeded, is_new_member, longest_window
from forum.markup import render_markdown
from forum.models import ContentState, ModerationAction, Post, Section
from forum.moderation import (
    content_remove,
    content_restore,
    moderation_action_create,
    require_reason,
)
from forum.services import ActionRefused, ensure_can_participate, post_create

from .models import (
    CONTACT_CONSENT,
    SUPPORT_CONSENT,
    WORDING_CHANGED,
    Campaign,
    CampaignChange,
    CampaignUpdate,
    ConsentText,
    NameVisibility,
    Organiser,
    Support,
    SupporterExport,
    SupporterSend,
)
from .tasks import campaign_tell_supporters

__all__ = ["ActionRefused", "ChangeNoteRequired", "ConsentChanged"]

log = logging.getLogger(__name__)

UPDATES_PER_WINDOW = 3
UPDATE_WINDOW = timedelta(days=7)
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=30)
MATERIAL_FIELDS = {"target": "who", "ask": "what", "body": "why"}
# New drafts, counted like forum posts (forum.limits): a draft costs an image and a rendering.
CAMPAIGN_RATES = [Rate(5, timedelta(hours=1), "at most 5 new campaigns an hour")]
NEW_MEMBER_CAMPAIGN_RATES = [
    Rate(2, timedelta(hours=1), "at most 2 new campaigns an hour in your first day")
]
# Checking an uploaded image is the costliest thing a member can ask of the server, and a preview
# or a form with an error elsewhere does it without creating a row, so these count in the cache.
IMAGE_RATE = Rate(10, timedelta(minutes=10), "at most 10 images in 10 minutes")
PREVIEW_RATE = Rate(30, timedelta(minutes=10), "at most 30 previews in 10 minutes")


class ChangeNoteRequired(ActionRefused):
    """Who/what/why changed after people signed up, and no note says why."""


class ConsentChanged(ActionRefused):
    """The member consented to a wording that is no longer the current one."""


def _lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _require_organiser(campaign: Campaign, user: User) -> None:
    if not campaign.is_organiser(user):
        raise ActionRefused("Only this campaign's organisers can do that.")


def _unique_slug(title: str) -> str:
    base = slugify(title)[:70].strip("-") or "campaign"
    if base in Campaign.RESERVED_SLUGS:
        base = f"{base}-campaign"
    taken = set(Campaign.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


# Limits on work that saves nothing ---------------------------------------------------------------


def _spend(what: str, user: User, rate: Rate) -> bool:
    return spend(f"campaigns:{what}:{user.pk}", count=rate.count, window=rate.window)


def ensure_can_check_image(user: User) -> None:
    """Called before an uploaded image is opened."""
    if settings.FORUM_RATE_LIMITS and not _spend("image", user, IMAGE_RATE):
        raise ActionRefused(
            f"You have sent images faster than the site allows ({IMAGE_RATE.text}), so this one "
            "wasn't checked. Everything else you typed is still here: choose the image again in "
            "a few minutes."
        )


def ensure_can_preview(user: User) -> None:
    if settings.FORUM_RATE_LIMITS and not _spend("preview", user, PREVIEW_RATE):
        raise ActionRefused(
            f"You are previewing faster than the site allows ({PREVIEW_RATE.text}). "
            "Your text is still here: try again in a few minutes."
        )


def _check_campaign_rate(actor: User) -> None:
    """Under the member's row lock, so concurrent submissions are counted one after another."""
    if not settings.FORUM_RATE_LIMITS:
        return
    rates = NEW_MEMBER_CAMPAIGN_RATES if is_new_member(actor) else CAMPAIGN_RATES
    since = timezone.now() - longest_window(rates)
    times = Campaign.objects.filter(created_by=actor, created_at__gte=since)
    if rate := exceeded(rates, list(times.values_list("created_at", flat=True))):
        raise ActionRefused(
            f"You are starting campaigns faster than the site allows ({rate.text}). "
            "Your text is still here: save it in a little while."
        )


# Campaign pages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignFields:
    """What organisers write on the campaign form: campaign_create and campaign_update take it."""

    title: str
    summary: str
    target: str
    ask: str
    body: str
    goal: int
    deadline: date | None
    section: Section
    image_alt: str = ""


@transaction.atomic
def campaign_create(
    *, actor: User, fields: CampaignFields, image: File[bytes] | None = None
) -> Campaign:
    """A new draft, owned by its creator. The same draft submitted twice in a moment is one."""
    ensure_can_participate(actor)
    User.objects.select_for_update().get(pk=actor.pk)  # serialise this member's submissions
    title = fields.title.strip()
    now = timezone.now()
    duplicate = Campaign.objects.filter(
        created_by=actor, title=title, created_at__gte=now - DOUBLE_SUBMIT_WINDOW
    ).first()
    if duplicate is not None:
        return duplicate
    _check_campaign_rate(actor)
    campaign = Campaign(
        title=title,
        summary=fields.summary.strip(),
        target=fields.target.strip(),
        ask=fields.ask.strip(),
        body=fields.body,
        body_html=render_markdown(fields.body),
        goal=fields.goal,
        deadline=fields.deadline,
        section=fields.section,
        image_alt=fields.image_alt.strip() if image else "",
        created_by=actor,
        created_at=now,
    )
    if image:
        campaign.image.save(image.name, image, save=False)
    try:
        with transaction.atomic():
            campaign.slug = _unique_slug(title)
            campaign.save()
    except IntegrityError:  # another campaign took the slug between the check and the insert
        # 67 + "-" + 12 digits: the 80 characters the column holds.
        campaign.slug = f"{_unique_slug(title)[:67]}-{now:%H%M%S%f}"
        campaign.save()
    Organiser.objects.create(
        campaign=campaign, user=actor, role=Organiser.Role.OWNER, added_by=actor, added_at=now
    )
    return campaign


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    actor: User,
    fields: CampaignFields,
    image: File[bytes] | None = None,
    remove_image: bool = False,
    change_note: str = "",
) -> Campaign:
    """Save an organiser's edit. Once people support the campaign, changing who it asks, what it
    asks or why needs a note: it is shown on the page and sent to every supporter, who may then
    withdraw."""
    ensure_can_participate(actor)
    campaign = _lock(campaign)
    _require_organiser(campaign, actor)
    if not campaign.can_edit(actor):
        raise ActionRefused("A closed campaign can't be edited; a moderator can reopen it.")
    new = {"target": fields.target.strip(), "ask": fields.ask.strip(), "body": fields.body}
    changed = [name for name, value in new.items() if getattr(campaign, name) != value]
    change_note = " ".join(change_note.split())
    change = None
    if changed and campaign.support_count > 0:
        if not change_note:
            raise ChangeNoteRequired(
                "People already support this campaign, so a change to who, what or why needs a "
                "short note saying what changed and why. Supporters will see it and can withdraw."
            )
        change = CampaignChange.objects.create(
            campaign=campaign,
            editor=actor,
            note=change_note[:300],
            fields=", ".join(MATERIAL_FIELDS[name] for name in changed),
            previous_target=campaign.target,
            previous_ask=campaign.ask,
            previous_body=campaign.body,
        )
    old_image = campaign.image.name if campaign.image else ""
    campaign.title, campaign.summary = fields.title.strip(), fields.summary.strip()
    campaign.target, campaign.ask, campaign.body = new["target"], new["ask"], new["body"]
    campaign.body_html = render_markdown(fields.body)
    campaign.goal, campaign.deadline = fields.goal, fields.deadline
    campaign.section = fields.section
    if image:
        campaign.image.save(image.name, image, save=False)
    elif remove_image:
        campaign.image = ""
    campaign.image_alt = fields.image_alt.strip() if campaign.image else ""
    if not campaign.is_draft:
        campaign.edited_at = timezone.now()
    campaign.save()
    if old_image and old_image != (campaign.image.name if campaign.image else ""):
        # Delete the replaced file only once the new row is committed.
        storage = campaign.image.storage
        transaction.on_commit(partial(storage.delete, old_image))
    if change is not None:
        _tell_supporters(
            campaign,
            key=f"campaign:{campaign.pk}:change:{change.pk}",
            kind="campaign_change",
            message=f'"{campaign.title}" changed its {change.fields}: {change.note}',
            url=f"{campaign.get_absolute_url()}#changes",
            subject=f"{campaign.title}: the campaign you support has changed",
            text=(
                f"The organisers changed the campaign's {change.fields}.\n\n"
                f"Their note: {change.note}\n\n"
                "If you no longer agree, you can withdraw your support on the campaign page."
            ),
        )
    return campaign


def _discussion_body(campaign: Campaign) -> str:
    return (
        f"This is the discussion of the campaign **[{campaign.title}]"
        f"({campaign.get_absolute_url()})**.\n\n> {campaign.summary}\n\n"
        f"**Who decides:** {campaign.target}"
    )


@transaction.atomic
def campaign_publish(*, campaign: Campaign, actor: User) -> Campaign:
    """Put a draft on the site and open its discussion, a forum post in the campaign's section."""
    ensure_can_participate(actor)
    campaign = _lock(campaign)
    _require_organiser(campaign, actor)
    if not campaign.is_draft:
        raise ActionRefused("This campaign is already published.")
    if not campaign.is_visible:
        # Publishing would open a discussion repeating what a moderator took down.
        raise ActionRefused("A moderator took this campaign down: it can't be published.")
    if campaign.deadline_passed:
        raise ActionRefused("The deadline has passed. Edit the campaign to set a new one.")
    now = timezone.now()
    if campaign.discussion_id is None:
        campaign.discussion = post_create(
            actor=actor,
            section=campaign.section,
            title=campaign.title,
            body=_discussion_body(campaign),
            publish=True,
        )
    campaign.status = Campaign.Status.PUBLISHED
    campaign.published_at = now
    campaign.save(update_fields=["status", "published_at", "discussion"])
    return campaign


@transaction.atomic
def campaign_close(*, campaign: Campaign, actor: User, outcome: str, story: str) -> Campaign:
    ensure_can_participate(actor)
    campaign = _lock(campaign)
    _require_organiser(campaign, actor)
    if not campaign.is_open:
        raise ActionRefused("Only an open campaign can be closed.")
    if outcome not in Campaign.Outcome.values:
        raise ActionRefused("Say whether the campaign was won, lost or withdrawn.")
    if not story.strip():
        raise ActionRefused("Tell supporters what happened: the closing story can't be empty.")
    _close(campaign, outcome=outcome, story=story)
    return campaign


def _close(campaign: Campaign, *, outcome: str, story: str) -> None:
    """Close a locked, open campaign with its outcome and story, and tell its supporters."""
    campaign.status, campaign.outcome = Campaign.Status.CLOSED, outcome
    campaign.closing_story, campaign.closing_story_html = story, render_markdown(story)
    campaign.closed_at = timezone.now()
    campaign.save(
        update_fields=["status", "outcome", "closing_story", "closing_story_html", "closed_at"]
    )
    verdict = campaign.get_outcome_display().lower()
    _tell_supporters(
        campaign,
        # Reopened and closed again is another story, and another send.
        key=f"campaign:{campaign.pk}:closed:{campaign.closed_at:%Y%m%dT%H%M%S%f}",
        kind="campaign_closed",
        message=f'"{campaign.title}" is closed: {verdict}.',
        url=f"{campaign.get_absolute_url()}#outcome",
        subject=f"{campaign.title}: {verdict}",
        text=story,
    )


@transaction.atomic
def campaign_archive(*, campaign: Campaign, actor: User) -> Campaign:
    """Put a closed campaign away: its page stays, it leaves the lists."""
    campaign = _lock(campaign)
    _require_organiser(campaign, actor)
    if not campaign.is_closed:
        raise ActionRefused("Only a closed campaign can be archived.")
    campaign.status = Campaign.Status.ARCHIVED
    campaign.save(update_fields=["status"])
    return campaign


@transaction.atomic
def campaign_reopen(*, campaign: Campaign, actor: User, reason: str) -> Campaign:
    """A moderator reopens a closed or archived campaign (say, closed by mistake). It undoes the
    organisers' decision, so it is a moderator action: logged in public, with its reason."""
    campaign = _lock(campaign)
    if not (actor.is_authenticated and actor.is_moderator):
        raise ActionRefused("Only moderators can reopen a campaign.")
    if not campaign.can_reopen(actor):
        raise ActionRefused("Only a closed or archived campaign can be reopened.")
    reason = require_reason(reason)
    campaign.status, campaign.outcome, campaign.closed_at = Campaign.Status.PUBLISHED, "", None
    campaign.save(update_fields=["status", "outcome", "closed_at"])
    # moderation_action_create tells the owner, with the reason; the co-organisers hear it here.
    moderation_action_create(
        actor=actor,
        action=ModerationAction.Action.REOPEN,
        target=campaign,
        target_user=campaign.created_by,
        reason=reason,
    )
    notification_send(
        recipients=User.objects.filter(campaigns_organised__campaign=campaign)
        .exclude(pk=campaign.created_by_id)
        .only("pk"),
        kind="campaign_reopened",
        message=f'A moderator reopened "{campaign.title}". Reason: {reason}',
        url=campaign.get_absolute_url(),
    )
    return campaign


@transaction.atomic
def discussion_follow_campaign(campaign: Campaign, *, actor: User | None, reason: str) -> None:
    """The discussion goes down with its campaign and comes back with it.

    forum.moderation calls this (the hook campaigns registers with it) after it changed the
    campaign's state, holding the campaign's row lock; the post is locked after it. Nothing takes
    a post's lock and then a campaign's, so the order can't cross. Reports hiding a campaign (no
    moderator) leave the discussion alone: hiding is provisional, and the post can be reported
    on its own.
    """
    if actor is None or campaign.discussion_id is None:
        return
    discussion = Post.objects.select_for_update().get(pk=campaign.discussion_id)
    if campaign.state == ContentState.REMOVED:
        if discussion.state == ContentState.VISIBLE:
            content_remove(actor=actor, target=discussion, reason=reason)
            _set_discussion_removed_with_it(campaign, True)
    elif campaign.state == ContentState.VISIBLE and campaign.discussion_removed_with_it:
        if discussion.state == ContentState.REMOVED:
            content_restore(actor=actor, target=discussion, reason=reason)
        _set_discussion_removed_with_it(campaign, False)


def _set_discussion_removed_with_it(campaign: Campaign, value: bool) -> None:
    campaign.discussion_removed_with_it = value
    Campaign.objects.filter(pk=campaign.pk).update(discussion_removed_with_it=value)
    pagecache.bump_on_commit()


# Organisers --------------------------------------------------------------------------------------


@transaction.atomic
def organiser_add(*, campaign: Campaign, actor: User, member: User) -> Organiser:
    ensure_can_participate(actor)
    campaign = _lock(campaign)
    if not campaign.can_manage_organisers(actor):
        raise ActionRefused("Only the campaign's owner can add organisers.")
    if not member.is_active:
        raise ActionRefused("That member's account is closed.")
    if member.is_suspended:
        raise ActionRefused(f"{member.name} is suspended and can't organise a campaign for now.")
    try:
        with transaction.atomic():
            organiser = Organiser.objects.create(campaign=campaign, user=member, added_by=actor)
    except IntegrityError:
        raise ActionRefused(f"{member.name} is already an organiser.") from None
    notification_send(
        recipients=[member],
        kind="campaign_organiser",
        message=f'{actor.name} made you an organiser of "{campaign.title}".',
        url=campaign.get_absolute_url(),
    )
    return organiser


@transaction.atomic
def organiser_remove(*, campaign: Campaign, actor: User, organiser: Organiser) -> None:
    """The owner removes a co-organiser, or a co-organiser steps down. The owner stays."""
    campaign = _lock(campaign)
    current = Organiser.objects.filter(pk=organiser.pk, campaign=campaign).first()
    if current is None:
        raise ActionRefused("That member is not an organiser of this campaign.")
    organiser = current
    if organiser.role == Organiser.Role.OWNER:
        raise ActionRefused("The owner can't be removed.")
    if not campaign.can_remove_organiser(actor, organiser):
        raise ActionRefused("Only the campaign's owner can remove organisers.")
    organiser.delete()
    if organiser.user_id != actor.pk:
        notification_send(
            recipients=[organiser.user],
            kind="campaign_organiser",
            message=f'You are no longer an organiser of "{campaign.title}".',
            url=campaign.get_absolute_url(),
        )


# Support -----------------------------------------------------------------------------------------


def _refuse_support(campaign: Campaign) -> ActionRefused:
    if campaign.is_draft:
        return ActionRefused("This campaign isn't published yet: it can't take support.")
    if not campaign.is_visible:
        return ActionRefused("This campaign was taken down: it can't take support.")
    return ActionRefused("This campaign is closed: it no longer takes support.")


def _check_visibility(name_visibility: str) -> None:
    if name_visibility not in NameVisibility.values:
        raise ActionRefused("Choose how your name shows.")


def _check_seen(version: str, current: ConsentText) -> str:
    """Consent counts only for the wording the member read: the page sends back its version."""
    if version != current.version:
        raise ConsentChanged(WORDING_CHANGED)
    return version


@transaction.atomic
def support_add(
    *,
    campaign: Campaign,
    actor: User,
    contact_ok: bool,
    name_visibility: str,
    support_consent_version: str,
    contact_consent_version: str = "",
) -> Support:
    """One support per member: the unique constraint decides, under the campaign's lock.

    The versions are those of the wordings the member was shown; each must be the current one.
    """
    ensure_can_participate(actor)
    _check_visibility(name_visibility)
    support_consent_version = _check_seen(support_consent_version, SUPPORT_CONSENT)
    if contact_ok:
        contact_consent_version = _check_seen(contact_consent_version, CONTACT_CONSENT)
    campaign = _lock(campaign)
    if not campaign.accepts_support():
        raise _refuse_support(campaign)
    now = timezone.now()
    try:
        with transaction.atomic():
            support = Support.objects.create(
                campaign=campaign,
                user=actor,
                name_visibility=name_visibility,
                support_consent_version=support_consent_version,
                created_at=now,
                updated_at=now,
                contact_ok=contact_ok,
                contact_consent_version=contact_consent_version if contact_ok else "",
                contact_consented_at=now if contact_ok else None,
            )
    except IntegrityError:
        raise ActionRefused("You already support this campaign.") from None
    Campaign.objects.filter(pk=campaign.pk).update(support_count=F("support_count") + 1)
    pagecache.bump_on_commit()  # the count shows, and .update() sends no signal
    return support


@transaction.atomic
def support_change(
    *,
    campaign: Campaign,
    actor: User,
    contact_ok: bool,
    name_visibility: str,
    contact_consent_version: str = "",
) -> Support:
    """A supporter changes their choices. Taking back contact consent erases its record; giving
    it records the wording the member was shown (the current one) and the time; keeping it keeps
    the wording they agreed to. Allowed even when suspended or closed: a member's control over
    their own data doesn't depend on the campaign."""
    _check_visibility(name_visibility)
    support = Support.objects.select_for_update().filter(campaign=campaign, user=actor).first()
    if support is None:
        raise ActionRefused("You don't support this campaign.")
    now = timezone.now()
    if contact_ok and not support.contact_ok:
        support.contact_consent_version = _check_seen(contact_consent_version, CONTACT_CONSENT)
        support.contact_consented_at = now
    elif not contact_ok:
        support.contact_consent_version, support.contact_consented_at = "", None
    support.contact_ok, support.name_visibility, support.updated_at = (
        contact_ok,
        name_visibility,
        now,
    )
    support.save()
    return support


@transaction.atomic
def support_withdraw(*, campaign: Campaign, actor: User) -> None:
    """Withdrawing deletes the row: nothing about a former supporter's view is kept."""
    campaign = _lock(campaign)
    deleted, _ = Support.objects.filter(campaign=campaign, user=actor).delete()
    if not deleted:
        raise ActionRefused("You don't support this campaign.")
    Campaign.objects.filter(pk=campaign.pk).update(support_count=F("support_count") - 1)
    pagecache.bump_on_commit()  # neither .update() nor a queryset's delete() sends a signal here


# Updates and telling supporters ------------------------------------------------------------------


@transaction.atomic
def campaign_announce(*, campaign: Campaign, actor: User, title: str, body: str) -> CampaignUpdate:
    """Post an update: shown on the page, sent to every supporter in-site and by email.

    At most UPDATES_PER_WINDOW per UPDATE_WINDOW per campaign, counted under the campaign's
    lock so two organisers posting at once can't exceed it.
    """
    ensure_can_participate(actor)
    campaign = _lock(campaign)
    _require_organiser(campaign, actor)
    if not campaign.can_post_update(actor):
        raise ActionRefused("Updates can be posted on open or closed campaigns only.")
    now = timezone.now()
    title = " ".join(title.split())
    # A double-clicked "Post and send": the same update again, under the campaign's lock, is the
    # one already sent, not a second email to every supporter nor one more against the limit.
    duplicate = campaign.updates.filter(
        author=actor, title=title, body=body, created_at__gte=now - DOUBLE_SUBMIT_WINDOW
    ).first()
    if duplicate is not None:
        return duplicate
    recent = list(
        campaign.updates.filter(created_at__gt=now - UPDATE_WINDOW)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(recent) >= UPDATES_PER_WINDOW:
        next_at = timezone.localtime(recent[-UPDATES_PER_WINDOW] + UPDATE_WINDOW)
        raise ActionRefused(
            f"A campaign can send at most {UPDATES_PER_WINDOW} updates in "
            f"{UPDATE_WINDOW.days} days, so supporters aren't flooded. The next one can go out "
            f"after {next_at:%d %B, %H:%M}. Your text is still here."
        )
    update = CampaignUpdate.objects.create(
        campaign=campaign,
        author=actor,
        title=title,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
    )
    _tell_supporters(
        campaign,
        key=f"campaign:{campaign.pk}:update:{update.pk}",
        kind="campaign_update",
        message=f'Update from "{campaign.title}": {title}',
        url=f"{campaign.get_absolute_url()}#update-{update.pk}",
        subject=f"{campaign.title}: {title}",
        text=body,
    )
    return update


def _tell_supporters(
    campaign: Campaign, *, key: str, kind: str, message: str, url: str, subject: str, text: str
) -> None:
    """Tell every supporter in the site and by email, once the transaction commits. Finding the
    supporters, notifying them and emailing them are the worker's job (campaigns.tasks): the
    request only records the send and enqueues one task, whatever the number of supporters.
    `key` names the send: the same key never tells anyone twice."""
    # Why they got it and how to stop (withdraw support, or unsubscribe) is the footer every
    # notification email gets when it is sent (accounts.tasks, by the send's category).
    footer = (
        f"\n\nRead it on the site: {settings.SITE_URL}{url}\n\nTo hear no more from this "
        f"campaign, withdraw your support: {settings.SITE_URL}{campaign.get_absolute_url()}\n"
    )
    subject = " ".join(f"[{settings.SITE_NAME}] {subject}".split())  # no header injection
    # Recorded with the update, so that a task that is never enqueued (Redis down) or never runs
    # is enqueued again by `manage.py email_resume`: the update is saved either way.
    SupporterSend.objects.create(
        key=key,
        campaign=campaign,
        kind=kind,
        message=message[:300],
        url=url,
        subject=subject,
        body=text + footer,
    )
    enqueue_after_commit(campaign_tell_supporters, campaign.pk, key)


# Export ------------------------------------------------------------------------------------------


@transaction.atomic
def supporters_export(*, campaign: Campaign, actor: User) -> tuple[list[Support], SupporterExport]:
    """Supporters who agreed to be contacted, for the organisers. Every export is recorded."""
    ensure_can_participate(actor)
    campaign = _lock(campaign)
    _require_organiser(campaign, actor)
    supports = list(
        campaign.supports.filter(contact_ok=True, user__is_active=True)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    export = SupporterExport.objects.create(campaign=campaign, by=actor, row_count=len(supports))
    return supports, export


# Account deletion (accounts.deletion) ------------------------------------------------------------

DELETION_CLOSING_STORY = (
    "This campaign closed because the member who ran it deleted their account, and it had no "
    "co-organiser to take it on. Thank you to everyone who supported it."
)


def account_delete_campaigns(user: User, *, erase_content: bool) -> None:
    """campaigns' part of deleting an account (accounts.services.account_delete calls it, holding
    the member's row lock): their supports go, each campaign's count moved back, as
    support_withdraw does; their co-organiser roles go; each campaign they own passes to its
    longest-serving co-organiser (the discussion post with it), or, with none, a draft is deleted
    and an open campaign closes as withdrawn, telling its supporters (whatever the member's
    suspension: the rules for closing are an organiser's, not the deletion's). A closed or
    archived campaign without a co-organiser keeps its page, under "[deleted member]".
    Campaigns are locked in pk order."""
    supported = set(Support.objects.filter(user=user).values_list("campaign_id", flat=True))
    organised = set(Organiser.objects.filter(user=user).values_list("campaign_id", flat=True))
    for campaign_id in sorted(supported | organised):
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign_id in supported:
            Support.objects.filter(campaign=campaign, user=user).delete()
            Campaign.objects.filter(pk=campaign_id).update(support_count=F("support_count") - 1)
        role = Organiser.objects.filter(campaign=campaign, user=user).first()
        if role is None:
            continue
        role.delete()
        if role.role == Organiser.Role.OWNER:
            _pass_on_or_close(campaign, user)
    pagecache.bump_on_commit()  # .update() and a queryset's delete() send no signal


def _pass_on_or_close(campaign: Campaign, user: User) -> None:
    successor = (
        Organiser.objects.filter(campaign=campaign)
        .select_related("user")
        .order_by("added_at", "pk")
    ).first()
    if successor is not None:
        successor.role = Organiser.Role.OWNER
        successor.save(update_fields=["role"])
        campaign.created_by = successor.user
        campaign.save(update_fields=["created_by"])
        if (
            campaign.discussion_id is not None
        ):  # campaign, then post: discussion_follow_campaign's order
            Post.objects.select_for_update().filter(pk=campaign.discussion_id).update(
                author=successor.user
            )
        notification_send(
            recipients=[successor.user],
            kind="campaign_organiser",
            message=f'You now own "{campaign.title}": the member who ran it deleted their account.',
            url=campaign.get_absolute_url(),
        )
        return
    if campaign.is_draft:
        campaign.delete()
        return
    if campaign.is_open:
        _close(campaign, outcome=Campaign.Outcome.WITHDRAWN, story=DELETION_CLOSING_STORY)
