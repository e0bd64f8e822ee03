"""An Atom feed of each listed campaign's updates (open and closed campaigns; drafts, archived
and taken-down ones have none)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from forum.feeds import FEED_ITEMS, SiteFeed, tag_uri

from .models import Campaign, CampaignUpdate


class CampaignUpdateFeed(SiteFeed[CampaignUpdate, Campaign]):
    def get_object(self, request: Any, *args: Any, **kwargs: Any) -> Campaign:
        return get_object_or_404(Campaign.objects.listed(), slug=kwargs["slug"])

    def title(self, obj: Campaign) -> str:
        return f"{settings.SITE_NAME}: updates from “{obj.title}”"

    def subtitle(self, obj: Campaign) -> str:
        return obj.summary

    def link(self, obj: Campaign) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Campaign) -> QuerySet[CampaignUpdate]:
        updates = obj.updates.select_related("campaign", "author")
        return updates.order_by("-created_at", "-pk")[:FEED_ITEMS]

    def item_title(self, item: CampaignUpdate) -> str:
        return item.title

    def item_description(self, item: CampaignUpdate) -> str:
        return item.body_html

    def item_link(self, item: CampaignUpdate) -> str:
        updates = reverse("campaigns:updates", kwargs={"slug": item.campaign.slug})
        return f"{updates}#update-{item.pk}"

    def item_guid(self, item: CampaignUpdate) -> str:
        # By pk, not slug: stable whatever the campaign is called later.
        return tag_uri(f"/campaigns/{item.campaign_id}/updates/{item.pk}", item.created_at)

    def item_author_name(self, item: CampaignUpdate) -> str:
        return item.author.name

    def item_pubdate(self, item: CampaignUpdate) -> datetime:
        return item.created_at

    def item_updateddate(self, item: CampaignUpdate) -> datetime:
        # Atom requires <updated> on every entry; an update is never edited.
        return item.created_at
