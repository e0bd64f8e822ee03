"""Campaigns' sections of a member's data export (accounts.data_export): their supports with the
very wording they consented to, the campaigns they organise (and the updates they wrote), and
each download of supporters' details they made."""

from __future__ import annotations

from typing import Any

from accounts.data_export import CHUNK, iso, register_export_section
from accounts.models import User

from .models import CampaignUpdate, Organiser, Support, SupporterExport, consent_wording


def _supports(user: User) -> list[dict[str, Any]]:
    supports = (
        Support.objects.filter(user=user).select_related("campaign").order_by("created_at", "pk")
    )
    rows = []
    for support in supports.iterator(chunk_size=CHUNK):
        wording = consent_wording(support.support_consent_version)
        contact = (
            consent_wording(support.contact_consent_version)
            if support.contact_consent_version
            else None
        )
        rows.append(
            {
                "campaign": support.campaign.title,
                "campaign_url": support.campaign.get_absolute_url(),
                "supported_at": iso(support.created_at),
                "support_consent": {"version": wording.version, "wording": wording.text},
                "name_visibility": support.name_visibility,
                "contact_ok": support.contact_ok,
                "contact_consent": (
                    {"version": contact.version, "wording": contact.text} if contact else None
                ),
                "contact_consented_at": iso(support.contact_consented_at),
                "updated_at": iso(support.updated_at),
            }
        )
    return rows


def _organised(user: User) -> list[dict[str, Any]]:
    places = (
        Organiser.objects.filter(user=user)
        .select_related("campaign", "campaign__section")
        .order_by("added_at", "pk")
    )
    updates: dict[int, list[dict[str, Any]]] = {}
    for update in (
        CampaignUpdate.objects.filter(author=user)
        .order_by("created_at", "pk")
        .values("campaign_id", "title", "body", "created_at")
        .iterator(chunk_size=CHUNK)
    ):
        updates.setdefault(update["campaign_id"], []).append(
            {
                "title": update["title"],
                "body": update["body"],
                "created_at": iso(update["created_at"]),
            }
        )
    rows = []
    for place in places.iterator(chunk_size=CHUNK):
        campaign = place.campaign
        rows.append(
            {
                "role": place.role,
                "added_at": iso(place.added_at),
                "title": campaign.title,
                "url": campaign.get_absolute_url(),
                "section": campaign.section.name,
                "summary": campaign.summary,
                "target": campaign.target,
                "ask": campaign.ask,
                "body": campaign.body,
                "goal": campaign.goal,
                "deadline": iso(campaign.deadline),
                "status": campaign.status,
                "state": campaign.state,
                "outcome": campaign.outcome,
                "closing_story": campaign.closing_story,
                "support_count": campaign.support_count,
                "created_at": iso(campaign.created_at),
                "published_at": iso(campaign.published_at),
                "closed_at": iso(campaign.closed_at),
                "updates_you_wrote": updates.pop(campaign.pk, []),
            }
        )
    return rows


def _supporter_exports(user: User) -> list[dict[str, Any]]:
    rows = (
        SupporterExport.objects.filter(by=user)
        .order_by("created_at", "pk")
        .values_list("campaign__title", "created_at", "row_count")
    )
    return [
        {"campaign": title, "created_at": iso(at), "supporters": count}
        for title, at, count in rows.iterator(chunk_size=CHUNK)
    ]


def register_campaign_export_sections() -> None:
    register_export_section(
        "campaign_supports",
        _supports,
        description="The campaigns you support, the wording you agreed to (and its version), "
        "whether organisers may contact you and when you agreed to that.",
        position=20,
    )
    register_export_section(
        "campaigns_organised",
        _organised,
        description="The campaigns you organise, as written, with the updates you wrote.",
        position=21,
    )
    register_export_section(
        "supporter_downloads",
        _supporter_exports,
        description="Each time you downloaded the contact details of a campaign's supporters "
        "(when, and how many).",
        position=22,
    )
