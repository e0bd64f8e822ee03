"""What the demo forum holds: who joins, who posts what, who replies to whom, when, and who votes.

Pure Python: nothing here reads or writes the database (forum.demo.write does, with what is decided
here). Every choice comes from the one seeded ``random.Random`` that forum.demo.build_demo passes
in, called in a fixed order, so every run decides the same forum relative to the day it runs.
The texts come from forum.demo.corpus.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Generic, TypedDict, TypeVar, Unpack

from accounts.models import Affiliation, Visibility

from ..models import ContentState
from .corpus import (
    ACCOUNTS_BODY,
    AGREE,
    AMOUNTS,
    AUTHOR_REPLIES,
    BALLOT_RESULTS,
    BRANCHES,
    CANDIDATES,
    CLOSERS,
    CLOSURE_BODY,
    DAYS_OF_WEEK,
    DISAGREE,
    EMPLOYERS,
    EVENTS,
    EXPERIENCE,
    EXTRA_MEMBERS,
    FINANCE_TOPICS,
    FORUM_COMMENTS,
    GARETH_BODY,
    HUSTINGS_BODY,
    LINK_BODY,
    LINKS,
    LISTS,
    LOCK_NOTE,
    LOCKED_BODY,
    MARKER_AUTHOR,
    MARKER_BODY,
    MARKER_COMMENTS,
    MARKER_SECTION,
    MARKER_TITLE,
    MIDDLES,
    MONTHS,
    POLICIES,
    QUESTIONS,
    REGIONS,
    REPLIES,
    ROSA_BODY,
    SECTION_COMMENTS,
    SELECTION_COMMENTS,
    SERVICES,
    SMALL_AMOUNTS,
    TITLES,
    TOPICS,
    TOWNS,
    TREASURER_COMMENTS,
    UNIONS,
    WELCOME_BODY,
)

if TYPE_CHECKING:
    from accounts.models import User

    from ..models import Post

SEED = 20260401
GENERATED_POSTS = 290  # plus the hand-written ones (fixed_posts)
DRAFTS = 7
BIG_THREAD_COMMENTS = 2000
MAX_LEVEL = 11  # levels 0..11: threads nest at most twelve deep
DAYS = 60


# How active each named member is (relative weight when picking an author or voter).
NAMED_WEIGHTS = {
    "admin": 0.2,
    "maya": 3,
    "olu": 6,
    "alice": 5,
    "bob": 6,
    "chen": 3,
    "dafydd": 4,
    "erin": 4,
}


class Slots(dict[str, str]):
    """Context for one post: title, body and comments are filled from the same values."""

    def __missing__(self, key: str) -> str:
        raise KeyError(f"demo template uses an unknown slot {{{key}}}")


def make_slots(rng: random.Random, year: int) -> Slots:
    branch, branch2 = rng.sample(BRANCHES, 2)
    candidate, other_candidate = rng.choice(CANDIDATES)
    service = rng.choice(SERVICES)
    return Slots(
        branch=branch,
        branch2=branch2,
        town=rng.choice(TOWNS),
        union=rng.choice(UNIONS),
        employer=rng.choice(EMPLOYERS),
        service=service,
        service_cap=service[0].upper() + service[1:],
        policy=rng.choice(POLICIES),
        region=rng.choice(REGIONS),
        amount=rng.choice(AMOUNTS),
        small_amount=rng.choice(SMALL_AMOUNTS),
        event=rng.choice(EVENTS),
        finance_topic=rng.choice(FINANCE_TOPICS),
        candidate=candidate,
        other_candidate=other_candidate,
        month=rng.choice(MONTHS),
        day=rng.choice(DAYS_OF_WEEK),
        result=rng.choice(BALLOT_RESULTS),
        topic=rng.choice(TOPICS),
        n=str(rng.choice([3, 4, 5, 6, 7, 9, 11])),
        few=str(rng.randint(4, 8)),
        weeks=str(rng.randint(3, 19)),
        sub=rng.choice(["4.50", "5", "6.25", "3"]),
        year=str(year),
        last_year=str(year - 1),
    )


# Posts: (title, opening paragraph) per section; the rest of a body comes from the section's pool.


def fill(text: str, slots: Slots) -> str:
    return text.format_map(slots)


def post_body(rng: random.Random, section: str, opener: str, slots: Slots) -> str:
    parts = [opener]
    parts += rng.sample(MIDDLES[section], rng.randint(1, 3))
    if rng.random() < 0.35:
        heading, items = rng.choice(LISTS[section])
        parts.append(heading + "\n\n" + "\n".join(f"- {item}" for item in items))
    if section == "party-finances" and rng.random() < 0.2:
        parts.append(finance_table(rng))
    if rng.random() < 0.2:
        parts.append(rng.choice(LINKS))
    if rng.random() < 0.7:
        parts.append(rng.choice(CLOSERS))
    return fill("\n\n".join(parts), slots)


def finance_table(rng: random.Random) -> str:
    rows = [
        ("Staff", 38, 45),
        ("Property", 9, 12),
        ("Campaigns and elections", 24, 17),
        ("Conference and events", 6, 7),
        ("Grants to regions and branches", 8, 4),
        ("Professional fees", 3, 6),
    ]
    lines = ["| Spending (share of total) | Three years ago | Last year |", "|---|---:|---:|"]
    for label, before, after in rows:
        lines.append(
            f"| {label} | {before + rng.randint(-1, 1)}% | {after + rng.randint(-1, 1)}% |"
        )
    return "\n".join(lines)


def first_sentence(text: str) -> str:
    line = text.lstrip("> ").split("\n", 1)[0].replace("**", "")
    for stop in (". ", "? ", "! "):
        if stop in line:
            line = line.split(stop, 1)[0] + stop.strip()
    return line


def comment_text(rng: random.Random, plan: PostPlan, kind: str, parent: Node | None) -> str:
    """A comment in the thread's voice. Replies sometimes quote their parent, top-level comments
    sometimes quote the post."""
    own = SECTION_COMMENTS[plan.section]
    focus = 0.5  # how often a top-level comment is about the post's own subject
    if plan.pool:  # a post with its own subject: most comments stay on it
        focus = 0.6 if plan.marker else 0.85
        if rng.random() < focus:
            own = plan.pool
    if kind == "author":
        parts = [rng.choice(AUTHOR_REPLIES)]
    elif kind == "reply":
        parts = [rng.choice(REPLIES)]
        if rng.random() < 0.55:
            parts.append(rng.choice(own if rng.random() < 0.6 else EXPERIENCE + QUESTIONS))
    else:
        r = rng.random()
        if r < focus:
            parts = [rng.choice(own)]
        elif r < focus + (1 - focus) * 0.4:
            parts = [rng.choice(EXPERIENCE)]
        else:
            parts = [rng.choice(rng.choice((AGREE, DISAGREE, QUESTIONS)))]
        if rng.random() < 0.4:
            parts.append(rng.choice(own + QUESTIONS))
    text = fill(" ".join(dict.fromkeys(parts)), plan.slots)  # dict: no sentence twice
    quoted = parent.body if parent is not None else plan.body
    r = rng.random()
    if r < 0.08 and quoted:
        text = f"> {first_sentence(quoted)}\n\n{text}"
    elif r < 0.11 and kind == "root":
        text += "\n\nA few questions:\n\n- " + "\n- ".join(rng.sample(QUESTIONS, 2))
    elif r < 0.13 and len(text) < 60:
        text = f"**{text}**"
    return text


# In-memory model: what write.py saves -------------------------------------------------------------


@dataclass(eq=False)
class Node:
    parent: Node | None
    level: int
    author_id: int
    kind: str
    created_at: datetime = field(init=False)  # set by grow_thread, once the thread has its shape
    body: str = ""
    state: str = ContentState.VISIBLE
    children: list[Node] = field(default_factory=list)
    votes: list[tuple[int, int, datetime]] = field(default_factory=list)
    size: int = 1  # comments in this subtree, itself included


@dataclass(eq=False)
class PostPlan:
    section: str
    author_id: int
    title: str
    body: str
    slots: Slots
    published_at: datetime | None
    created_at: datetime
    comments: int = 0
    shape: str = "mixed"
    recommendations: int = 0
    promoted: bool = False
    locked: bool = False
    marker: bool = False
    pool: list[str] | None = None  # comments about this post in particular
    nodes: list[Node] = field(default_factory=list)
    recommended: list[tuple[int, datetime]] = field(default_factory=list)  # (member, when)
    post: Post = field(init=False)  # set by forum.demo.write once saved


class Members:
    """Who posts, comments and votes, weighted by how active each member is."""

    def __init__(self, rng: random.Random, users: list[User]):
        self.rng = rng
        self.ids = [u.pk for u in users]
        self.by_name = {u.username: u.pk for u in users}
        self.weights = [
            NAMED_WEIGHTS.get(u.username) or rng.choice([0.3, 0.6, 1, 1, 1.5, 2, 3]) for u in users
        ]

    def pick(self, exclude: tuple[int, ...] = ()) -> int:
        while True:
            pk = self.rng.choices(self.ids, self.weights)[0]
            if pk not in exclude:
                return pk

    def sample(self, k: int, exclude: int) -> list[int]:
        pool = [pk for pk in self.ids if pk != exclude]
        return self.rng.sample(pool, min(k, len(pool)))


# Members ------------------------------------------------------------------------------------------


@dataclass
class MemberPlan:
    username: str
    display_name: str
    bio: str
    joined: datetime


def plan_members(rng: random.Random, existing: set[str], now: datetime) -> list[MemberPlan]:
    """The EXTRA_MEMBERS not yet in the database (``existing`` usernames are skipped)."""
    new = []
    for username, display_name, bio, _branch, _union in EXTRA_MEMBERS:
        if username in existing:
            continue
        # Months or years ago: before anything they write here (the last DAYS days) or support in
        # the campaign demo (the oldest campaign opened ~4 months ago).
        joined = now - timedelta(days=rng.randint(130, 2400), minutes=rng.randint(0, 1440))
        new.append(MemberPlan(username, display_name, bio, joined))
    return new


def plan_affiliations(rng: random.Random, usernames: list[str]) -> list[tuple[str, str, str, str]]:
    """(username, kind, name, visibility) for the branch and union of each new member, drawn in the
    order of ``usernames`` (forum.demo.write.write_members returns them as the database lists them)."""
    details = {m[0]: m for m in EXTRA_MEMBERS}
    affiliations: list[tuple[str, str, str, str]] = []
    for username in usernames:
        _, _, _, branch, union = details[username]
        for kind, name in ((Affiliation.Kind.BRANCH, branch), (Affiliation.Kind.UNION, union)):
            if name:
                visibility = rng.choice(
                    [
                        Visibility.PUBLIC,
                        Visibility.MEMBERS,
                        Visibility.MEMBERS,
                        Visibility.PRIVATE,
                    ]
                )
                affiliations.append((username, kind, name, visibility))
    return affiliations


# Posts and threads --------------------------------------------------------------------------------


def plan_forum(rng: random.Random, members: Members, now: datetime) -> list[PostPlan]:
    """Every post with its thread, deletions, votes and recommendations, oldest post first."""
    plans = plan_posts(rng, members, now)
    for plan in plans:
        grow_thread(rng, plan, members, now)
    plan_activity(rng, plans, members, now)
    return plans


def published_time(rng: random.Random, now: datetime, days_ago: float | None = None) -> datetime:
    """A believable publishing time: daytime and evening, UK hours, within the last DAYS days."""
    if days_ago is None:
        days_ago = rng.uniform(0, DAYS) ** 1.15 / DAYS**0.15  # a little busier lately
    day = now - timedelta(days=days_ago)
    hour = rng.choice([7, 8, 9, 12, 13, 17, 18, 19, 20, 20, 21, 21, 22, 23])
    moment = day.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59))
    if moment > now - timedelta(minutes=30):  # leave time for the first replies
        moment = now - timedelta(minutes=rng.randint(30, 600))
    return moment


def comment_plan(rng: random.Random) -> tuple[int, str]:
    r = rng.random()
    if r < 0.15:
        count = 0
    elif r < 0.55:
        count = rng.randint(1, 6)
    elif r < 0.85:
        count = rng.randint(7, 15)
    else:
        count = rng.randint(16, 30)
    shape = rng.choices(["flat", "mixed", "deep"], [3, 5, 2])[0]
    return count, shape


def recommendation_plan(rng: random.Random, comments: int) -> int:
    r = rng.random() - comments / 100  # busier threads tend to be more recommended
    if r < 0.2:
        return 0
    if r < 0.65:
        return rng.randint(1, 5)
    if r < 0.9:
        return rng.randint(6, 15)
    return rng.randint(16, 38)


def plan_posts(rng: random.Random, members: Members, now: datetime) -> list[PostPlan]:
    year = now.year
    plans = fixed_posts(rng, members, now, year)
    used = {p.title for p in plans}
    sections = list(TITLES)
    attempts = 0
    generated = 0
    while generated < GENERATED_POSTS + DRAFTS and attempts < 20 * GENERATED_POSTS:
        attempts += 1
        section = sections[generated % len(sections)]
        title_t, opener = rng.choice(TITLES[section])
        slots = make_slots(rng, year)
        title = fill(title_t, slots)
        if title in used:
            continue
        used.add(title)
        draft = generated >= GENERATED_POSTS
        named = ["alice", "bob", "chen", "olu", "erin", "dafydd", "maya"]
        author = members.by_name[named[generated - GENERATED_POSTS]] if draft else members.pick()
        body = post_body(rng, section, fill(opener, slots), slots)
        generated += 1
        if draft:
            created = now - timedelta(days=rng.uniform(0.1, 12))
            plans.append(PostPlan(section, author, title, body, slots, None, created))
            continue
        published = published_time(rng, now)
        count, shape = comment_plan(rng)
        plans.append(
            PostPlan(
                section,
                author,
                title,
                body,
                slots,
                published,
                published - timedelta(minutes=rng.randint(2, 240)),
                comments=count,
                shape=shape,
                recommendations=recommendation_plan(rng, count),
            )
        )
    return plans


class _PostFlags(TypedDict, total=False):
    """What a hand-written post may say besides its counts (PostPlan's fields of the same names)."""

    promoted: bool
    locked: bool
    marker: bool
    pool: list[str]


def fixed_posts(rng: random.Random, members: Members, now: datetime, year: int) -> list[PostPlan]:
    """The hand-written posts the demo walks through: flagship thread, Treasurer race, lock."""
    m = members.by_name
    slots = make_slots(rng, year)
    slots.update(candidate="Rosa Mensah", other_candidate="Gareth Pryce", branch="Hull North")

    def plan(
        section: str,
        author: str,
        title: str,
        body: str,
        days_ago: float,
        comments: int,
        shape: str,
        recs: int,
        **flags: Unpack[_PostFlags],
    ) -> PostPlan:
        published = published_time(rng, now, days_ago)
        return PostPlan(
            section,
            m[author],
            title,
            fill(body, slots),
            slots,
            published,
            published - timedelta(hours=rng.randint(1, 20)),
            comments=comments,
            shape=shape,
            recommendations=recs,
            **flags,
        )

    return [
        plan(
            MARKER_SECTION, MARKER_AUTHOR, MARKER_TITLE, MARKER_BODY, 6, BIG_THREAD_COMMENTS, "big", 41,
            promoted=True, marker=True, pool=MARKER_COMMENTS,
        ),
        plan("branch-life", "maya", "Welcome to Grassroots: how this forum works", WELCOME_BODY, 58, 14, "flat", 33, promoted=True, pool=FORUM_COMMENTS),
        plan("party-finances", "maya", "Treasurer election: the candidates answer members' questions", HUSTINGS_BODY, 2, 26, "mixed", 29, promoted=True, pool=TREASURER_COMMENTS),
        plan("party-finances", "alice", "Why I'm backing Rosa Mensah for party Treasurer", ROSA_BODY, 4, 30, "deep", 24, pool=TREASURER_COMMENTS),
        plan("party-finances", "bob", "Gareth Pryce for Treasurer: experience matters", GARETH_BODY, 3.5, 28, "deep", 17, pool=TREASURER_COMMENTS),
        plan("party-finances", "chen", "I went through the published accounts line by line", ACCOUNTS_BODY, 9, 22, "mixed", 36),
        plan("branch-life", "dafydd", "Our branch was closed without a vote", CLOSURE_BODY, 12, 19, "mixed", 21),
        plan("unions", "erin", "The union link is worth fighting for", LINK_BODY, 15, 24, "deep", 19),
        plan(
            "branch-life", "bob", "What happened at the Hull North selection meeting", LOCKED_BODY, 8, 27, "deep", 6,
            locked=True, pool=SELECTION_COMMENTS,
        ),
    ]  # fmt: skip


def grow_thread(rng: random.Random, plan: PostPlan, members: Members, now: datetime) -> None:
    """Shape a thread: who replies to whom, and when. Replies are always later than their parent."""
    n = plan.comments
    if not n or plan.published_at is None:  # (a draft has no comments)
        return
    # New top-level comment; start of an argument (a back-and-forth chain); where a reply lands
    # when descending a tree (stop here, else go down to a busy child); mean argument length.
    p_root, p_argue, p_stop, argue_mean = {
        "flat": (0.8, 0.0, 0.7, 1),
        "mixed": (0.35, 0.15, 0.5, 3),
        "deep": (0.15, 0.35, 0.35, 5),
        "big": (0.08, 0.1, 0.4, 4),
    }[plan.shape]
    nodes: list[Node] = []
    roots: list[Node] = []
    arguing = 0
    for _ in range(n - (1 if plan.locked else 0)):
        if arguing and nodes[-1].level < MAX_LEVEL:
            parent = nodes[-1]
            arguing -= 1
        elif not nodes or rng.random() < p_root:
            parent, arguing = None, 0
        else:
            # Busy subtrees draw more replies: pick a tree by size, then walk down it.
            parent = rng.choices(roots, [root.size for root in roots])[0]
            while parent.children and parent.level < MAX_LEVEL and rng.random() > p_stop:
                parent = rng.choices(parent.children, [c.size for c in parent.children])[0]
            while parent.level >= MAX_LEVEL and parent.parent is not None:  # (a level > 0 has one)
                parent = parent.parent
            arguing = int(rng.expovariate(1 / argue_mean)) if rng.random() < p_argue else 0
        if parent is None:
            author, kind = members.pick(exclude=(plan.author_id,)), "root"
        else:
            grand = parent.parent
            r = rng.random()
            if grand and grand.author_id != parent.author_id and r < (0.85 if arguing else 0.35):
                author = grand.author_id  # back and forth between two members
            elif parent.author_id != plan.author_id and r < 0.55:
                author = plan.author_id
            else:
                author = members.pick(exclude=(parent.author_id,))
            kind = "author" if author == plan.author_id and rng.random() < 0.5 else "reply"
        node = Node(parent, 0 if parent is None else parent.level + 1, author, kind)
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
            ancestor: Node | None = parent
            while ancestor is not None:
                ancestor.size += 1
                ancestor = ancestor.parent
        nodes.append(node)
    if plan.shape == "big":
        force_deep_chains(rng, nodes, members)
    if plan.locked:
        nodes.append(Node(None, 0, members.by_name["maya"], "lock"))

    # Times: activity is densest just after publishing and tails off.
    start = plan.published_at + timedelta(minutes=3)
    span = min(now - start, timedelta(days=rng.choice([1, 2, 3, 6, 12])))
    if plan.shape == "big":
        span = now - start
    offsets = sorted(span.total_seconds() * rng.betavariate(1.3, 4) for _ in nodes)
    for k, (node, offset) in enumerate(zip(nodes, offsets, strict=True)):
        node.created_at = start + timedelta(seconds=offset, microseconds=k)
        if node.kind == "lock":
            node.body = LOCK_NOTE
        else:
            node.body = comment_text(rng, plan, node.kind, node.parent)
    plan.nodes = nodes


def force_deep_chains(rng: random.Random, nodes: list[Node], members: Members) -> None:
    """Make sure the big thread shows the deepest nesting: a few arguments twelve levels deep."""
    if max(node.level for node in nodes) >= MAX_LEVEL:
        return
    roots = [node for node in nodes if node.parent is None]
    for root in rng.sample(roots, min(3, len(roots))):
        a, b = root.author_id, members.pick(exclude=(root.author_id,))
        parent = root
        while parent.level < MAX_LEVEL:
            node = Node(parent, parent.level + 1, b if parent.author_id == a else a, "reply")
            parent.children.append(node)
            nodes.append(node)
            parent = node


def delete_some(rng: random.Random, plan: PostPlan) -> None:
    """Authors delete a few comments; replies below them stay, under a placeholder."""
    rate = 0.06 if plan.shape == "big" else 0.05
    for node in plan.nodes:
        if node.kind == "lock":
            continue
        if (node.children and rng.random() < rate) or rng.random() < 0.01:
            node.state = ContentState.DELETED
            node.body = ""


def vote_on(rng: random.Random, plan: PostPlan, members: Members, now: datetime) -> None:
    for node in plan.nodes:
        if node.state != ContentState.VISIBLE or rng.random() < 0.4:
            continue
        mean = 5 if node.level == 0 else 2.5
        count = int(rng.expovariate(1 / mean)) + 1
        liking = rng.choice([0.97, 0.9, 0.8, 0.7, 0.55, 0.35])
        if node.kind == "lock":
            liking = 0.9
        window = (now - node.created_at).total_seconds()
        for voter in members.sample(count, exclude=node.author_id):
            value = 1 if rng.random() < liking else -1
            when = node.created_at + timedelta(seconds=window * rng.random() ** 3)
            node.votes.append((voter, value, when))


def plan_activity(
    rng: random.Random, plans: list[PostPlan], members: Members, now: datetime
) -> None:
    """What happened after posting: deleted comments, comment votes and post recommendations.
    Sorts ``plans`` oldest first, the order the posts are saved in."""
    for plan in plans:
        delete_some(rng, plan)
        vote_on(rng, plan, members, now)
    plans.sort(key=lambda p: p.created_at)
    for plan in plans:
        if plan.published_at is None:
            continue
        recommenders = members.sample(plan.recommendations, exclude=plan.author_id)
        window = (now - plan.published_at).total_seconds()
        for user_id in recommenders:
            when = plan.published_at + timedelta(seconds=window * rng.random() ** 2)
            plan.recommended.append((user_id, when))
        plan.recommendations = len(recommenders)


# Moderation ---------------------------------------------------------------------------------------

T = TypeVar("T")


@dataclass
class ModerationPlan(Generic[T]):
    """Which of the candidate comments (forum.demo.write.moderation_candidates) get what."""

    reported_twice: T  # waiting in the queue
    reported_once: T
    hidden: T  # three reports hide it until a moderator looks
    removed: tuple[T, T]  # already removed by a moderator, in the public log
    suspended_author_of: T  # its author is suspended


def plan_moderation(rng: random.Random, candidates: Sequence[T]) -> ModerationPlan[T]:
    picks = rng.sample(candidates, 6)
    return ModerationPlan(picks[0], picks[1], picks[2], (picks[3], picks[4]), picks[5])
