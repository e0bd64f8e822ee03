"""Private conversations: two to CONVERSATION_MAX_PEOPLE members writing to each other.

Nobody else may know a conversation exists: not other members, not moderators. A moderator may
read one message, and the two before it, only once a participant has reported it, and every such
reading is logged (ModeratorView). Messages are never in search, feeds or the public moderation log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from forum.models import AuthoredContent, Report

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

CONVERSATION_MAX_PEOPLE = 10  # the starter included


class Conversation(models.Model):
    SUBJECT_MAX = 120

    subject = models.CharField(max_length=SUBJECT_MAX)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conversations_started"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)
    message_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["started_by", "-created_at"], name="conversation_started_recent")
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk}"  # never its subject: admin lists and logs print this

    def get_absolute_url(self) -> str:
        return reverse("conversations:detail", kwargs={"pk": self.pk})


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def active(self) -> ParticipantQuerySet:
        return self.filter(left_at__isnull=True)


class Participant(models.Model):
    """A member in a conversation. Their own copy of when it last moved (`last_message_at`), so
    that their list is one indexed range however many conversations there are, and unread is a
    comparison of two columns of the row."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_places"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)
    last_read_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="one_place_per_member_per_conversation"
            )
        ]
        indexes = [
            models.Index(
                fields=["user", "-last_message_at"],
                name="participant_inbox",
                condition=Q(left_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in conversation {self.conversation_id}"

    @property
    def is_unread(self) -> bool:
        return self.last_read_at is None or self.last_read_at < self.last_message_at


class Message(AuthoredContent):
    BODY_MAX = 5_000

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages_written"
    )
    body = models.TextField(max_length=BODY_MAX, help_text="Markdown, as the author typed it.")
    body_html = models.TextField(editable=False, help_text="Sanitised HTML rendered at save.")
    created_at = models.DateTimeField(default=timezone.now)

    # Moderating a private message is between the moderators and the two sides: never in the
    # public log (forum.moderation reads this).
    MODERATION_IS_PUBLIC: ClassVar[bool] = False

    class Meta:
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="message_conversation"),
            models.Index(fields=["author", "-created_at"], name="message_author_recent"),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk}"  # never its text

    def get_absolute_url(self) -> str:
        return reverse("conversations:message", kwargs={"pk": self.pk})

    @property
    def moderation_label(self) -> str:
        return f"private message #{self.pk} by @{self.author.username}"

    @property
    def moderation_excerpt(self) -> str:
        # Lists of reports never show it: a moderator reads it on its page, which logs the reading.
        return ""

    def can_edit(self, user: User | AnonymousUser) -> bool:
        return False  # what was sent stays as sent; its author may delete it

    def is_visible_to(self, user: User | AnonymousUser) -> bool:
        """Its conversation's present members; and moderators once someone reported it."""
        if not (user is not None and user.is_authenticated):
            return False
        if Participant.objects.active().filter(conversation_id=self.conversation_id, user=user):
            return True
        if user.is_moderator:
            return Report.objects.filter(
                content_type__app_label="conversations",
                content_type__model="message",
                object_id=self.pk,
            ).exists()
        return False


class ModeratorView(models.Model):
    """A moderator read a reported message (and the two before it): who, which, when."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages_read"
    )
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="moderator_views")
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-viewed_at"]
        verbose_name = "moderator reading"

    def __str__(self) -> str:
        return f"{self.moderator_id} read message {self.message_id}"
