"""The campaigns a member organises, for their public page (accounts.profile_sections).

Only what a campaign's own page shows anyone: listed campaigns (open or closed, standing) name
their organisers, their status and their supporter count. Never the campaigns a member supports:
support is a political opinion, shown only as each supporter chose, on the campaign's page.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from accounts.profile_sections import SectionContent

from .models import Campaign, Organiser

SHOWN = 10


def organised_by(member: User) -> QuerySet[Organiser]:
    """The member's organiser roles on listed campaigns, newest campaign first."""
    return (
        Organiser.objects.filter(user=member, campaign__in=Campaign.objects.listed())
        .select_related("campaign")
        .defer(
            "campaign__body",
            "campaign__body_html",
            "campaign__ask",
            "campaign__closing_story",
            "campaign__closing_story_html",
        )
        .order_by("-campaign__published_at", "-campaign_id")
    )


def profile_campaigns(request: HttpRequest, member: User) -> SectionContent | None:
    """The member's page's "Campaigns they organise" part (registered in campaigns.apps)."""
    roles = list(organised_by(member)[: SHOWN + 1])
    if not roles:
        return None
    # Counted only when there are more than are shown.
    total = organised_by(member).count() if len(roles) > SHOWN else len(roles)
    return SectionContent(
        template="campaigns/_profile_campaigns.html",
        context={"roles": roles[:SHOWN], "total": total, "more": total - min(total, SHOWN)},
    )
