"""Demo campaigns in every state, with supporters over time, updates, a change note and an export.

Called by ``manage.py demo_data`` (through ``CampaignsConfig.build_demo``) after the accounts and
forum demos. Campaigns, organisers and discussions go through campaigns.services so they are made
as the site makes them; supporters and updates are then bulk-inserted with times spread over the
past weeks (so the dashboard's chart has a shape), with the support counter set from the rows.
No notification or email is sent. Idempotent: when the seed campaign exists it prints one line.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from io import BytesIO
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.test import override_settings
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from forum.markup import render_markdown
from forum.models import Post, Section, hot_score

from . import services

if TYPE_CHECKING:
    from _typeshed import SupportsWrite
from .models import (
    CONTACT_CONSENT,
    SUPPORT_CONSENT,
    Campaign,
    CampaignChange,
    CampaignUpdate,
    NameVisibility,
    Organiser,
    Support,
    SupporterExport,
)

SEED = 20261124
SEED_SLUG = "take-back-control-of-party-finances"
FORUM_SEED_TITLE = "Take back control of party finances"  # forum.demo's marker post


@dataclass
class Plan:
    title: str
    owner: str
    section: str
    summary: str
    target: str
    ask: str
    body: str
    goal: int
    days_ago: int  # published this many days ago
    supporters: int
    state: str = "published"  # draft, published, won, lost, withdrawn, archived
    deadline_in: int | None = None
    co_organisers: list[str] = field(default_factory=list)
    updates: list[tuple[int, str, str]] = field(default_factory=list)  # days ago, title, body
    story: str = ""
    image: bool = False


PLANS = [
    Plan(
        title="Take back control of party finances",
        owner="olu",
        co_organisers=["alice"],
        section="party-finances",
        summary=(
            "Members raise the money. Members should see where it goes: full accounts, every "
            "payment over £10,000, and a yearly statement for every branch."
        ),
        target="The National Executive Committee",
        ask=(
            "Publish the full audited accounts to every member each year, list every payment "
            "over £10,000 with its supplier, and send each branch a yearly statement of the "
            "subs its members paid in and the money that came back."
        ),
        body="""\
Every year we get a four-page summary and a promise that the full accounts are "available on
request". Members who asked have waited months. Meanwhile regional organisers were cut to
"balance the books" in the same year head office property costs went up.

This isn't about any faction. **If the numbers are fine, publish them. If they're not, members
need to know.**

## What we're asking for

1. Full audited accounts, published to members every year
2. Every payment over £10,000, with the supplier and who approved it
3. A yearly statement for each branch: subs in, grants out
4. The audit committee's minutes

