"""Campaign work done by the worker (`manage.py db_worker`), not in the request."""

from __future__ import annotations

from django_tasks import task

from accounts.models import User
from accounts.services import email_outbox_add
from accounts.tasks import resumable


@resumable
@task
def campaign_email_supporters(campaign_id: int, key: str, subject: str, body: str) -> int:
    """Email every supporter of a campaign (with an address, and an active account) one message:
    puts them in the outbox under `key`, which the send task then delivers in batches. Running it
    twice adds no one twice."""
    user_ids = (
        User.objects.filter(campaign_supports__campaign_id=campaign_id, is_active=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    return email_outbox_add(key=key, user_ids=list(user_ids), subject=subject, body=body)
