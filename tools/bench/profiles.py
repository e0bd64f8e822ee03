"""The bench's data profiles: how much of everything `make bench` seeds.

Each profile is plain data; its `key()` is what a seeded database records (table bench_profile),
so a second run with the same profile and seed reuses the data instead of seeding again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

SEED = 20_261_203  # random.Random(SEED): the same data every time
SEED_VERSION = 1  # bump when the seeder's output changes, so old databases are seeded again


@dataclass(frozen=True)
class Profile:
    name: str
    members: int
    posts: int  # background posts, besides the named threads below
    background_comments: int  # single-comment trees spread over the background posts (SQL)
    big_thread: int  # "2,000-comment thread": 30% top level, depth up to 8
    huge_thread: int  # "10,000-comment thread", same shape
    wide_thread: int  # top-level comments only
    deep_thread: int  # one chain, this many levels
    small_thread: int  # "small post"
    reply_threads: tuple[int, ...]  # existing comments in the threads replied into
    campaigns: int
    supporters: int  # per campaign

    @property
    def database(self) -> str:
        return "grassroots_bench" if self.name == "default" else f"grassroots_bench_{self.name}"

    @property
    def named_comments(self) -> int:
        return (
            self.big_thread
            + self.huge_thread
            + self.wide_thread
            + self.deep_thread
            + self.small_thread
            + sum(self.reply_threads)
        )

    @property
    def total_comments(self) -> int:
        return self.background_comments + self.named_comments

    def key(self) -> str:
        return json.dumps({**asdict(self), "seed": SEED, "version": SEED_VERSION}, sort_keys=True)


PROFILES = {
    "small": Profile(
        name="small",
        members=50,
        posts=1_000,
        background_comments=10_000,
        big_thread=500,
        huge_thread=2_000,
        wide_thread=500,
        deep_thread=50,
        small_thread=12,
        reply_threads=(0, 1_000, 10_000),
        campaigns=3,
        supporters=20,
    ),
    "default": Profile(
        name="default",
        members=200,
        posts=10_000,
        background_comments=100_000,
        big_thread=2_000,
        huge_thread=10_000,
        wide_thread=2_000,
        deep_thread=100,
        small_thread=12,
        reply_threads=(0, 1_000, 10_000, 100_000),
        campaigns=5,
        supporters=100,
    ),
    # 100,000 posts and 1,000,000 comments in all (the named threads' 125,112 included).
    "large": Profile(
        name="large",
        members=1_000,
        posts=100_000,
        background_comments=874_888,
        big_thread=2_000,
        huge_thread=10_000,
        wide_thread=2_000,
        deep_thread=100,
        small_thread=12,
        reply_threads=(0, 1_000, 10_000, 100_000),
        campaigns=20,
        supporters=500,
    ),
}
