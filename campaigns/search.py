"""Campaigns in the forum's search (forum.search): what anyone may find of them, and how a result
names one."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import User
from forum.search import Described, SearchSource, register_searchable
from forum.search_schema import CAMPAIGN

from .models import Campaign, Organiser


def _by_organiser(user: User) -> Q:
    return Q(Exists(Organiser.objects.filter(campaign=OuterRef("pk"), user=user)))


def _load(qs: QuerySet[Campaign]) -> QuerySet[Campaign]:
    owners = Organiser.objects.filter(role=Organiser.Role.OWNER).select_related("user")
    return qs.select_related("section").prefetch_related(
        Prefetch("organisers", queryset=owners, to_attr="owner_rows")
    )


def _describe(campaign: Campaign) -> Described:
    owners: list[Organiser] = getattr(campaign, "owner_rows", [])
    return Described(
        campaign.title,
        campaign.get_absolute_url(),
        campaign.published_at,
        campaign.section.name,
        owners[0].user if owners else None,
        title_prefix="Campaign:",
    )


def register_campaign_search() -> None:
    register_searchable(
        SearchSource(
            kind="campaign",
            label="Campaigns",
            spec=CAMPAIGN,
            # Published and closed campaigns that stand: never drafts, archived or removed ones.
            searchable=lambda: Campaign.objects.listed(),
            date_field="published_at",
            section_field="section_id",
            by_author=_by_organiser,
            load=_load,
            describe=_describe,
            snippet_columns=("summary", "body"),
        )
    )
