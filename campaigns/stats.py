"""Read-only numbers for the organisers' dashboard, each one query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Affiliation

from .models import Campaign, NameVisibility

# A branch or union with fewer supporters than this is not shown by name: a "1" next to a small
# branch can point at the one member there who chose not to be named.
MIN_GROUP = 3


def support_totals(campaign: Campaign) -> dict[str, int]:
    week_ago = timezone.now() - timedelta(days=7)
    return campaign.supports.aggregate(
        total=Count("pk"),
        contactable=Count("pk", filter=Q(contact_ok=True)),
        named_public=Count("pk", filter=Q(name_visibility=NameVisibility.PUBLIC)),
        named_members=Count("pk", filter=Q(name_visibility=NameVisibility.MEMBERS)),
        hidden=Count("pk", filter=Q(name_visibility=NameVisibility.HIDDEN)),
        last_week=Count("pk", filter=Q(created_at__gte=week_ago)),
    )


def daily_supports(campaign: Campaign) -> dict[date, int]:
    """New supporters per day (in the site's time zone), for the chart."""
    rows = (
        campaign.supports.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    return {row["day"]: row["n"] for row in rows}


@dataclass
class Breakdown:
    kind_label: str
    groups: list[tuple[str, int]] = field(default_factory=list)
    small_groups: int = 0  # how many branches/unions were folded into "other"
    small_total: int = 0
    not_visible: int = 0  # supporters with no affiliation of this kind the viewer may see


def affiliation_breakdown(campaign: Campaign, viewer, total: int) -> list[Breakdown]:
    """Supporters by branch and by union, counting only affiliations the viewing organiser may
    see under each member's own choice (public, members; never private)."""
    rows = (
        Affiliation.objects.visible_to(viewer)
        .filter(user__campaign_supports__campaign=campaign)
        .values("kind", "name")
        .annotate(n=Count("pk"))
        .order_by("kind", "-n", "name")
    )
    result = {kind: Breakdown(label) for kind, label in Affiliation.Kind.choices}
    for row in rows:
        part = result[row["kind"]]
        if row["n"] >= MIN_GROUP:
            part.groups.append((row["name"], row["n"]))
        else:
            part.small_groups += 1
            part.small_total += row["n"]
    for part in result.values():
        part.not_visible = total - part.small_total - sum(n for _, n in part.groups)
    return list(result.values())
