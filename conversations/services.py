"""Every write to conversations and messages. Views call these; nothing writes these rows elsewhere.

Lock order: the conversation's row, then the writing member's (forum.services' rule: the thing,
then the member), so a member's rate limits hold under concurrent requests and two messages to one
conversation are counted in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Block, User
from accounts.services import (
    notification_send,
    notifications_mark_thread_read,
    notifications_withdraw,
)
from forum import limits
from forum.markup import render_markdown
from forum.models import ContentState
from forum.services import ActionRefused, check_links, check_rate, ensure_can_participate

from .models import CONVERSATION_MAX_PEOPLE, Conversation, Message, ModeratorView, Participant

MESSAGE_RATES = [
    limits.Rate(10, timedelta(minutes=1), "at most 10 messages a minute"),
    limits.Rate(200, timedelta(days=1), "at most 200 messages a day"),
]
NEW_MEMBER_MESSAGE_RATES = [
    limits.Rate(3, timedelta(minutes=1), "at most 3 messages a minute in your first day"),
    limits.Rate(30, timedelta(days=1), "at most 30 messages a day in your first day"),
]
# In their first day a member may start conversations with at most this many different people.
NEW_MEMBER_PEOPLE_PER_DAY = 3


def thread_of(conversation: Conversation | int) -> str:
    """The notifications' thread name: one email per conversation per interval."""
    pk = conversation if isinstance(conversation, int) else conversation.pk
    return f"conversation:{pk}"


def target_of(message: Message) -> str:
    return f"conversations.message:{message.pk}"


def _lock_member(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _refuse_blocked(actor: User, others: Sequence[User]) -> None:
    """No message either way between members where one blocked the other. The refusal doesn't
    say who blocked whom."""
    ids = [other.pk for other in others]
    blocks = Block.objects.filter(blocker=actor, blocked_id__in=ids) | Block.objects.filter(
        blocker_id__in=ids, blocked=actor
    )
    ids_blocked = {pk for pair in blocks.values_list("blocker_id", "blocked_id") for pk in pair}
    names = sorted(other.username for other in others if other.pk in ids_blocked)
    if names:
        listed = ", ".join(f"@{name}" for name in names)
        raise ActionRefused(f"You and {listed} can't send each other messages.")


def _check_limits(actor: User, body_html: str) -> None:
    check_rate(
        actor,
        Message.objects.filter(author=actor),
        rates=MESSAGE_RATES,
        new_member_rates=NEW_MEMBER_MESSAGE_RATES,
        doing="sending messages",
    )
    check_links(actor, body_html)


def _check_new_people(actor: User, recipients: Sequence[User]) -> None:
    """New members can't start conversations with many strangers: spam's other shape."""
    if not (settings.FORUM_RATE_LIMITS and limits.is_new_member(actor)):
        return
    since = timezone.now() - timedelta(days=1)
    already = set(
        Participant.objects.filter(
            conversation__started_by=actor, conversation__created_at__gte=since
        )
        .exclude(user=actor)
        .values_list("user_id", flat=True)
    )
    people = already | {member.pk for member in recipients}
    if len(people) > NEW_MEMBER_PEOPLE_PER_DAY:
        raise ActionRefused(
            f"In their first day new members can start conversations with at most "
            f"{NEW_MEMBER_PEOPLE_PER_DAY} people. Your text is still here: write to fewer people, "
            "or try again tomorrow."
        )


def _message_add(conversation: Conversation, actor: User, body: str, body_html: str) -> Message:
    """The message, the counters, and the others told (after commit)."""
    message = Message.objects.create(
        conversation=conversation, author=actor, body=body, body_html=body_html
    )
    now = message.created_at
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=now, message_count=F("message_count") + 1
    )
    places = Participant.objects.active().filter(conversation=conversation)
    places.update(last_message_at=now)
    places.filter(user=actor).update(last_read_at=now)  # one's own message is read
    others = list(User.objects.filter(conversation_places__in=places.exclude(user=actor)))
    notification_send(
        recipients=others,
        kind="message",
        message=f"{actor.name} sent you a private message: “{conversation.subject[:80]}”",
        url=message.get_absolute_url(),
        key=f"message:{message.pk}",
        actor=actor,
        excerpt=body[:300],
        thread=thread_of(conversation),
        title=conversation.subject,
        target=target_of(message),
    )
    return message


