"""The bench's seeder: the same data every time (random.Random(SEED), setseed() in SQL), in bulk.

- members: User rows with a verified allauth EmailAddress (they can log in: BENCH_PASSWORD);
- background posts (bulk_create) and background comments, single-comment trees written in SQL
  with generate_series (lft=1, rght=2, level=0, tree ids reserved from forum_comment_tree_id_seq
  as the app takes them);
- the named threads, whole trees numbered by forum.bulk.bulk_create_trees: the big thread (30%
  top level, depth up to 8), the huge one (same shape), a wide one (top level only), a deep one
  (one chain), a small post, and the threads replied into (0, 1k, 10k, 100k comments);
- published campaigns with supporters, through campaigns.services (so their discussions, organisers
  and counters are what the site would make).

Posts' comment_count and last_activity_at are then computed from the comments written. What was
seeded is recorded in the table bench_profile: a database that already holds the profile asked
for is reused; any other is emptied (DROP SCHEMA public) and seeded again.
"""

from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .profiles import SEED, Profile

BENCH_PASSWORD = "bench-password-not-secret-42"  # noqa: S105 (seeded members of a bench database)
VOCABULARY = 5000
# Real words of the forum's subject at chosen ranks of the vocabulary (search's query words are
# neither the commonest nor rare), as the search bench always had them.
REAL_WORDS = {
    40: "party",
    90: "members",
    160: "branch",
    250: "vote",
    400: "union",
    600: "finances",
    700: "meeting",
    900: "treasurer",
    1200: "accounts",
    1400: "money",
}
MAX_LEVEL = 7  # levels 0..7: "depth up to 8"
TOP_SHARE = 0.3


class Progress:
    """A one-line progress bar on stderr: `label [#####.....] 12,345/100,000`."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self.started = time.perf_counter()
        self._draw()

    def advance(self, count: int) -> None:
        self.done = min(self.total, self.done + count)
        self._draw()

    def _draw(self) -> None:
        width = 30
        filled = int(width * self.done / self.total)
        bar = "#" * filled + "." * (width - filled)
        seconds = time.perf_counter() - self.started
        sys.stderr.write(
            f"\r  {self.label:24} [{bar}] {self.done:>9,}/{self.total:,} {seconds:6.1f} s"
        )
        sys.stderr.flush()

    def finish(self) -> None:
        self.done = self.total
        self._draw()
        sys.stderr.write("\n")


@dataclass
class Seeded:
    """What the bench measures, found again in a reused database (stored as JSON)."""

    posts: dict[str, int] = field(default_factory=dict)  # name -> post pk
    campaigns: list[str] = field(default_factory=list)  # slugs
    member: str = ""  # username of the member the bench logs in as
    seconds: float = 0.0  # how long seeding took

    def dumps(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def loads(cls, text: str) -> Seeded:
        return cls(**json.loads(text))


def words_for(rng: random.Random) -> list[str]:
    words = [f"w{n}" for n in range(VOCABULARY)]
    for rank, word in REAL_WORDS.items():
        words[rank] = word
    return words


def text(rng: random.Random, words: list[str], count: int) -> str:
    """`count` words, each drawn with a probability falling off by rank (cube of a uniform)."""
    return " ".join(words[int(rng.random() ** 3 * VOCABULARY)] for _ in range(count))


# The marker -------------------------------------------------------------------------------------


def recorded(profile: Profile) -> Seeded | None:
    """What an earlier run seeded, if it seeded this very profile (else None)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_profile') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT key, seeded FROM bench_profile")
        row = cursor.fetchone()
    if row is None or row[0] != profile.key():
        return None
    return Seeded.loads(row[1])


