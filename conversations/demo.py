"""A demo conversation, so `make run` shows private messages: alice and olu arrange to meet at
conference (the thing members once did in public comments, email addresses and all).

Made through conversations.services, with rate limits off, on behalf of members the accounts demo
made, so its notifications are queued as any message's are (the worker beside `make run` writes
them). Idempotent: when the conversation exists it prints one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.test import override_settings

from accounts.models import User

from . import services
from .models import Conversation

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

SUBJECT = "Meeting up at conference"
LINES = [
    (
        "alice",
        "Are you at conference on Sunday? I'd like to talk through the finance motion before the vote.",
    ),
    (
        "olu",
        "Yes, all weekend. The café by the main hall at **10:30**? Bring the branch's amendments.",
    ),
    ("alice", "Perfect, see you there."),
]


def build_demo(stdout: SupportsWrite[str]) -> None:
    if Conversation.objects.filter(subject=SUBJECT).exists():
        stdout.write("Demo conversation already there.\n")
        return
    members = {u.username: u for u in User.objects.filter(username__in={"alice", "olu"})}
    if len(members) < 2:
        return  # the accounts demo didn't run
    with override_settings(FORUM_RATE_LIMITS=False):
        first, *rest = LINES
        conversation = services.conversation_start(
            actor=members[first[0]], recipients=[members["olu"]], subject=SUBJECT, body=first[1]
        )
        for username, body in rest:
            services.message_send(conversation=conversation, actor=members[username], body=body)
    stdout.write("Demo conversation: alice and olu (log in as either to read it).\n")
