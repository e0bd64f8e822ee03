"""`make bench`: how fast search answers at a million comments, on PostgreSQL.

Seeds (once, then reuses) a database of --posts posts and --comments comments written in SQL with
generate_series, over a vocabulary whose word frequencies fall off as in real text (a few words
common, most rare), so the index sees what a real forum gives it. Then times forum.search.search()
in process, the page's whole work (rank, union, count, headlines) for a two-word query, and reports
the p50 both in milliseconds and as a ratio to this machine's own ceiling measured in the same run:
the p50 of a primary-key lookup through the ORM (the cheapest query a page makes). Shared machines
are noisy; the ratio is what to compare between runs.

    make bench                       # --large: 10,000 posts, 1,000,000 comments
    make bench BENCH_ARGS="--small"  # 1,000 posts, 50,000 comments, for a quick look

Needs DATABASE_URL to name a PostgreSQL database it may fill (default: grassroots_bench on
127.0.0.1); it never touches another.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/grassroots_bench"
# Real words of the forum's subject at chosen ranks of the vocabulary: the query's two words are
# neither the commonest nor rare.
REAL_WORDS = ["party", "members", "branch", "vote", "union", "money", "finances", "treasurer"]
VOCABULARY = 5000
QUERIES = ["party finances", "treasurer accounts", '"branch meeting" or union']
BUDGET_MS = 50.0


def seed(posts: int, comments: int) -> None:
    from django.db import connection

    from accounts.models import User
    from forum.models import Comment, Post, Section

    if Comment.objects.count() >= comments and Post.objects.count() >= posts:
        print(f"Reusing {posts:,} posts and {comments:,} comments already seeded.")
        return
    print(f"Seeding {posts:,} posts and {comments:,} comments (the first time takes minutes)...")
    Comment.objects.all().delete()
    Post.objects.all().delete()
    author, _ = User.objects.get_or_create(
        username="bench", defaults={"display_name": "Bench", "email": "bench@example.org"}
    )
    section = Section.objects.order_by("pk").first()
    assert section is not None, "migrations make the sections"
    words = [f"w{n}" for n in range(VOCABULARY)]
    for rank, word in zip((40, 90, 160, 250, 400, 600, 900, 1400), REAL_WORDS, strict=True):
        words[rank] = word
    words[1200] = "accounts"
    words[700] = "meeting"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE vocab (n int PRIMARY KEY, word text)")
        cursor.executemany("INSERT INTO vocab VALUES (%s, %s)", list(enumerate(words)))
        # A text of `n` words, each drawn with probability falling off by rank (cube of a uniform).
        # (The draws are made first, then looked up: a random() in the join's condition would be
        # drawn again for every row compared. `{seed} IS NOT NULL` ties it to the outer row.)
        text = (
            "(SELECT string_agg(vocab.word, ' ') FROM (SELECT floor(power(random(), 3) * "
            f"{VOCABULARY})::int AS r FROM generate_series(1, {{n}}) WHERE {{seed}} IS NOT NULL) "
            "AS draw JOIN vocab ON vocab.n = draw.r)"
        )
        cursor.execute(
            "INSERT INTO forum_post (title, slug, body, body_html, status, state, removed_reason, "
            "is_promoted, is_locked, comment_count, recommendation_count, hot, created_at, "
            "published_at, last_activity_at, author_id, section_id) "
            f"SELECT {text.format(n=6, seed='g')}, 'post', {text.format(n=80, seed='g')}, '', "
            "'published', 'visible', '', false, false, 0, 0, 0, now() - g * interval '1 minute', "
            "now() - g * interval '1 minute', now(), %s, %s FROM generate_series(1, %s) AS g",
            [author.pk, section.pk, posts],
        )
        cursor.execute("SELECT min(id), max(id) FROM forum_post")
        low, high = cursor.fetchone()
        batch = 100_000
        for start in range(0, comments, batch):
            size = min(batch, comments - start)
            cursor.execute(
                "INSERT INTO forum_comment (body, body_html, state, removed_reason, upvotes, "
                "downvotes, score, confidence, created_at, lft, rght, tree_id, level, author_id, "
                "post_id) "
                f"SELECT {text.format(n=30, seed='g')}, '', 'visible', '', 0, 0, 0, 0, "
                "now() - g * interval '1 second', 1, 2, g, 0, %s, "
                "%s + (g %% (%s - %s + 1)) FROM generate_series(%s, %s) AS g",
                [author.pk, low, high, low, start + 1, start + size],
            )
            print(f"  {start + size:,} comments")
        cursor.execute("ANALYZE forum_post; ANALYZE forum_comment")


def p50_ms(work: Callable[[], object], runs: int) -> float:
    work()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--large", action="store_true", help="1,000,000 comments (the default)")
    size.add_argument("--small", action="store_true", help="50,000 comments")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    posts, comments = (1_000, 50_000) if args.small else (10_000, 1_000_000)

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SITE_URL", "http://127.0.0.1:8000")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        print("make bench measures PostgreSQL's search: set DATABASE_URL to a PostgreSQL database.")
        return 2
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from forum.models import Post
    from forum.search import Filters, search

    if connection.settings_dict["NAME"] == "postgres":
        print("Refusing to fill the 'postgres' database.")
        return 2
    call_command("migrate", verbosity=0)
    seed(posts, comments)

    some_pk = Post.objects.order_by("pk").values_list("pk", flat=True)[0]
    ceiling = p50_ms(lambda: Post.objects.filter(pk=some_pk).first(), args.runs)
    print(f"\nceiling: primary-key lookup p50 {ceiling:.2f} ms ({comments:,} comments)")
    print(f"{'query':34} {'sort':10} {'results':>8} {'p50 ms':>8} {'x ceiling':>10}")
    failed = False
    for query in QUERIES:
        for sort in ("relevance", "newest"):
            count = search(query, Filters(), sort=sort).count
            ms = p50_ms(functools.partial(search, query, Filters(), sort=sort), args.runs)
            mark = "" if ms <= BUDGET_MS else f"  over {BUDGET_MS:.0f} ms"
            failed |= bool(mark) and query == QUERIES[0]
            print(f"{query:34} {sort:10} {count:>8} {ms:>8.1f} {ms / ceiling:>10.0f}{mark}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