def record(profile: Profile, seeded: Seeded) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_profile (key text NOT NULL, seeded text NOT NULL, "
            "seeded_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute("DELETE FROM bench_profile")
        cursor.execute(
            "INSERT INTO bench_profile (key, seeded) VALUES (%s, %s)",
            [profile.key(), seeded.dumps()],
        )


def wipe() -> None:
    """Empty the (bench) database: every table goes, then migrate makes them again."""
    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    assert "bench" in name, f"refusing to wipe {name!r}: not a bench database"
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


# Seeding ----------------------------------------------------------------------------------------


def seed(profile: Profile) -> tuple[Seeded, bool]:
    """The profile's data, seeded now or found from an earlier run; and whether it was reused."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    found = recorded(profile)
    if found is not None:
        return found, True
    started = time.perf_counter()
    print(f"Seeding profile {profile.name!r} ({profile.total_comments:,} comments), seed {SEED}:")
    wipe()
    rng = random.Random(SEED)
    seeded = Seeded()
    from django.utils import timezone

    # Whole minutes: the same clock for every row of one seeding.
    now = timezone.now().replace(second=0, microsecond=0)
    members = seed_members(profile, rng, now)
    seeded.member = members[1][1]
    member_ids = [pk for pk, _ in members]
    words = words_for(rng)
    bodies = body_pool(rng, words)
    seed_background(profile, rng, words, member_ids, now)
    seeded.posts = seed_threads(profile, rng, words, bodies, member_ids, now)
    seeded.campaigns = seed_campaigns(profile, rng, words, member_ids)
    finish_counters()
    seeded.seconds = time.perf_counter() - started
    record(profile, seeded)
    print(f"Seeded in {seeded.seconds:.0f} s.")
    return seeded, False


def seed_members(profile: Profile, rng: random.Random, now: datetime) -> list[tuple[int, str]]:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    progress = Progress("members", profile.members)
    password = make_password(BENCH_PASSWORD)  # hashed once, shared
    users = []
    for n in range(profile.members):
        joined = now - timedelta(days=30 + rng.randrange(700))
        users.append(
            User(
                username=f"bench{n:05d}",
                email=f"bench{n:05d}@example.org",
                password=password,
                display_name=f"Bench Member {n}",
                date_joined=joined,
                privacy_accepted_at=joined,
            )
        )
    User.objects.bulk_create(users, batch_size=1000)
    made = list(User.objects.filter(username__startswith="bench").order_by("pk"))
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in made),
        batch_size=1000,
    )
    progress.finish()
    return [(u.pk, u.username) for u in made]


def body_pool(rng: random.Random, words: list[str], size: int = 400) -> list[tuple[str, str]]:
    """Comment texts and their HTML, rendered once each (as forum.services renders them)."""
    from forum.markup import render_markdown

    pool: list[tuple[str, str]] = []
    for _ in range(size):
        paragraphs = [text(rng, words, rng.randint(8, 40)) for _ in range(rng.randint(1, 3))]
        body = "\n\n".join(paragraphs)
        pool.append((body, render_markdown(body)))
    return pool


def _post(
    rng: random.Random,
    words: list[str],
    bodies: list[tuple[str, str]],
    member_ids: list[int],
    section_ids: list[int],
    published: datetime,
    title: str | None = None,
    **extra: Any,
) -> Any:
    from django.utils.text import slugify

    from forum.models import Post, hot_score

    title = title or text(rng, words, 6).capitalize()
    body, body_html = rng.choice(bodies)
    return Post(
        title=title,
        slug=slugify(title)[:75] or "post",
        body=body,
        body_html=body_html,
        status=Post.Status.PUBLISHED,
        author_id=rng.choice(member_ids),
        section_id=rng.choice(section_ids),
        created_at=published,
        published_at=published,
        last_activity_at=published,
        hot=hot_score(0, published),
        **extra,
    )


def seed_background(
    profile: Profile, rng: random.Random, words: list[str], member_ids: list[int], now: datetime
) -> None:
    """The background posts (newest first, a minute apart) and their single-comment trees."""
    from django.db import connection

    from forum.bulk import reserve_tree_ids
    from forum.markup import render_markdown
    from forum.models import Post, Section

    section_ids = list(Section.objects.values_list("pk", flat=True))
    bodies: list[tuple[str, str]] = []
    for _ in range(200):
        body = text(rng, words, rng.randint(40, 120))
        bodies.append((body, render_markdown(body)))
    progress = Progress("posts", profile.posts)
    batch = 2000
    for start in range(0, profile.posts, batch):
        posts = [
            _post(
                rng,
                words,
                bodies,
                member_ids,
                section_ids,
                now - timedelta(minutes=60 + n),
                is_promoted=n < 3,
            )
            for n in range(start, min(profile.posts, start + batch))
        ]
        Post.objects.bulk_create(posts, batch_size=batch)
        progress.advance(len(posts))
    progress.finish()

    comments = profile.background_comments
    if not comments:
        return
    progress = Progress("background comments", comments)
    text_sql = (
        "(SELECT string_agg(vocab.word, ' ') FROM (SELECT floor(power(random(), 3) * "
        f"{VOCABULARY})::int AS r FROM generate_series(1, {{n}}) WHERE {{seed}} IS NOT NULL) "
        "AS draw JOIN vocab ON vocab.n = draw.r)"
    )
    with connection.cursor() as cursor:
        # random() in this session repeats from here: the same comments every seeding.
        cursor.execute("SELECT setseed(%s)", [(SEED % 1000) / 1000])
        cursor.execute("CREATE TEMP TABLE vocab (n int PRIMARY KEY, word text)")
        cursor.executemany("INSERT INTO vocab VALUES (%s, %s)", list(enumerate(words)))
        cursor.execute(
            "CREATE TEMP TABLE bg_post AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, "
            "id, published_at FROM forum_post"
        )
        cursor.execute("CREATE UNIQUE INDEX ON bg_post (n)")
        cursor.execute("CREATE TEMP TABLE bg_member (n int PRIMARY KEY, id bigint)")
        cursor.executemany("INSERT INTO bg_member VALUES (%s, %s)", list(enumerate(member_ids)))
        first_tree = reserve_tree_ids(comments)
        step = 50_000
        for start in range(0, comments, step):
            size = min(step, comments - start)
            # Comment g goes to post g mod posts, written by member (g * 7919) mod members,
            # within two days of the post (never in the future).
            cursor.execute(
                "INSERT INTO forum_comment (body, body_html, state, removed_reason, upvotes, "
                "downvotes, score, confidence, created_at, lft, rght, tree_id, level, author_id, "
                "post_id) "
                f"SELECT t.body, '<p>' || t.body || '</p>', 'visible', '', 0, 0, 0, 0, "
                "LEAST(%s, p.published_at + (g %% 2880) * interval '1 minute'), 1, 2, "
                "%s + g, 0, m.id, p.id FROM generate_series(%s, %s) AS g "
                "JOIN bg_post p ON p.n = g %% %s "
                "JOIN bg_member m ON m.n = (g::bigint * 7919) %% %s "
                f"CROSS JOIN LATERAL {text_sql.format(n=30, seed='g')} AS t(body)",
                [now, first_tree, start, start + size - 1, profile.posts, len(member_ids)],
            )
            progress.advance(size)
        cursor.execute("DROP TABLE vocab, bg_post, bg_member")
    progress.finish()


def forest(
    count: int,
    rng: random.Random,
    make: Any,
    *,
    top_share: float = TOP_SHARE,
    max_level: int = MAX_LEVEL,
) -> list[Any]:
    """`count` comments: `top_share` of them top-level, the rest replies to an earlier comment
    (recent ones likelier) no deeper than `max_level`. `make(n)` builds the n-th TreeNode."""
    roots: list[Any] = []
    open_parents: list[tuple[Any, int]] = []  # (node, level) that may take replies
    for n in range(count):
        node = make(n)
        if not open_parents or rng.random() < top_share:
            roots.append(node)
            level = 0
        else:
            # sqrt of a uniform leans to the end of the list: conversations continue where they are.
            parent, parent_level = open_parents[int(len(open_parents) * rng.random() ** 0.5)]
            parent.children.append(node)
            level = parent_level + 1
        if level < max_level:
            open_parents.append((node, level))
    return roots


def chain(count: int, make: Any) -> list[Any]:
    """One top-level comment and a reply to each reply: `count` levels."""
    if not count:
        return []
    root = node = make(0)
    for n in range(1, count):
        child = make(n)
        node.children.append(child)
        node = child
    return [root]


def seed_threads(
    profile: Profile,
    rng: random.Random,
    words: list[str],
    bodies: list[tuple[str, str]],
    member_ids: list[int],
    now: datetime,
) -> dict[str, int]:
    """The named threads, each a post of its own, published in the last hour (listed first in New)."""
    from forum.bulk import TreeNode, bulk_create_trees
    from forum.models import Post, Section

    section_ids = list(Section.objects.values_list("pk", flat=True))
    shapes: list[tuple[str, str, int, str]] = [
        ("small", "A small discussion", profile.small_thread, "forest"),
        ("big", f"A {profile.big_thread:,}-comment discussion", profile.big_thread, "forest"),
        ("huge", f"A {profile.huge_thread:,}-comment discussion", profile.huge_thread, "forest"),
        ("wide", f"A wide discussion: {profile.wide_thread:,} top-level comments",
         profile.wide_thread, "wide"),
        ("deep", f"A deep discussion: {profile.deep_thread} levels", profile.deep_thread, "chain"),
    ]  # fmt: skip
    for size in profile.reply_threads:
        shapes.append((f"reply-{size}", f"Replies into {size:,} comments", size, "forest"))
    total = sum(size for _, _, size, _ in shapes)
    progress = Progress("named threads", total)
    found: dict[str, int] = {}
    for index, (name, title, size, shape) in enumerate(shapes):
        published = now - timedelta(minutes=index + 1)
        post = _post(rng, words, bodies, member_ids, section_ids, published, title=title)
        post.save()
        found[name] = post.pk
        start = published + timedelta(seconds=1)

        def make(
            n: int, post_id: int = post.pk, start: datetime = start, size: int = size
        ) -> TreeNode:
            body, body_html = rng.choice(bodies)
            return TreeNode(
                {
                    "post_id": post_id,
                    "author_id": rng.choice(member_ids),
                    "body": body,
                    "body_html": body_html,
                    # Never later than now: spread over the minute the post has had.
                    "created_at": start + timedelta(microseconds=n * 50_000_000 // max(size, 1)),
                }
            )

        if shape == "forest":
            roots = forest(size, rng, make)
        elif shape == "wide":
            roots = [make(n) for n in range(size)]
        else:
            roots = chain(size, make)
        # Big forests in slices of trees, so memory stays bounded and the bar moves.
        for begin in range(0, len(roots), 500):
            created = bulk_create_trees(roots[begin : begin + 500], batch_size=2000)
            progress.advance(created)
        Post.objects.filter(pk=post.pk).update(comment_count=size)
    progress.finish()
    return found


def seed_campaigns(
    profile: Profile, rng: random.Random, words: list[str], member_ids: list[int]
) -> list[str]:
    """Published campaigns, each with supporters, through campaigns.services."""
    from accounts.models import User
    from campaigns.models import SUPPORT_CONSENT, NameVisibility
    from campaigns.services import (
        CampaignFields,
        campaign_create,
        campaign_publish,
        support_add,
    )
    from forum.models import Section

    section = Section.objects.order_by("pk").first()
    assert section is not None, "migrations make the sections"
    users = {u.pk: u for u in User.objects.filter(pk__in=member_ids)}
    progress = Progress("campaigns", profile.campaigns * (1 + profile.supporters))
    slugs = []
    visibilities = [choice for choice, _ in NameVisibility.choices]
    for n in range(profile.campaigns):
        owner = users[member_ids[n % len(member_ids)]]
        fields = CampaignFields(
            title=f"Campaign {n + 1}: {text(rng, words, 4)}",
            summary=text(rng, words, 20),
            target="The council",
            ask=text(rng, words, 30),
            body="\n\n".join(text(rng, words, 60) for _ in range(3)),
            goal=max(10, profile.supporters * 2),
            deadline=None,
            section=section,
        )
        campaign = campaign_create(actor=owner, fields=fields)
        campaign = campaign_publish(campaign=campaign, actor=owner)
        slugs.append(campaign.slug)
        progress.advance(1)
        supporters = rng.sample(member_ids, min(profile.supporters, len(member_ids)))
        for user_id in supporters:
            support_add(
                campaign=campaign,
                actor=users[user_id],
                contact_ok=False,
                name_visibility=rng.choice(visibilities),
                support_consent_version=SUPPORT_CONSENT.version,
            )
            progress.advance(1)
    progress.finish()
    return slugs


def finish_counters() -> None:
    """Posts' comment_count and last_activity_at from their comments; statistics for the planner."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE forum_post p SET comment_count = c.n, last_activity_at = "
            "GREATEST(p.published_at, c.last) FROM (SELECT post_id, count(*) AS n, "
            "max(created_at) AS last FROM forum_comment GROUP BY post_id) c WHERE c.post_id = p.id"
        )
        cursor.execute(
            "SELECT setval('forum_comment_tree_id_seq', GREATEST((SELECT max(tree_id) FROM "
            "forum_comment), (SELECT last_value FROM forum_comment_tree_id_seq)))"
        )
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would leave it (visibility map too)
