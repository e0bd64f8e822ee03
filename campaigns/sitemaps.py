"""Campaigns in sitemap.xml: the listed ones (open and closed; never drafts, archived or
taken-down campaigns), with only the columns their URLs and dates need."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce, Greatest

from forum.sitemaps import SITEMAP_LIMIT

from .models import Campaign


def _changed() -> Greatest:
    """When the campaign's page last changed: published, edited or closed, whichever is latest
    (Greatest of NULLs is NULL on PostgreSQL and SQLite alike, hence each Coalesce)."""
    published = Coalesce("published_at", "created_at")
    return Greatest(
        published,
        Coalesce("edited_at", published),
        Coalesce("closed_at", published),
    )


class CampaignSitemap(Sitemap[Campaign]):
    limit = SITEMAP_LIMIT

    def items(self) -> QuerySet[Campaign]:
        return Campaign.objects.listed().only("slug").annotate(changed=_changed()).order_by("pk")

    def lastmod(self, item: Campaign) -> datetime | None:
        changed: datetime | None = getattr(item, "changed", None)  # the annotation of items()
        return changed

    def get_latest_lastmod(self) -> datetime | None:
        latest: datetime | None = Campaign.objects.listed().aggregate(last=Max(_changed()))["last"]
        return latest
