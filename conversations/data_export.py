"""Conversations' section of a member's data export (accounts.data_export): the private
conversations they take part in (or left), with the messages they sent and received there.

Only what the member could read: the other participants' usernames, and their messages up to
when the member left. Another member's message that was deleted or removed shows as the site
shows it (a placeholder); the member's own messages are as they wrote them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accounts.data_export import CHUNK, iso, register_export_section
from accounts.models import User

from .models import Message, Participant


def _conversations(user: User) -> list[dict[str, Any]]:
    places = {
        place.conversation_id: place
        for place in Participant.objects.filter(user=user)
        .select_related("conversation", "conversation__started_by")
        .iterator(chunk_size=CHUNK)
    }
    if not places:
        return []
    people: dict[int, list[str]] = {}
    for conversation_id, username in (
        Participant.objects.filter(conversation_id__in=places)
        .order_by("joined_at", "pk")
        .values_list("conversation_id", "user__username")
        .iterator(chunk_size=CHUNK)
    ):
        people.setdefault(conversation_id, []).append(username)
    # A member who left reads nothing written after they left.
    readable = Q()
    for conversation_id, place in places.items():
        if place.left_at is None:
            readable |= Q(conversation_id=conversation_id)
        else:
            readable |= Q(conversation_id=conversation_id, created_at__lte=place.left_at)
    messages: dict[int, list[dict[str, Any]]] = {}
    rows = (
        Message.objects.filter(conversation_id__in=list(places))
        .filter(readable)
        .select_related("author")
        .order_by("conversation_id", "created_at", "pk")
    )
    for message in rows.iterator(chunk_size=CHUNK):
        own = message.author_id == user.pk
        messages.setdefault(message.conversation_id, []).append(
            {
                "from": message.author.username,
                "sent_by_you": own,
                "body": message.body
                if own or message.is_visible
                else message.moderation_placeholder,
                "state": message.state,
                "created_at": iso(message.created_at),
            }
        )
    return [
        {
            "subject": place.conversation.subject,
            "started_by": place.conversation.started_by.username,
            "started_at": iso(place.conversation.created_at),
            "participants": people.get(conversation_id, []),
            "you_joined_at": iso(place.joined_at),
            "you_left_at": iso(place.left_at),
            "messages": messages.get(conversation_id, []),
        }
        for conversation_id, place in sorted(
            places.items(), key=lambda item: item[1].conversation.created_at
        )
    ]


def register_conversation_export_sections() -> None:
    register_export_section(
        "conversations",
        _conversations,
        description="Your private conversations: their subject, who takes part (usernames), and "
        "the messages you sent and received there.",
        position=30,
    )
