"""The accounts app's background work, done by the worker (`manage.py db_worker`): email from the
outbox (OutboundEmail), and notifications (notifications_deliver).

email_send(key) sends one batch of a send's rows over one SMTP connection, one message per
member, then enqueues itself for the next batch, so a send to thousands never holds the worker
(or its graceful shutdown) for long and other tasks run in between. It is safe to run twice, or
in several workers at once: a row is claimed under a row lock before it is sent (a claim older
than EMAIL_CLAIM_TIMEOUT is taken to be a dead worker's) and marked sent as soon as the mail
server takes it, so a worker killed mid-batch repeats at most the message in flight (which keeps
its Message-ID, so mail clients can tell it is the same one).

When the mail server fails, the batch's unsent rows keep the error and the task enqueues itself
again after 1, 2, 4, 8... minutes (django-tasks has no retries of its own); after
EMAIL_MAX_ATTEMPTS attempts the send's remaining rows are marked failed, and stay listed in the
admin (accounts > Outbound emails) with their error. An address the server refuses fails alone.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from .models import OutboundEmail
from .preferences import unsubscribe_because, unsubscribe_token, unsubscribe_what
from .queueing import resumable

log = logging.getLogger(__name__)


def unsent(key: str | None = None) -> QuerySet[OutboundEmail]:
    """Rows still to send (not sent, not given up), of one send or of all."""
    rows = OutboundEmail.objects.filter(sent_at__isnull=True, failed_at__isnull=True)
    return rows if key is None else rows.filter(key=key)


def unclaimed(
    rows: QuerySet[OutboundEmail], stale_after: int | None = None
) -> QuerySet[OutboundEmail]:
    """Of these rows, those no live worker holds: never claimed, or claimed longer ago than
    stale_after seconds (EMAIL_CLAIM_TIMEOUT unless given)."""
    seconds = settings.EMAIL_CLAIM_TIMEOUT if stale_after is None else stale_after
    cutoff = timezone.now() - timedelta(seconds=seconds)
    return rows.filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=cutoff))


class EmailGivenUp(Exception):
    """Raised by a task that stops retrying, so that its task result ends FAILED."""


def retry_delay(attempt: int) -> timedelta:
    """How long after a failed attempt the next one runs: 1, 2, 4, 8, 16... minutes."""
    return timedelta(minutes=2 ** (attempt - 1))


def _claim(key: str, size: int) -> list[OutboundEmail]:
    now = timezone.now()
    with transaction.atomic():
        # SKIP LOCKED: two workers claiming at once take different rows (on SQLite, transactions
        # start IMMEDIATE, so claims queue instead).
        ids = list(
            unclaimed(unsent(key))
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        OutboundEmail.objects.filter(pk__in=ids).update(claimed_at=now)
    return list(OutboundEmail.objects.filter(pk__in=ids).select_related("user").order_by("pk"))


def _message(row: OutboundEmail) -> EmailMessage:
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    headers = {"Message-ID": f"<outbound.{row.pk}@{domain}>", "Auto-Submitted": "auto-generated"}
    body, html = row.body, row.html
    if row.category:
        # A notification email: why it came and how to stop it, in the text and in the headers
        # mail clients show as "Unsubscribe" (RFC 2369), which one POST turns off (RFC 8058).
        stop = f"{settings.SITE_URL}{reverse('accounts:unsubscribe', args=[unsubscribe_token(row.user_id, row.category)])}"
        settings_url = f"{settings.SITE_URL}{reverse('accounts:notification-settings')}"
        footer = {
            "because": unsubscribe_because(row.category),
            "what": unsubscribe_what(row.category),
            "stop_url": stop,
            "settings_url": settings_url,
        }
        if not html:  # text written by members (a campaign update): its HTML is that text, escaped
            html = render_to_string("accounts/email/plain.html", {"text": body})
        body = body.rstrip() + "\n\n" + render_to_string("accounts/email/_footer.txt", footer)
        html += render_to_string("accounts/email/_footer.html", footer)
        headers["List-Unsubscribe"] = f"<{stop}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        headers["List-Id"] = f"{settings.SITE_NAME} notifications <notifications.{domain}>"
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=body,
        to=[row.user.email],  # one member per message: no one sees another's address
        headers=headers,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def _fail_row(row: OutboundEmail, error: str) -> None:
    OutboundEmail.objects.filter(pk=row.pk).update(
        failed_at=timezone.now(), claimed_at=None, attempts=F("attempts") + 1, last_error=error
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


@resumable
@task
def email_send(key: str, attempt: int = 1) -> int:
    """Send one batch of the send `key`; return how many messages went. `attempt` counts failed
    attempts in a row (JSON arguments only: the retry passes it on)."""
    batch = _claim(key, settings.EMAIL_BATCH_SIZE)
    if not batch:
        return 0
    sent = refused = 0
    error: Exception | None = None
    try:
        with get_connection() as connection:
            for row in batch:
                if not row.user.email:
                    _fail_row(row, "The member has no email address.")
                    refused += 1
                    continue
                try:
                    count = connection.send_messages([_message(row)])
                except smtplib.SMTPRecipientsRefused as exc:
                    # This address, not the server: give up on it alone and carry on.
                    _fail_row(row, _describe(exc))
                    refused += 1
                    continue
                if count == 0:
                    raise RuntimeError("The email backend did not send the message.")
                # Marked at once, so a kill repeats at most the message in flight.
                OutboundEmail.objects.filter(pk=row.pk).update(
                    sent_at=timezone.now(), claimed_at=None, attempts=F("attempts") + 1
                )
                sent += 1
    except Exception as exc:  # the server is down, slow or refusing: all of them are retried
        error = exc
    failed = len(batch) - sent - refused
    kind = key.split(":", 1)[0]
    log.info("Email %s: %d sent, %d refused, %d failed in this batch", key, sent, refused, failed)
    if error is None:
        # Next batch (an attempt that got through starts the count again).
        if unclaimed(unsent(key)).exists():
            transaction.on_commit(partial(email_send.enqueue, key))
        return sent
    message = _describe(error)
    unsent(key).filter(pk__in=[row.pk for row in batch]).update(
        claimed_at=None, attempts=F("attempts") + 1, last_error=message
    )
    if attempt >= settings.EMAIL_MAX_ATTEMPTS:
        given_up = unsent(key).update(failed_at=timezone.now(), claimed_at=None, last_error=message)
        log.error(
            "Sending %d %s emails failed (%s, attempt %d of %d): %s. Given up on %d; they are "
            "listed as failed in the admin.",
            failed,
            kind,
            key,
            attempt,
            settings.EMAIL_MAX_ATTEMPTS,
            message,
            given_up,
        )
        # The task ends FAILED too, with the error, in the admin's task list.
        raise EmailGivenUp(f"{key}: given up on {given_up} after {attempt} attempts") from error
    log.warning(
        "Sending %d %s emails failed (%s, attempt %d of %d): %s",
        failed,
        kind,
        key,
        attempt,
        settings.EMAIL_MAX_ATTEMPTS,
        message,
    )
    if not email_send.get_backend().supports_defer:
        # The immediate backend (tests) can't wait: retrying now would only fail again.
        log.warning("Email %s: not retried, the task backend can't schedule tasks", key)
        return sent
    run_after = timezone.now() + retry_delay(attempt)
    retry = email_send.using(run_after=run_after)
    transaction.on_commit(partial(retry.enqueue, key, attempt + 1))
    log.info("Email %s: attempt %d at %s", key, attempt + 1, run_after.isoformat())
    return sent


def message_to_json(message: EmailMessage) -> dict[str, Any]:
    """An email as a task argument (tasks take JSON only)."""
    alternatives = getattr(message, "alternatives", [])
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "content_subtype": message.content_subtype,
        "alternatives": [[content, mimetype] for content, mimetype in alternatives],
    }


def message_from_json(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        headers=data["headers"],
    )
    message.content_subtype = data["content_subtype"]
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


@resumable
@task
def email_message_send(message: dict[str, Any], attempt: int = 1) -> None:
    """Send one email to one person (allauth's: address confirmation, password reset). Retried
    with the same back-off as email_send; given up, with an error in the log, after
    EMAIL_MAX_ATTEMPTS. A worker killed between the server taking it and the task finishing
    sends it again when resumed: for these messages twice is better than never."""
    try:
        message_from_json(message).send()
    except Exception as exc:
        error = _describe(exc)
        if (
            attempt >= settings.EMAIL_MAX_ATTEMPTS
            or not email_message_send.get_backend().supports_defer
        ):
            log.error(
                "Sending an email to %s failed (attempt %d of %d), given up: %s",
                ", ".join(message["to"]),
                attempt,
                settings.EMAIL_MAX_ATTEMPTS,
                error,
            )
            # The task ends FAILED, with the error, in the admin's task list.
            raise EmailGivenUp(f"given up after {attempt} attempts: {error}") from exc
        log.warning(
            "Sending an email to %s failed (attempt %d of %d): %s",
            ", ".join(message["to"]),
            attempt,
            settings.EMAIL_MAX_ATTEMPTS,
            error,
        )
        retry = email_message_send.using(run_after=timezone.now() + retry_delay(attempt))
        transaction.on_commit(partial(retry.enqueue, message, attempt + 1))


# Retention ---------------------------------------------------------------------------------------

PRUNE_BATCH_SIZE = 5000


def _delete_in_batches(rows: QuerySet[Any]) -> int:
    """Delete rows a batch at a time, so no delete holds locks on a big table for long."""
    deleted = 0
    while True:
        ids = list(rows.order_by("pk").values_list("pk", flat=True)[:PRUNE_BATCH_SIZE])
        if not ids:
            return deleted
        deleted += rows.model.objects.filter(pk__in=ids).delete()[0]


@task
def retention_prune() -> dict[str, int]:
    """Delete what is kept only for a while: outbox rows sent or given up more than
    EMAIL_RETENTION_DAYS ago, and (on the database task backend) finished task results older
    than TASK_RESULT_RETENTION_DAYS, failed ones after TASK_FAILED_RETENTION_DAYS. Safe to run
    twice or in two workers at once: it only deletes. Enqueued by `manage.py housekeeping`."""
    now = timezone.now()
    cutoff = now - timedelta(days=settings.EMAIL_RETENTION_DAYS)
    # A row is made before it is sent, so created_at (indexed) narrows the search.
    emails = _delete_in_batches(
        OutboundEmail.objects.filter(created_at__lt=cutoff).filter(
            Q(sent_at__lt=cutoff) | Q(failed_at__lt=cutoff)
        )
    )
    results = 0
    finished = DBTaskResult.objects.filter(finished_at__isnull=False)
    results += _delete_in_batches(
        finished.filter(status="SUCCESSFUL").filter(
            finished_at__lt=now - timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
        )
    )
    results += _delete_in_batches(
        finished.filter(status="FAILED").filter(
            finished_at__lt=now - timedelta(days=settings.TASK_FAILED_RETENTION_DAYS)
        )
    )
    log.info("Retention: deleted %d outbox rows and %d task results", emails, results)
    return {"outbound_emails": emails, "task_results": results}


@task
def retention_apply() -> dict[str, int]:
    """Apply every retention rule (accounts.retention): `manage.py retention --enqueue`, or a
    scheduler's daily job."""
    from .retention import retention_run

    return {outcome.rule.name: outcome.count for outcome in retention_run(apply=True)}
