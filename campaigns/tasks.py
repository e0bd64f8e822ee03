"""Campaign work done by the worker, not in the request."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django_tasks import task

from accounts.models import User
from accounts.queueing import queued_arguments, resumer
from accounts.services import email_outbox_add
from accounts.tasks import resumable

from .models import SupporterSend


@resumable
@task
def campaign_email_supporters(campaign_id: int, key: str, subject: str, body: str) -> int:
    """Email every supporter of a campaign (with an address, and an active account) one message:
    puts them in the outbox under `key`, which the send task then delivers in batches. Running it
    twice adds no one twice. The send's SupporterSend goes in the same transaction."""
    user_ids = (
        User.objects.filter(campaign_supports__campaign_id=campaign_id, is_active=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        added = email_outbox_add(key=key, user_ids=list(user_ids), subject=subject, body=body)
        SupporterSend.objects.filter(key=key).delete()
    return added


@resumer
def supporter_sends_enqueue(cutoff: datetime) -> int:
    """Enqueue again the campaign sends recorded before `cutoff` whose emails never reached the
    outbox and whose task is not queued (never enqueued while Redis was down, lost with Redis's
    memory, or a dead worker's): for `manage.py email_resume`. Raises if the task backend can't
    take them (Redis still down). Returns how many it enqueued."""
    queued = {args[1] for args in queued_arguments(campaign_email_supporters) if len(args) > 1}
    sends = [s for s in SupporterSend.objects.filter(created_at__lte=cutoff) if s.key not in queued]
    for send in sends:
        campaign_email_supporters.enqueue(send.campaign_id, send.key, send.subject, send.body)
    return len(sends)