Read the discussion in the forum and add your name. When we reach 500 we take it to the NEC.
""",
        goal=500,
        days_ago=40,
        supporters=46,
        deadline_in=60,
        image=True,
        updates=[
            (
                31,
                "Twenty supporters in the first week",
                "Thank you. Twenty of you signed in seven days, from branches across the country.",
            ),
            (
                17,
                "We wrote to the NEC",
                "Our letter went to every NEC member today. **Three replied within the hour.**",
            ),
            (
                3,
                "Conference motion submitted",
                "Bristol West and Manchester Gorton branches submitted our motion to conference.",
            ),
        ],
    ),
    Plan(
        title="Back Rosa Mensah for Treasurer on an open-books pledge",
        owner="dafydd",
        section="party-finances",
        summary="Rosa has pledged quarterly management accounts and a members' finance committee.",
        target="Party members voting in the Treasurer election",
        ask="Elect Rosa Mensah as Treasurer and hold her to the open-books pledge in writing.",
        body="Rosa's pledge is specific: *quarterly* accounts, a members' finance committee, "
        "and the audit committee's minutes published within a month.",
        goal=300,
        days_ago=12,
        supporters=24,
        deadline_in=20,
        updates=[(5, "Hustings in Cardiff", "About sixty came. Questions on reserves dominated.")],
    ),
    Plan(
        title="Keep the Riverside branch office open",
        owner="erin",
        section="branch-life",
        summary="Region wants to close the only office our three branches share.",
        target="The regional executive",
        ask="Withdraw the closure and consult the three branches before any decision.",
        body="The office is where we print, meet and store the stall. Closing it saves £4,750 "
        "a year and costs us our base.",
        goal=150,
        days_ago=6,
        supporters=14,
        deadline_in=4,
    ),
    Plan(
        title="Publish the audit committee minutes",
        owner="olu",
        section="party-finances",
        summary="The audit committee's minutes should be published to members.",
        target="The General Secretary",
        ask="Publish the minutes of every audit committee meeting within a month.",
        body="The governance documents say the committee meets quarterly. Members deserve to "
        "see what it decides.",
        goal=200,
        days_ago=70,
        supporters=31,
        state="won",
        story="The General Secretary agreed at the NEC on Tuesday: minutes will be published "
        "**within 30 days** of each meeting, starting with the spring meeting. Thank you all.",
    ),
    Plan(
        title="Stop the Leeds regional office closure",
        owner="maya",
        section="branch-life",
        summary="Keep a staffed regional office in Leeds.",
        target="The General Secretary",
        ask="Reverse the decision to close the Leeds regional office.",
        body="Yorkshire members would lose their nearest staffed office.",
        goal=400,
        days_ago=55,
        supporters=38,
        state="lost",
        story="The office closed at the end of the month. Region has promised a hot-desk space; "
        "we'll hold them to it.",
    ),
    Plan(
        title="Cap conference delegate fees at £50",
        owner="chen",
        section="party-finances",
        summary="Conference should not price out ordinary delegates.",
        target="The Conference Arrangements Committee",
        ask="Cap the delegate fee at £50 and fund travel for branches that can't pay.",
        body="Our delegate cost the branch most of its balance last year.",
        goal=250,
        days_ago=48,
        supporters=9,
        state="withdrawn",
        story="We're withdrawing this in favour of the wider conference access motion, which "
        "covers fees, travel and childcare. Please support that one.",
    ),
    Plan(
        title="Hybrid branch meetings for every branch",
        owner="bob",
        section="branch-life",
        summary="Members who can't travel should still be able to take part.",
        target="The National Executive Committee",
        ask="Make a video link available for every branch meeting.",
        body="Hybrid meetings were a lifeline. Let's keep them.",
        goal=100,
        days_ago=120,
        supporters=12,
        state="archived",
        story="Adopted in the new branch guidance. Archived for the record.",
    ),
    Plan(
        title="Branch bank accounts under branch control",
        owner="olu",
        section="party-finances",
        summary="Branches should be able to spend the money they raise.",
        target="The National Executive Committee",
        ask="Raise the branch spending limit that needs regional sign-off from £100 to £1,000.",
        body="Draft: figures from three branches still to come.",
        goal=300,
        days_ago=0,
        supporters=0,
        state="draft",
    ),
]


def build_demo(stdout: SupportsWrite[str]) -> None:
    if Campaign.objects.filter(slug=SEED_SLUG).exists():
        stdout.write("Campaign demo data already present: skipped.")
        return
    started = time.monotonic()
    rng = random.Random(SEED)  # noqa: S311 - demo content, not security
    users = {
        u.username: u
        for u in User.objects.filter(is_active=True, is_superuser=False).order_by("pk")
    }
    if "olu" not in users:
        stdout.write("Campaign demo skipped: the accounts demo members are missing.")
        return
    now = timezone.now().replace(microsecond=0)
    counts = {"campaigns": 0, "supporters": 0, "updates": 0}
    # The demo publishes several campaigns (each opens a forum post) in one go: the forum's
    # per-member posting limits are for people, not for this script.
    with transaction.atomic(), override_settings(FORUM_RATE_LIMITS=False):
        for plan in PLANS:
            if plan.owner not in users:
                continue
            campaign = _make(plan, users, rng, now)
            counts["campaigns"] += 1
            counts["supporters"] += campaign.support_count
            counts["updates"] += len(plan.updates)
    seed = Campaign.objects.get(slug=SEED_SLUG)
    stdout.write(
        f"Campaign demo: {counts['campaigns']} campaigns (every state), "
        f"{counts['supporters']} supporters, {counts['updates']} updates "
        f"in {time.monotonic() - started:.1f}s. Seed campaign: {seed.get_absolute_url()}"
    )


def _make(plan: Plan, users: dict[str, User], rng: random.Random, now: datetime) -> Campaign:
    owner = users[plan.owner]
    published_at = now - timedelta(days=plan.days_ago, hours=rng.randint(1, 9))
    deadline = None
    if plan.deadline_in is not None:
        deadline = timezone.localdate() + timedelta(days=plan.deadline_in)
    campaign = services.campaign_create(
        actor=owner,
        image=_banner(plan.title) if plan.image else None,
        fields=services.CampaignFields(
            title=plan.title,
            summary=plan.summary,
            target=plan.target,
            ask=plan.ask,
            body=plan.body,
            goal=plan.goal,
            deadline=deadline,
            section=Section.objects.get(slug=plan.section),
            image_alt="A red banner with the words “Open the books”" if plan.image else "",
        ),
    )
    Campaign.objects.filter(pk=campaign.pk).update(created_at=published_at - timedelta(days=1))
    for username in plan.co_organisers:
        if username in users:
            Organiser.objects.create(campaign=campaign, user=users[username], added_by=owner)
    if plan.state == "draft":
        return campaign
    _attach_discussion(campaign, owner, plan, published_at)
    _add_supporters(campaign, plan, users, rng, published_at, now)
    for days_ago, title, body in plan.updates:
        CampaignUpdate.objects.create(
            campaign=campaign,
            author=owner,
            title=title,
            body=body,
            body_html=render_markdown(body),
            created_at=now - timedelta(days=days_ago, hours=rng.randint(1, 6)),
        )
    if plan.state in ("won", "lost", "withdrawn", "archived"):
        # Closed in the past, without telling the demo supporters today (no notifications).
        Campaign.objects.filter(pk=campaign.pk).update(
            status="archived" if plan.state == "archived" else "closed",
            outcome="won" if plan.state == "archived" else plan.state,
            closing_story=plan.story,
            closing_story_html=render_markdown(plan.story),
            closed_at=published_at + timedelta(days=plan.days_ago // 2),
        )
    if campaign.slug == SEED_SLUG:
        _seed_extras(campaign, owner, now)
    campaign.refresh_from_db()
    return campaign


def _attach_discussion(campaign: Campaign, owner: User, plan: Plan, published_at: datetime) -> None:
    """Publish through the service (which opens a forum post); the seed campaign instead takes
    over the forum demo's own "Take back control of party finances" thread, with its replies."""
    existing = None
    if campaign.slug == SEED_SLUG:
        existing = Post.objects.filter(
            title=FORUM_SEED_TITLE, section__slug=plan.section, author=owner, campaign=None
        ).first()
    if existing is not None:
        Campaign.objects.filter(pk=campaign.pk).update(discussion=existing)
        campaign.refresh_from_db()
    services.campaign_publish(campaign=campaign, actor=owner)
    Campaign.objects.filter(pk=campaign.pk).update(published_at=published_at)
    if existing is None:
        # Date the new discussion with its campaign, so the demo's Hot list isn't all campaigns.
        campaign.refresh_from_db()
        if campaign.discussion_id is not None:  # publishing opened it
            Post.objects.filter(pk=campaign.discussion_id).update(
                created_at=published_at,
                published_at=published_at,
                last_activity_at=published_at,
                hot=hot_score(0, published_at),
            )


