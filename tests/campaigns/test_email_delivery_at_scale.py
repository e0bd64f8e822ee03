"""5,000 supporters (PostgreSQL, a real worker process): posting an update costs the request the
same queries as for 10 supporters, and the worker, killed part-way through and restarted after
`email_resume`, delivers exactly 5,000 messages, one to each supporter, none twice."""

import email
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import OutboundEmail, User
from accounts.tasks import email_send
from campaigns.models import SUPPORT_CONSENT, Campaign, Support
from tests.conftest import DATABASE_TASKS, make_member, requires_postgres

from . import factories

pytestmark = [
    requires_postgres,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parents[2]
MANY = 5_000
HANG_AFTER = 2_345  # messages written before the first worker hangs, mid-batch, to be killed
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what Django's file backend writes after each message


def with_supporters(owner, n: int, prefix: str) -> Campaign:
    campaign = factories.campaign(owner)
    now = timezone.now()
    users = User.objects.bulk_create(
        User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.org", password="!")
        for i in range(n)
    )
    Support.objects.bulk_create(
        Support(
            campaign=campaign,
            user=user,
            support_consent_version=SUPPORT_CONSENT.version,
            created_at=now,
            updated_at=now,
        )
        for user in users
    )
    Campaign.objects.filter(pk=campaign.pk).update(support_count=n)
    return campaign


def post_update(client: Client, campaign: Campaign, title: str) -> int:
    url = reverse("campaigns:update-create", args=[campaign.slug])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"title": title, "body": "We met the Treasurer."})
    assert response.status_code == 302, response.content.decode()[:500]
    return len(queries)


WORKER = ["manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"]


def worker(env: dict[str, str], log) -> subprocess.Popen:
    """`manage.py db_worker --batch`: runs every task there is, then exits."""
    return subprocess.Popen(
        [sys.executable, *WORKER, "--interval", "0"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def messages_on_disk(folder: Path) -> list[email.message.Message]:
    found = []
    for path in sorted(folder.iterdir()):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk))
    return found


def test_an_update_to_5000_supporters_is_constant_for_the_request_and_sent_once_each(
    settings, tmp_path
):
    settings.TASKS = DATABASE_TASKS
    owner = make_member("olu")
    small = with_supporters(owner, 10, "few")
    big = with_supporters(owner, MANY, "many")
    client = Client()
    client.force_login(owner)
    client.get(reverse("campaigns:update-create", args=[small.slug]))  # session warm

    started = time.monotonic()
    queries_small = post_update(client, small, "To ten")
    small_took = time.monotonic() - started
    started = time.monotonic()
    queries_big = post_update(client, big, "To five thousand")
    big_took = time.monotonic() - started
    assert queries_big == queries_small
    # The request only enqueued: no outbox rows, no email, one task per update.
    assert not OutboundEmail.objects.exists()
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    assert big_took < small_took + 3, (small_took, big_took)  # notifications are one INSERT

    mail_dir = tmp_path / "mail"
    hang_file = tmp_path / "hanging"
    log_path = tmp_path / "worker.log"
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "grassroots.settings",
        "TASKS_BACKEND": "database",  # db_worker's backend, even when REDIS_URL is set
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "EMAIL_BACKEND": "tests.campaigns.mail_backends.FileHangingAfter",
        "EMAIL_FILE_PATH": str(mail_dir),
        "LOG_LEVEL": "WARNING",
    }

    hang = {"EMAIL_HANG_AFTER": str(HANG_AFTER), "EMAIL_HANG_FILE": str(hang_file)}
    with log_path.open("ab") as log:
        first = worker(env | hang, log)
        deadline = time.monotonic() + 40
        while not hang_file.exists():
            assert first.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # mid-message, mid-batch, mid-task: no clean-up at all
        first.wait()

    sent = OutboundEmail.objects.filter(sent_at__isnull=False).count()
    assert sent == HANG_AFTER  # both sends' (10 first): each message marked as it went
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 1  # what the kill left
    assert OutboundEmail.objects.filter(sent_at=None, claimed_at__isnull=False).exists()

    call_command("email_resume", stale_after=0)
    # And two workers at once, each following a chain of batches of the same send: the row
    # claims keep them apart.
    key = OutboundEmail.objects.filter(user__username="many0").values_list("key", flat=True)[0]
    email_send.enqueue(key)
    with log_path.open("ab") as log:
        workers = [worker(env, log), worker(env, log)]
        assert [w.wait(timeout=60) for w in workers] == [0, 0], log_path.read_text()

    messages = messages_on_disk(mail_dir)
    recipients = [m["To"] for m in messages if m["To"].startswith("many")]
    assert len(recipients) == MANY
    assert len(set(recipients)) == MANY  # none twice
    assert set(recipients) == {f"many{i}@example.org" for i in range(MANY)}
    assert len(messages) == MANY + 10
    assert len({m["Message-ID"] for m in messages}) == len(messages)
    assert OutboundEmail.objects.filter(sent_at=None).count() == 0
    assert OutboundEmail.objects.count() == MANY + 10
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
