"""Open and closed campaigns in sitemap.xml (forum.sitemaps has the rest)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.db.models.functions import Coalesce, Greatest

from forum.sitemaps import SITEMAP_LIMIT

from .models import Campaign


class CampaignSitemap(Sitemap):  # type: ignore[type-arg]
    limit = SITEMAP_LIMIT

    def items(self) -> QuerySet[Campaign]:
        fields = ("pk", "slug", "published_at", "edited_at", "closed_at")
        return Campaign.objects.listed().only(*fields).order_by("pk")

    def lastmod(self, item: Campaign) -> datetime | None:
        dates = [d for d in (item.published_at, item.edited_at, item.closed_at) if d]
        return max(dates) if dates else None

    def get_latest_lastmod(self) -> datetime | None:
        """lastmod()'s latest, in one aggregate (forum.sitemaps says why). Each date falls back
        to the publication, since GREATEST is NULL on SQLite when any argument is."""
        published = Coalesce("published_at", "created_at")
        changed = Greatest(
            published, Coalesce("edited_at", published), Coalesce("closed_at", published)
        )
        latest: datetime | None = Campaign.objects.listed().aggregate(last=Max(changed))["last"]
        return latest
