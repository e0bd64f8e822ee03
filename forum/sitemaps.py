"""sitemap.xml (Django's sitemaps framework): the sections and every published post that stands,
in pages of SITEMAP_LIMIT under one index, so a large forum's map is many small files."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q, QuerySet
from django.urls import reverse

from .models import ContentState, Post, Section

SITEMAP_LIMIT = 5000

# The index asks each sitemap for its latest lastmod; Django's default would load every row and
# call lastmod() on each (a million posts on each fetch of /sitemap.xml), so each answers with
# one aggregate instead.
_LISTED_POSTS = Q(posts__status=Post.Status.PUBLISHED, posts__state=ContentState.VISIBLE)


class SectionSitemap(Sitemap):  # type: ignore[type-arg]
    changefreq = "hourly"

    def items(self) -> QuerySet[Section]:
        last = Max("posts__last_activity_at", filter=_LISTED_POSTS)
        return Section.objects.annotate(last_activity_at=last).order_by("position", "pk")

    def lastmod(self, item: Section) -> datetime | None:
        last: datetime | None = getattr(item, "last_activity_at", None)  # items()' annotation
        return last

    def get_latest_lastmod(self) -> datetime | None:
        return PostSitemap().get_latest_lastmod()

    def location(self, item: Section) -> str:
        return reverse("forum:section", kwargs={"slug": item.slug})


class PostSitemap(Sitemap):  # type: ignore[type-arg]
    limit = SITEMAP_LIMIT

    def items(self) -> QuerySet[Post]:
        # Only what a URL and a date need: a page of the map is one narrow query.
        fields = ("pk", "slug", "last_activity_at", "published_at")
        return Post.objects.listed().only(*fields).order_by("pk")

    def lastmod(self, item: Post) -> datetime:
        return item.last_activity_at

    def get_latest_lastmod(self) -> datetime | None:
        latest: datetime | None = Post.objects.listed().aggregate(last=Max("last_activity_at"))[
            "last"
        ]
        return latest
