"""allauth's emails are enqueued at once (accounts/adapter.py), not on commit: that is only safe
because allauth sends them outside any transaction, after the rows they are about are saved (with
RQ, a job enqueued inside a transaction can run before it commits, or for rows rolled back). Each
flow that mails someone is run here with real commits (no test transaction), recording whether a
transaction was open when the task was enqueued. If ATOMIC_REQUESTS, or an atomic block around
one of these views, ever comes in, this fails, and the adapter must enqueue on commit instead."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tasks.signals import task_enqueued

from accounts.tasks import email_message_send
from tests.conftest import PASSWORD, force_login_fresh

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def enqueued():
    """(task, whether inside a transaction) for each task enqueued."""
    seen: list[tuple[str, bool]] = []

    def record(sender, task_result, **kwargs):
        seen.append((task_result.task.module_path, connection.in_atomic_block))

    task_enqueued.connect(record)
    yield seen
    task_enqueued.disconnect(record)


def test_every_allauth_email_is_enqueued_outside_a_transaction(
    client, member, enqueued, mailoutbox
):
    signup = {
        "username": "rosa",
        "email": "rosa@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "accept_privacy": "on",
    }
    assert client.post(reverse("account_signup"), signup).status_code == 302
    taken = {**signup, "username": "impostor", "email": member.email}  # "someone tried" email
    assert Client().post(reverse("account_signup"), taken).status_code == 302
    client.post(reverse("account_reset_password"), {"email": member.email})
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    force_login_fresh(client, member)  # changing the address asks for the password again
    client.post(reverse("account_email"), {"action_add": "", "email": "alice.new@example.org"})
    client.post(
        reverse("account_email"),
        {"action_send": "", "email": "alice.new@example.org"},
    )
    assert len(mailoutbox) >= 5
    confirm = re.search(r"/accounts/confirm-email/\S+/", mailoutbox[0].body)
    assert confirm is not None
    Client().post(confirm.group(0))  # confirming sends nothing more, but must not fail
    assert enqueued == [(email_message_send.module_path, False)] * len(mailoutbox)