@transaction.atomic
def conversation_start(
    *, actor: User, recipients: Sequence[User], subject: str, body: str
) -> Conversation:
    """Start a conversation with one or more members and send its first message. The same
    conversation started moments ago (a double-clicked button) is returned instead of a second."""
    ensure_can_participate(actor)
    subject = subject.strip()
    others = sorted(
        {member.pk: member for member in recipients if member.pk != actor.pk}.values(),
        key=lambda member: member.pk,
    )
    if not others:
        raise ActionRefused("Choose at least one member to write to (not yourself).")
    if len(others) + 1 > CONVERSATION_MAX_PEOPLE:
        raise ActionRefused(
            f"A conversation can have at most {CONVERSATION_MAX_PEOPLE} people, you included."
        )
    if not subject:
        raise ActionRefused("Give the conversation a subject.")
    if inactive := [member for member in others if not member.is_active]:
        raise ActionRefused(f"@{inactive[0].username} can't receive messages.")
    _lock_member(actor)
    recent = Conversation.objects.filter(
        started_by=actor,
        subject=subject,
        created_at__gte=timezone.now() - limits.DOUBLE_SUBMIT_WINDOW,
        messages__body=body,
    )
    wanted = {actor.pk, *(member.pk for member in others)}
    for conversation in recent:
        if set(conversation.participants.values_list("user_id", flat=True)) == wanted:
            return conversation
    _refuse_blocked(actor, others)
    body_html = render_markdown(body)
    _check_limits(actor, body_html)
    _check_new_people(actor, others)
    conversation = Conversation.objects.create(subject=subject, started_by=actor)
    Participant.objects.bulk_create(
        Participant(conversation=conversation, user_id=pk) for pk in sorted(wanted)
    )
    _message_add(conversation, actor, body, body_html)
    return conversation


def _lock_place(conversation: Conversation, actor: User) -> tuple[Conversation, Participant]:
    """The conversation locked, and the actor's place in it (refused if they have none)."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    place = Participant.objects.active().filter(conversation=conversation, user=actor).first()
    if place is None:
        raise ActionRefused("You are not in this conversation.")
    return conversation, place


@transaction.atomic
def message_send(*, conversation: Conversation, actor: User, body: str) -> Message:
    """Write in a conversation one is in. An identical message moments ago is returned instead."""
    ensure_can_participate(actor)
    conversation, _ = _lock_place(conversation, actor)
    _lock_member(actor)
    duplicate = Message.objects.filter(
        conversation=conversation,
        author=actor,
        body=body,
        created_at__gte=timezone.now() - limits.DOUBLE_SUBMIT_WINDOW,
    ).first()
    if duplicate is not None:
        return duplicate
    others = list(
        User.objects.filter(
            conversation_places__conversation=conversation,
            conversation_places__left_at__isnull=True,
        ).exclude(pk=actor.pk)
    )
    if not others:
        raise ActionRefused("Everyone else has left this conversation: start a new one.")
    _refuse_blocked(actor, others)
    body_html = render_markdown(body)
    _check_limits(actor, body_html)
    return _message_add(conversation, actor, body, body_html)


@transaction.atomic
def message_delete(*, message: Message, actor: User) -> Message:
    """The author deletes a message: a placeholder stays in its place, the text goes, and so do
    the unread notifications of it."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if not message.is_owned_by(actor):
        raise ActionRefused("You can only delete your own messages.")
    if not message.is_visible:
        raise ActionRefused("This message is already gone.")
    message.state = ContentState.DELETED
    message.body = message.body_html = ""
    message.save(update_fields=["state", "body", "body_html"])
    notifications_withdraw(target=target_of(message))
    return message


@transaction.atomic
def conversation_leave(*, conversation: Conversation, actor: User) -> Participant:
    """Leave a conversation: it goes from one's list, nothing more reaches one from it, and the
    others see that one left. (Suspended members may leave: it only quietens things.)"""
    conversation, place = _lock_place(conversation, actor)
    place.left_at = timezone.now()
    place.save(update_fields=["left_at"])
    notifications_mark_thread_read(actor=actor, thread=thread_of(conversation))
    return place


def conversation_mark_read(*, conversation: Conversation, actor: User) -> None:
    """The member opened the conversation: it and its notifications are read."""
    Participant.objects.filter(conversation=conversation, user=actor).update(
        last_read_at=timezone.now()
    )
    if actor.unread_notifications:  # the common case, no unread bell, takes no lock
        notifications_mark_thread_read(actor=actor, thread=thread_of(conversation))


@transaction.atomic
def moderator_view_record(*, message: Message, actor: User) -> ModeratorView:
    """Log that a moderator read a reported message (the view refuses everyone else first)."""
    if not (actor.is_moderator and message.is_visible_to(actor)):
        raise ActionRefused("Only moderators can read reported messages.")
    return ModeratorView.objects.create(moderator=actor, message=message)


def account_delete_conversations(user: User, *, erase_content: bool) -> None:
    """conversations' part of deleting an account (accounts.services.account_delete calls it,
    holding the member's row lock): they leave every conversation they are in; their messages stay
    for the others, under "[deleted member]", unless `erase_content`: then each is erased as
    message_delete does (a removed one keeps its state). Conversations locked in pk order."""
    places = set(
        Participant.objects.filter(user=user).values_list("conversation_id", flat=True)
    ) | set(Message.objects.filter(author=user).values_list("conversation_id", flat=True))
    now = timezone.now()
    for conversation_id in sorted(places):
        Conversation.objects.select_for_update().filter(pk=conversation_id).values("pk").first()
        Participant.objects.active().filter(conversation_id=conversation_id, user=user).update(
            left_at=now
        )
        if not erase_content:
            continue
        for message in Message.objects.filter(conversation_id=conversation_id, author=user):
            if message.state != ContentState.REMOVED:
                message.state = ContentState.DELETED
            message.body = message.body_html = ""
            message.save(update_fields=["state", "body", "body_html"])
            notifications_withdraw(target=target_of(message))
