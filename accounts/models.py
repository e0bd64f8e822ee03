from __future__ import annotations

import os
from collections.abc import Collection
from typing import Any, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .links import fast_reverse
from .validators import (
    USERNAME_RULE,
    UsernameCharactersValidator,
    username_skeleton,
    validate_username_available,
)


class UsernameSkeletonField(models.CharField[str | None, str | None]):
    """Filled from the username on insert (bulk_create too: Django calls pre_save there) and when
    the username changes, so the look-alike check is one lookup on a unique index."""

    # Any: a User, or the historical model of one in a migration (which is not this class).
    def pre_save(self, model_instance: Any, add: bool) -> str | None:
        # getattr: migrations' historical models have no _loaded_username.
        if add or model_instance.username != getattr(model_instance, "_loaded_username", None):
            setattr(model_instance, self.attname, username_skeleton(model_instance.username))
        value: str | None = super().pre_save(model_instance, add)
        return value


class User(AbstractUser):
    """A member. Profile fields live here so rendering an author never needs a second join."""

    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text=USERNAME_RULE,
        validators=[UsernameCharactersValidator()],
        error_messages={"unique": "A member with that username already exists."},
    )
    # username_skeleton(username): the same for usernames that look alike (accounts.validators).
    # Null only for members who already had a look-alike's skeleton when it was introduced.
    username_skeleton = UsernameSkeletonField(
        max_length=150, unique=True, null=True, editable=False
    )
    display_name = models.CharField(
        max_length=60,
        blank=True,
        help_text="How your name appears. Leave blank to use your username.",
    )
    bio = models.TextField(max_length=1000, blank=True)
    privacy_accepted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the member accepted the privacy notice at sign-up."
    )
    # Denormalised so the header can show it without a query on every page.
    unread_notifications = models.PositiveIntegerField(default=0, editable=False)
    # A suspended member can read and log in, but not post, reply, vote, support, report or message.
    # (A ban is is_active=False: no log-in at all.)
    suspended_until = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=300, blank=True)
    # Set when the account was deleted (accounts.services.account_delete): the row stays, scrubbed
    # of everything personal, so the threads it wrote in stay whole under "[deleted member]".
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    # AbstractUser's first_name/last_name are never asked for: we collect the minimum.

    # Django documents inheriting an abstract base's Meta; django-stubs doesn't declare this one.
    class Meta(AbstractUser.Meta):  # type: ignore[name-defined,misc]
        # Held by the Moderators group (accounts.permissions): the admin's suspend/ban actions.
        permissions = [("moderate_member", "Can suspend and ban members")]

    # The username as loaded, so a save recomputes the skeleton only when the username changed.
    _loaded_username: str | None = None

    def __str__(self) -> str:
        return self.username

    @classmethod
    def from_db(cls, db: str | None, field_names: Collection[str], values: Collection[Any]) -> Self:
        instance = super().from_db(db, field_names, values)
        if "username" in field_names:
            instance._loaded_username = instance.username
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_skeleton"}
        super().save(*args, **kwargs)
        self._loaded_username = self.username

    def clean(self) -> None:
        super().clean()  # Django's: NFKC-normalises the username
        # Wherever a username is chosen or changed through a form (the admin's included): not a
        # look-alike of another member's. Reserved names stay open to staff in the admin.
        if self.username != self._loaded_username:
            try:
                validate_username_available(self.username, exclude_pk=self.pk, allow_reserved=True)
            except ValidationError as error:
                raise ValidationError({"username": error}) from None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def name(self) -> str:
        if self.deleted_at is not None:
            return DELETED_MEMBER
        return self.display_name or self.username

    def get_absolute_url(self) -> str:
        return fast_reverse("accounts:profile", self.username)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()

    @property
    def is_moderator(self) -> bool:
        if self.is_superuser:
            return True
        # Group names are cached per instance: templates ask this repeatedly.
        if not hasattr(self, "_group_names"):
            self._group_names = set(self.groups.values_list("name", flat=True))
        return MODERATORS_GROUP in self._group_names


MODERATORS_GROUP = "Moderators"

# What stands for a deleted account's name wherever its posts, comments and messages still show.
DELETED_MEMBER = "[deleted member]"


def user_display(user: User) -> str:
    """allauth's ACCOUNT_USER_DISPLAY: the name shown in its pages and emails."""
    return user.name


class Visibility(models.TextChoices):
    PUBLIC = "public", "Everyone"
    MEMBERS = "members", "Logged-in members only"
    PRIVATE = "private", "Only me"


class AffiliationQuerySet(models.QuerySet["Affiliation"]):
    def visible_to(self, viewer: User | AnonymousUser | None) -> AffiliationQuerySet:
        if viewer is None or not viewer.is_authenticated:
            return self.filter(visibility=Visibility.PUBLIC)
        return self.filter(
            Q(visibility__in=[Visibility.PUBLIC, Visibility.MEMBERS]) | Q(user=viewer)
        )


class Affiliation(models.Model):
    """A party branch or trade union a member chose to share.

    Political opinion and trade-union membership are special-category data (UK GDPR art. 9): each row
    exists only because the member opted in, records when they consented, and carries their choice of who
    may see it. Deleting the row is how consent is withdrawn.
    """

    class Kind(models.TextChoices):
        BRANCH = "branch", "Party branch"
        UNION = "union", "Trade union"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="affiliations")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=120)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    consented_at = models.DateTimeField()

    objects = AffiliationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_affiliation_per_kind"),
        ]
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class Delivery(models.TextChoices):
    """How a member hears of one category of notification (accounts.preferences)."""

    EMAIL = "email", "In the site and by email, straight away"
    DIGEST = "digest", "In the site and in a daily email digest"
    SITE = "site", "In the site only"
    OFF = "off", "Not at all"


