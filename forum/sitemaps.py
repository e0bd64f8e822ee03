"""sitemap.xml (Django's sitemaps framework): the sections and every published post that stands,
in pages of SITEMAP_LIMIT under one index, so a large forum's map is many small files."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from .models import Post, Section

SITEMAP_LIMIT = 5000


class SectionSitemap(Sitemap):  # type: ignore[type-arg]
    changefreq = "hourly"

    def items(self) -> QuerySet[Section]:
        return Section.objects.order_by("position", "pk")

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
