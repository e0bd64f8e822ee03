"""Read-only numbers for the organisers' dashboard, each one query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Affiliation, User

from .models import Campaign, NameVisibility

# A branch or union with fewer named supporters than this is not shown by name: it would single
# out one or two members among the list of names.
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
    not_visible: int = 0  # named supporters with no affiliation of this kind the viewer may see
    not_named: int = 0  # supporters counted but not named: never broken down


# The row of the breakdown query that carries the number of named supporters; not a Kind value.
NAMED_TOTAL = "*named"


def affiliation_breakdown(campaign: Campaign, viewer: User, total: int) -> list[Breakdown]:
    """Supporters by branch and by union, for the viewing organiser.

    Only supporters whose name the organiser can already see (named to everyone or to members)
    are broken down, and only by an affiliation the member lets them see (public, members; never
    "only me"). A supporter counted but not named is in `not_named` alone: their affiliations are
    never read, so no subtraction of this page from any other (the totals, the same page before
    and after they supported) can place them in a branch or union.
    """
    named = campaign.supports.named_for(viewer)
    groups = (
        Affiliation.objects.visible_to(viewer)
        .filter(user__in=named.values("user"))
        .values("kind", "name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # The named total rides in the same query (a constant kind groups nothing), so the rows add up.
    named_total = (
        named.values(kind=Value(NAMED_TOTAL), name=Value("")).annotate(n=Count("pk")).order_by()
    )
    rows = sorted(groups.union(named_total, all=True), key=lambda r: (-r["n"], r["name"]))
    result = {kind: Breakdown(label) for kind, label in Affiliation.Kind.choices}
    named_count = 0
    for row in rows:
        if row["kind"] == NAMED_TOTAL:
            named_count = row["n"]
            continue
        part = result[row["kind"]]
        if row["n"] >= MIN_GROUP:
            part.groups.append((row["name"], row["n"]))
        else:
            part.small_groups += 1
            part.small_total += row["n"]
    # `total` was counted a moment earlier: never show a negative if someone signed in between.
    not_named = max(total - named_count, 0)
    for part in result.values():
        part.not_visible = named_count - part.small_total - sum(n for _, n in part.groups)
        part.not_named = not_named
    return list(result.values())
