"""The forum's part of sitemap.xml: its sections and its listed posts (published, standing).

Each page of a sitemap is read in two queries (a count and a page of rows) with only the columns
its URLs need, and each sitemap's latest lastmod (for the index) in one aggregate: Django's
default would load every row to find it.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q, QuerySet

from .models import ContentState, Post, Section

SITEMAP_LIMIT = 5_000

_LISTED = Q(posts__status=Post.Status.PUBLISHED, posts__state=ContentState.VISIBLE)


class SectionSitemap(Sitemap[Section]):
    limit = SITEMAP_LIMIT

    def items(self) -> QuerySet[Section]:
        return (
            Section.objects.only("slug")
            .annotate(last_post_activity=Max("posts__last_activity_at", filter=_LISTED))
            .order_by("pk")
        )

    def lastmod(self, item: Section) -> datetime | None:
        last: datetime | None = getattr(item, "last_post_activity", None)
        return last

    def get_latest_lastmod(self) -> datetime | None:
        return PostSitemap().get_latest_lastmod()


class PostSitemap(Sitemap[Post]):
    limit = SITEMAP_LIMIT

    def items(self) -> QuerySet[Post]:
        # pk order: a post keeps its page as others are published.
        return Post.objects.listed().only("pk", "slug", "last_activity_at").order_by("pk")

    def lastmod(self, item: Post) -> datetime:
        # A new comment changes the page as much as an edit does.
        return item.last_activity_at

    def get_latest_lastmod(self) -> datetime | None:
        latest: datetime | None = Post.objects.listed().aggregate(last=Max("last_activity_at"))[
            "last"
        ]
        return latest
