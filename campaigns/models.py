"""Campaigns: pages organisers publish, supporters who consent, updates and exports.

Supporting a campaign reveals a political opinion, and a supporter's branch or union is trade-union
membership: special-category data under UK GDPR (art. 9). So a Support row exists only because the
member ticked the box, records which consent text they saw and when, carries their choice of how
their name shows, and is deleted when they withdraw.

Writes go through campaigns.services; the support counter moves with F() under the campaign's row
lock there, so it always equals the number of Support rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.links import fast_reverse
from forum.models import (
    SEARCH_VECTOR,
    ContentState,
    Moderatable,
    Post,
    Section,
    search_vector_field,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


@dataclass(frozen=True)
class ConsentText:
    """A consent wording. Change the text, change the version: each Support stores the version."""

    version: str
    text: str


SUPPORT_CONSENT = ConsentText(
    version="support-2026-11",
    text=(
        "Add my support to this campaign. I understand this shows my political view: I'll be "
        "counted, my name shows as I choose below, and I'll get this campaign's updates on the "
        "site and by email. I can withdraw at any time."
    ),
)
CONTACT_CONSENT = ConsentText(
    version="contact-2026-11",
    text=(
        "The organisers of this campaign may contact me about this campaign. They will get my "
        "name and email address. I can take this back at any time."
    ),
)

# Every wording ever shown, by version: a Support stores only the version, so an old wording stays
# here after it is replaced (never edit or remove an entry; add a new version instead).
CONSENT_TEXTS: dict[str, str] = {
    SUPPORT_CONSENT.version: SUPPORT_CONSENT.text,
    CONTACT_CONSENT.version: CONTACT_CONSENT.text,
}

WORDING_CHANGED = "The wording changed since you opened the page: please read it again."


def consent_wording(version: str) -> ConsentText:
    """The wording a member saw, from the version stored with their consent."""
    return ConsentText(version=version, text=CONSENT_TEXTS.get(version, f"(wording {version})"))


class NameVisibility(models.TextChoices):
    PUBLIC = "public", "Show my name to everyone"
    MEMBERS = "members", "Show my name to logged-in members only"
    HIDDEN = "hidden", "Count me, but don't show my name"


def campaign_image_path(instance: Campaign, filename: str) -> str:
    # Never keep the uploaded name: it can say more about the uploader than the picture does.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"campaigns/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def visible_to(self, user: User | AnonymousUser | None) -> CampaignQuerySet:
        """Campaigns a user may open: all but drafts, and drafts only for their organisers.

        Exists() rather than a join: a join on organisers would repeat a campaign per organiser.
        """
        public = ~Q(status=Campaign.Status.DRAFT)
        if user is None or not user.is_authenticated:
            return self.filter(public)
        organises = Exists(Organiser.objects.filter(campaign=OuterRef("pk"), user=user))
        return self.filter(public | organises)

    def listed(self) -> CampaignQuerySet:
        """What the campaign lists show: published and closed; drafts and archived ones are not."""
        return self.filter(
            status__in=[Campaign.Status.PUBLISHED, Campaign.Status.CLOSED],
            state=ContentState.VISIBLE,
        )

    def open(self) -> CampaignQuerySet:
        return self.filter(status=Campaign.Status.PUBLISHED)

    def for_listing(self) -> CampaignQuerySet:
        return self.select_related("section").defer("body", "body_html", "closing_story")


_CampaignManagerBase = models.Manager.from_queryset(CampaignQuerySet)


class CampaignManager(_CampaignManagerBase["Campaign"]):
    def get_queryset(self) -> CampaignQuerySet:
        # Without the search index column, as forum's posts and comments are read.
        return cast(CampaignQuerySet, super().get_queryset().defer(SEARCH_VECTOR))


class Campaign(Moderatable):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Open"
        CLOSED = "closed", "Closed"
        ARCHIVED = "archived", "Archived"

    class Outcome(models.TextChoices):
        WON = "won", "Won"
        LOST = "lost", "Lost"
        WITHDRAWN = "withdrawn", "Withdrawn"

    TITLE_MAX = 150
    SUMMARY_MAX = 300
    TARGET_MAX = 200
    ASK_MAX = 2_000
    BODY_MAX = 20_000
    STORY_MAX = 10_000
    GOAL_MAX = 10_000_000
    # /campaigns/<slug>/ shares the URL space with these pages.
    RESERVED_SLUGS = frozenset({"new", "mine"})

    title = models.CharField(max_length=TITLE_MAX)
    slug = models.SlugField(max_length=80, unique=True)
    summary = models.CharField(max_length=SUMMARY_MAX, help_text="One or two sentences.")
    target = models.CharField(
        "who decides", max_length=TARGET_MAX, help_text="The person or body the campaign asks."
    )
    ask = models.TextField("what we ask", max_length=ASK_MAX)
    body = models.TextField("why", max_length=BODY_MAX, help_text="Markdown, as typed.")
    body_html = models.TextField(editable=False)
    image = models.ImageField(upload_to=campaign_image_path, blank=True)
    image_alt = models.CharField("image description", max_length=250, blank=True)
    goal = models.PositiveIntegerField(help_text="How many supporters the campaign aims for.")
    deadline = models.DateField(null=True, blank=True)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="campaigns")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    closing_story = models.TextField(max_length=STORY_MAX, blank=True)
    closing_story_html = models.TextField(editable=False, blank=True)
    support_count = models.PositiveIntegerField(default=0, editable=False)
    # Moderation: `state` and `removed_reason` come from forum's Moderatable; a removed campaign
    # keeps its row.
    discussion = models.OneToOneField(
        Post,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaign",
        editable=False,
    )
    # Set when a moderator's removal of the campaign took its discussion down too, so restoring
    # the campaign brings back that post, and never one a moderator removed for its own sake.
    discussion_removed_with_it = models.BooleanField(default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    search_vector = search_vector_field()

    objects = CampaignManager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(goal__gte=1), name="campaign_goal_at_least_one"),
            models.CheckConstraint(
                condition=Q(status="closed", outcome__in=["won", "lost", "withdrawn"])
                | ~Q(status="closed"),
                name="closed_campaign_has_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-support_count"], name="campaign_by_support"),
            models.Index(fields=["status", "-published_at"], name="campaign_by_newest"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return fast_reverse("campaigns:detail", self.slug)

    # The moderation contract (forum.models.Moderatable) ---------------------------------------

    OWNER_FIELD = "created_by"

    @property
    def moderation_label(self) -> str:
        return f"campaign #{self.pk} by @{self.created_by.username}"

    def is_visible_to(self, user: User | AnonymousUser) -> bool:
        """Drafts are their organisers' only (the report and moderation pages ask this too)."""
        return not self.is_draft or self.is_organiser(user)

    def can_report(self, user: User | AnonymousUser) -> bool:
        return not self.is_draft and not self.is_organiser(user) and super().can_report(user)

    def can_moderate(self, user: User | AnonymousUser) -> bool:
        return not self.is_draft and super().can_moderate(user)

    def content_visible_to(self, user: User | AnonymousUser) -> bool:
        """Whether a user may read what the campaign says (title, summary, who/what/why, image,
        updates). Once removed or hidden, only its organisers and the moderators may."""
        return self.is_visible or self.is_organiser(user) or super().can_moderate(user)

    # State ---------------------------------------------------------------------------------------

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED

    @property
    def deadline_passed(self) -> bool:
        return self.deadline is not None and self.deadline < timezone.localdate()

    @property
    def remaining(self) -> int:
        return max(self.goal - self.support_count, 0)

    @property
    def progress_percent(self) -> int:
        return min(100, self.support_count * 100 // max(self.goal, 1))

    @property
    def status_label(self) -> str:
        if self.is_closed:
            return self.get_outcome_display()
        return self.get_status_display()

    # Organisers ----------------------------------------------------------------------------------

    def load_organisers(self) -> list[Organiser]:
        """Organisers with their members, in one query; also answers role_for() afterwards."""
        organisers = list(self.organisers.select_related("user").order_by("-role", "added_at"))
        self._roles = {o.user_id: o.role for o in organisers}
        return organisers

    def role_for(self, user: User | AnonymousUser) -> str | None:
        """'owner', 'organiser' or None. One query per instance, then cached."""
        if user is None or not user.is_authenticated:
            return None
        if getattr(self, "_roles", None) is None:
            self._roles = dict(self.organisers.values_list("user_id", "role"))
        return self._roles.get(user.pk)

    def is_organiser(self, user: User | AnonymousUser) -> bool:
        return self.role_for(user) is not None

    def is_owner(self, user: User | AnonymousUser) -> bool:
        return self.role_for(user) == Organiser.Role.OWNER

    # Permissions: each rule once, here. Views and templates ask them (the page through
    # permissions_for); services ask them again under the row lock.

    def can_publish(self, user: User | AnonymousUser) -> bool:
        return self.is_draft and self.is_organiser(user)

    def can_edit(self, user: User | AnonymousUser) -> bool:
        return self.is_organiser(user) and self.status in (self.Status.DRAFT, self.Status.PUBLISHED)

    def can_manage_organisers(self, user: User | AnonymousUser) -> bool:
        return self.is_owner(user) and not self.is_archived

    def can_remove_organiser(self, user: User | AnonymousUser, organiser: Organiser) -> bool:
        """The owner removes co-organisers; a co-organiser may step down."""
        return self.is_owner(user) or (user.is_authenticated and organiser.user_id == user.pk)

    def can_post_update(self, user: User | AnonymousUser) -> bool:
        return self.is_organiser(user) and self.status in (
            self.Status.PUBLISHED,
            self.Status.CLOSED,
        )

    def can_close(self, user: User | AnonymousUser) -> bool:
        return self.is_organiser(user) and self.is_open

    def can_archive(self, user: User | AnonymousUser) -> bool:
        return self.is_organiser(user) and self.is_closed

    def can_reopen(self, user: User | AnonymousUser) -> bool:
        # Status first: is_moderator costs a query, asked only when reopening is possible.
        return (
            self.status in (self.Status.CLOSED, self.Status.ARCHIVED)
            and user.is_authenticated
            and user.is_moderator
        )

    def accepts_support(self) -> bool:
        return self.is_open and self.is_visible

    def permissions_for(self, user: User | AnonymousUser) -> CampaignPermissions:
        """Everything the campaign page offers this user, worked out once per page."""
        see_content = self.content_visible_to(user)
        return CampaignPermissions(
            is_organiser=self.is_organiser(user),
            publish=self.can_publish(user),
            edit=self.can_edit(user),
            update=self.can_post_update(user),
            close=self.can_close(user),
            archive=self.can_archive(user),
            reopen=self.can_reopen(user),
            see_content=see_content,
            # A hidden campaign is before the moderators already: its page offers no report.
            report=self.is_visible and self.can_report(user),
            moderate=self.can_moderate(user),
        )


@dataclass(frozen=True)
class CampaignPermissions:
    """What one member may do on one campaign's page (`can` in its templates)."""

    is_organiser: bool
    publish: bool
    edit: bool
    update: bool
    close: bool
    archive: bool
    reopen: bool
    see_content: bool  # moderators read what they review; organisers see their own campaign
    report: bool
    moderate: bool


class Organiser(models.Model):
    """A member who runs a campaign. The creator is its one owner; owners add co-organisers."""

    class Role(models.TextChoices):
        # Ordered so that "-role" lists the owner first.
        OWNER = "owner", "Owner"
        ORGANISER = "organiser", "Co-organiser"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="organisers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaigns_organised"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.ORGANISER)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="one_role_per_organiser"),
            models.UniqueConstraint(
                fields=["campaign"], condition=Q(role="owner"), name="one_owner_per_campaign"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} of campaign {self.campaign_id}"


