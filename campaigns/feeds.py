"""A campaign's updates as an Atom feed (Django's syndication framework): for open and closed
campaigns that stand; drafts, archived, hidden and removed campaigns have none (404)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from forum.feeds import FEED_ITEMS

from .models import Campaign, CampaignUpdate


class CampaignUpdatesFeed(Feed):  # type: ignore[type-arg]
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Campaign:
        return get_object_or_404(Campaign.objects.listed(), slug=slug)

    def title(self, obj: Campaign) -> str:
        return f"Updates: {obj.title}"

    def description(self, obj: Campaign) -> str:
        return obj.summary

    def link(self, obj: Campaign) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Campaign) -> list[CampaignUpdate]:
        updates = obj.updates.select_related("author").order_by("-created_at", "-pk")
        return list(updates[:FEED_ITEMS])

    def item_title(self, item: CampaignUpdate) -> str:
        return item.title

    def item_description(self, item: CampaignUpdate) -> str:
        return item.body_html

    def item_link(self, item: CampaignUpdate) -> str:
        url = reverse("campaigns:updates", kwargs={"slug": item.campaign.slug})
        return f"{url}#update-{item.pk}"

    def item_author_name(self, item: CampaignUpdate) -> str:
        return item.author.name

    def item_pubdate(self, item: CampaignUpdate) -> datetime:
        return item.created_at

    def item_updateddate(self, item: CampaignUpdate) -> datetime:
        # Atom requires <updated> on every entry (Django writes it only from this); an update is
        # never edited.
        return item.created_at
