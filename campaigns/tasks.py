"""Campaign work done by the worker, not in the request."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django_tasks import task

from accounts.models import Delivery, User
from accounts.notifications import NotificationData, notifications_add
from accounts.preferences import category_of, deliveries
from accounts.queueing import queued_arguments, resumable, resumer
from accounts.services import email_outbox_add

from .models import SupporterSend


@resumable
@task
def campaign_tell_supporters(campaign_id: int, key: str) -> int:
    """Tell every supporter of a campaign (with an active account) about the send `key` once, in
    the site and by email: a notification each, and one message each in the outbox, which the
    send task then delivers in batches. What to say is the send's SupporterSend, deleted in the
    transaction that fills the outbox; the supporters are those when this runs, so one who
    withdrew meanwhile hears nothing. Running it twice tells no one twice. Returns how many
    members were newly notified."""
    send = (
        SupporterSend.objects.filter(key=key, campaign_id=campaign_id)
        .select_related("campaign")
        .first()
    )
    if send is None:
        return 0  # done already (a task run twice)
    supporters = list(
        User.objects.filter(campaign_supports__campaign_id=campaign_id, is_active=True)
        .order_by("pk")
        .values_list("pk", "email")
    )
    ids = [pk for pk, _ in supporters]
    # This email, with the update's whole text, goes to those who chose email straight away for
    # campaigns; those who chose the digest find it there (notifications_add marks theirs).
    wanting = deliveries(ids, category_of(send.kind).name)
    told = notifications_add(
        key=key,
        user_ids=ids,
        note=NotificationData(
            kind=send.kind,
            message=send.message,
            url=send.url,
            thread=f"campaign:{campaign_id}",
            title=send.campaign.title,
            target=f"campaigns.campaign:{campaign_id}",
        ),
        email_now=False,
    )
    with transaction.atomic():
        email_outbox_add(
            key=key,
            user_ids=[pk for pk, email in supporters if email and wanting[pk] == Delivery.EMAIL],
            subject=send.subject,
            body=send.body,
            category=category_of(send.kind).name,
        )
        SupporterSend.objects.filter(pk=send.pk).delete()
    return told


@resumer
def supporter_sends_enqueue(cutoff: datetime) -> int:
    """Enqueue again the campaign sends recorded before `cutoff` that never reached their
    supporters and whose task is not queued (never enqueued while Redis was down, lost with
    Redis's memory, or a dead worker's): for `manage.py email_resume`. Raises if the task backend
    can't take them (Redis still down). Returns how many it enqueued."""
    queued = {args[1] for args in queued_arguments(campaign_tell_supporters) if len(args) > 1}
    sends = [s for s in SupporterSend.objects.filter(created_at__lte=cutoff) if s.key not in queued]
    for send in sends:
        campaign_tell_supporters.enqueue(send.campaign_id, send.key)
    return len(sends)