class SupportQuerySet(models.QuerySet["Support"]):
    def named_for(self, viewer: User | AnonymousUser | None) -> SupportQuerySet:
        """Supports whose name this viewer may see, by each supporter's own choice."""
        if viewer is not None and viewer.is_authenticated:
            return self.filter(name_visibility__in=[NameVisibility.PUBLIC, NameVisibility.MEMBERS])
        return self.filter(name_visibility=NameVisibility.PUBLIC)


class Support(models.Model):
    """One member's support for one campaign, with the consent behind it.

    Withdrawing deletes the row: nothing about a former supporter's political view is kept.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaign_supports"
    )
    name_visibility = models.CharField(
        max_length=10, choices=NameVisibility.choices, default=NameVisibility.HIDDEN
    )
    support_consent_version = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now, help_text="When they consented.")
    contact_ok = models.BooleanField(default=False)
    contact_consent_version = models.CharField(max_length=40, blank=True)
    contact_consented_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = SupportQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="one_support_per_member"),
            models.CheckConstraint(
                condition=Q(contact_ok=False) | Q(contact_consented_at__isnull=False),
                name="contact_ok_has_consent_time",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "-created_at"], name="support_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} supports campaign {self.campaign_id}"

    @property
    def support_wording(self) -> ConsentText:
        return consent_wording(self.support_consent_version)

    @property
    def contact_wording(self) -> ConsentText | None:
        return consent_wording(self.contact_consent_version) if self.contact_ok else None


class CampaignChange(models.Model):
    """A material edit (who / what / why) after people signed up: what changed, why, and what
    the supporters had agreed to before, so they can judge whether to stay."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="changes")
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(max_length=300)
    fields = models.CharField(max_length=100, help_text="Which of who/what/why changed.")
    previous_target = models.CharField(max_length=Campaign.TARGET_MAX)
    previous_ask = models.TextField()
    previous_body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Change to campaign {self.campaign_id}: {self.note[:40]}"


class CampaignUpdate(models.Model):
    """News from the organisers, shown on the page and sent to supporters."""

    TITLE_MAX = 150
    BODY_MAX = 10_000

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(max_length=BODY_MAX)
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["campaign", "-created_at"], name="update_recent")]

    def __str__(self) -> str:
        return self.title


class SupporterExport(models.Model):
    """Each download of the contactable supporters: who took the data, when, and how many rows."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="exports")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    row_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Export of {self.row_count} supporters of campaign {self.campaign_id}"


class SupporterSend(models.Model):
    """A word to a campaign's supporters (an update, a change note, a closing story) that the
    worker has yet to turn into their notifications and put in the outbox
    (accounts.models.OutboundEmail).

    Saved in the transaction that posts the update, and deleted in the one that fills the outbox
    (campaigns.tasks.campaign_tell_supporters), so that a send whose task never ran (Redis was
    down when it was to be enqueued, a worker died, Redis lost its queue) is still known:
    `manage.py email_resume` enqueues it again. `key` names the send, as in the outbox.
    """

    key = models.CharField(max_length=100, unique=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    # The in-site notification (accounts.models.Notification) ...
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    # ... and the email.
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.key