class NotificationPreference(models.Model):
    """A member's choice for one category (accounts.preferences.CATEGORIES); no row: the default."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    category = models.CharField(max_length=20)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="one_preference_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.category} {self.delivery}"


class BlockQuerySet(models.QuerySet["Block"]):
    def between(self, a_id: int, b_id: int) -> BlockQuerySet:
        """Blocks either way between two members."""
        return self.filter(
            Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)
        )


class Block(models.Model):
    """`blocker` hears nothing from `blocked`: no messages, and no notification of anything they do."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(default=timezone.now)

    objects = BlockQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="one_block_per_pair"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="no_self_block"),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Notification(models.Model):
    """Something a member should know: a reply, a mention, a campaign update, a message.

    Made only by accounts.notifications.notifications_add (through notification_send and the
    task it enqueues, or an app's own fan-out task), which also keeps User.unread_notifications
    and decides from the member's preference whether it is emailed, and how.
    """

    class Email(models.TextChoices):
        NONE = "", "Not emailed"
        NOW = "now", "Emailed straight away (grouped by thread)"
        DIGEST = "digest", "In the daily digest"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    # accounts.preferences: which of the member's choices governs it.
    category = models.CharField(max_length=20, blank=True, default="")
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    # Who did it (None for the site's own, and moderators': blocking a moderator hides nothing).
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    excerpt = models.CharField(max_length=300, blank=True, default="")
    # The thread it belongs to ("post:42") and its title: emails group by it.
    thread = models.CharField(max_length=100, blank=True, default="")
    title = models.CharField(max_length=200, blank=True, default="")
    # What it is about ("forum.comment:7"): withdrawn if that is removed before anyone reads it.
    target = models.CharField(max_length=100, blank=True, default="")
    # Names the event ("campaign:42:update:7"): a member gets at most one notification per key,
    # so the task that delivers them can run twice (a retry, a resumed worker) and add nothing.
    key = models.CharField(max_length=100, blank=True, default="", editable=False)
    email = models.CharField(max_length=10, choices=Email.choices, blank=True, default="")
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_inbox"),
            # Emails still to make: a member's grouped email, and who is due a digest.
            models.Index(
                fields=["email", "created_at"],
                name="notification_email_pending",
                condition=~Q(email="") & Q(emailed_at__isnull=True),
            ),
            models.Index(fields=["target"], name="notification_target", condition=~Q(target="")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "user"], condition=~Q(key=""), name="notification_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.message[:40]}"


class OutboundEmail(models.Model):
    """One email to one member, waiting in the outbox or sent: what the worker delivers.

    `key` names the send ("campaign:42:update:7"): a send puts at most one row per member under
    its key (a constraint), so making the rows twice adds nothing, and a row is marked sent as soon
    as the mail server takes it, so sending twice repeats nothing. Created and sent only through
    accounts.services.email_outbox_add and accounts.tasks.email_send.
    """

    key = models.CharField(max_length=100)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="outbound_emails")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(
        blank=True, help_text="The HTML part, if any (made from our templates)."
    )
    # A notification email's category (accounts.preferences): it gets the footer saying why and
    # the one-click List-Unsubscribe headers for it. Blank for other mail.
    category = models.CharField(max_length=20, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    # Set by the worker sending it; a claim older than EMAIL_CLAIM_TIMEOUT is a dead worker's.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set when sending is given up (after EMAIL_MAX_ATTEMPTS, or an address the server refuses).
    failed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "user"], name="one_outbound_email_per_send"),
        ]
        indexes = [
            # The worker's claim: a send's rows still to go.
            models.Index(
                fields=["key", "id"],
                name="outbound_email_unsent",
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
            ),
            # The admin's newest-first list, and the retention job's oldest-first deletes.
            models.Index(fields=["created_at"], name="outbound_email_created"),
        ]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.key} to {self.user_id}"

    @property
    def status(self) -> str:
        if self.sent_at:
            return "sent"
        if self.failed_at:
            return "failed"
        return "waiting"


class DataExportStorage(FileSystemStorage):
    """Where members' data exports are written: settings.DATA_EXPORT_ROOT, read at each use (so
    tests and deployments can move it), never MEDIA_ROOT, and with no URL: a file goes out only
    through accounts.views.data_export_download."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def base_location(self) -> str:
        return str(settings.DATA_EXPORT_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> str:
        raise ValueError("Data exports have no URL: they go out through the download view.")

    def url(self, name: str | None) -> str:
        raise ValueError("Data exports have no URL: they go out through the download view.")


def data_export_storage() -> DataExportStorage:
    return DataExportStorage()


class DataExport(models.Model):
    """A copy of everything held about a member, prepared on request (accounts.exports): a zip
    with data.json and README.txt, downloadable by the member alone until `expires_at`, then
    deleted (the "data-exports" retention rule)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Being prepared"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Could not be prepared"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(storage=data_export_storage, blank=True, max_length=200)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="data_export_recent")]

    def __str__(self) -> str:
        return f"Data export {self.pk} of {self.user_id} ({self.status})"

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == self.Status.READY
            and bool(self.file)
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )

    def delete_file(self) -> None:
        """Remove the zip from disk (the row keeps nothing else worth hiding)."""
        if self.file:
            self.file.storage.delete(self.file.name)
