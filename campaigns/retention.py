"""Campaigns' retention rule: who supported a campaign closed more than RETENTION_SUPPORTERS_MONTHS
ago is forgotten. The Support rows go (the member, their name's visibility, their contact
consent); the campaign's support_count, kept on the campaign, stays, so its page still says how
many supported it. Registered with accounts.retention from CampaignsConfig.ready()."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from accounts.retention import delete_in_batches, months_ago, register_retention_rule
from forum import pagecache

from .models import Campaign, Support


def _supporters_of_closed_campaigns(now: datetime) -> QuerySet[Any]:
    return Support.objects.filter(
        campaign__status__in=[Campaign.Status.CLOSED, Campaign.Status.ARCHIVED],
        campaign__closed_at__lt=months_ago(now, settings.RETENTION_SUPPORTERS_MONTHS),
    )


def _forget_supporters(queryset: QuerySet[Any]) -> int:
    done = delete_in_batches(queryset)
    if done:
        pagecache.bump()  # campaign pages name supporters who chose to be named
    return done


def register_campaign_rules() -> None:
    register_retention_rule(
        "campaign-supporters",
        describe=lambda n: (
            f"forget {n} supporter record{'' if n == 1 else 's'} of campaigns closed more than "
            f"{settings.RETENTION_SUPPORTERS_MONTHS} months ago (the counts stay)"
        ),
        due=_supporters_of_closed_campaigns,
        act=_forget_supporters,
    )
