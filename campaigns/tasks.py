"""Campaign work done by the worker (`manage.py db_worker`), not in the request."""

from __future__ import annotations

from django_tasks import task

from accounts.models import User
from accounts.services import email_outbox_add, notifications_add
from accounts.tasks import resumable


@resumable
@task
def campaign_tell_supporters(
    campaign_id: int, key: str, kind: str, message: str, url: str, subject: str, body: str
) -> int:
    """Tell every supporter of a campaign (with an active account) once, in the site and by
    email: a notification each, and one message each in the outbox under `key`, which the send
    task then delivers in batches. The supporters are those when this runs, so one who withdrew
    meanwhile hears nothing. Running it twice tells no one twice. Returns how many were told."""
    user_ids = list(
        User.objects.filter(campaign_supports__campaign_id=campaign_id, is_active=True)
        .order_by("pk")
        .values_list("pk", "email")
    )
    told = notifications_add(
        key=key, user_ids=[pk for pk, _ in user_ids], kind=kind, message=message, url=url
    )
    email_outbox_add(
        key=key, user_ids=[pk for pk, email in user_ids if email], subject=subject, body=body
    )
    return told