def _add_supporters(
    campaign: Campaign,
    plan: Plan,
    users: dict[str, User],
    rng: random.Random,
    published_at: datetime,
    now: datetime,
) -> None:
    # Only members who had joined by the time the campaign opened: nobody supports before joining.
    pool = [u for name, u in users.items() if name != plan.owner and u.date_joined < published_at]
    chosen = rng.sample(pool, min(plan.supporters, len(pool)))
    span = max((now - published_at).total_seconds() - 3600, 3600)
    supports = []
    for user in chosen:
        # Most support comes early, then tails off: a believable curve for the chart.
        at = published_at + timedelta(seconds=span * rng.random() ** 1.8)
        contact = rng.random() < 0.45
        supports.append(
            Support(
                campaign=campaign,
                user=user,
                name_visibility=rng.choice(
                    [NameVisibility.PUBLIC, NameVisibility.MEMBERS, NameVisibility.HIDDEN]
                ),
                support_consent_version=SUPPORT_CONSENT.version,
                created_at=at,
                updated_at=at,
                contact_ok=contact,
                contact_consent_version=CONTACT_CONSENT.version if contact else "",
                contact_consented_at=at if contact else None,
            )
        )
    Support.objects.bulk_create(supports)
    Campaign.objects.filter(pk=campaign.pk).update(support_count=len(supports))


def _seed_extras(campaign: Campaign, owner: User, now: datetime) -> None:
    last = campaign.supports.aggregate(last=Max("created_at"))["last"] or now
    CampaignChange.objects.create(
        campaign=campaign,
        editor=owner,
        note="Added the yearly branch statement, as members asked in the discussion.",
        fields="what",
        previous_target=campaign.target,
        previous_ask="Publish the full audited accounts to every member each year, and list "
        "every payment over £10,000 with its supplier.",
        previous_body=campaign.body,
        created_at=now - timedelta(days=20),
    )
    SupporterExport.objects.create(
        campaign=campaign,
        by=owner,
        created_at=min(last, now - timedelta(days=2)),
        row_count=campaign.supports.filter(contact_ok=True).count(),
    )


def _banner(title: str) -> ContentFile[bytes]:
    """A 1200x630 share image drawn here, so the demo needs no binary files."""
    image = Image.new("RGB", (1200, 630), (163, 22, 27))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 1140, 570), outline=(255, 255, 255), width=8)
    for i in range(6):
        y = 180 + i * 50
        draw.rectangle((120, y, 120 + 900 - i * 110, y + 22), fill=(255, 255, 255))
    draw.text((120, 500), "OPEN THE BOOKS", fill=(255, 255, 255), font_size=48)
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name="banner.png")
