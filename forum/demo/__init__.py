"""Demo forum content: ~40 more members, ~300 posts and threads of every shape.

Called by ``manage.py demo_data`` (through ``ForumConfig.build_demo``) after ``accounts.demo`` has
created the named demo members. It is built for speed rather than through ``forum.services``:

* corpus.py holds the texts; plan.py decides, in memory and from one seeded ``random.Random``,
  everything the forum will hold, so every run builds the same forum (relative to the day it runs);
  write.py saves it in bulk, all in one transaction.
* Comment trees: django-mptt would shift a whole tree on every insert. Instead forum.bulk computes
  each thread's MPTT fields and bulk-creates the comments level by level. Each top-level comment is
  its own tree, as in the app; on PostgreSQL the block of tree ids is taken from, and then moved
  past in, ``forum_comment_tree_id_seq`` (see ``CommentManager._get_next_tree_id``).
* The moderation history (reports, removals, a lock, a suspension) goes through forum.moderation.

Planning and writing take turns where a choice depends on what was saved: members are saved before
posts are planned (authors are primary keys), and moderation picks from the saved comments. The
random draws happen in the same order every run.

Idempotent: when the marker post already exists it prints one line and returns.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import NoReverseMatch
from django.utils import timezone

from ..models import Post
from . import plan, write
from .corpus import MARKER_AUTHOR, MARKER_SECTION, MARKER_TITLE
from .plan import SEED

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["MARKER_AUTHOR", "MARKER_SECTION", "MARKER_TITLE", "SEED", "build_demo"]


def build_demo(stdout: SupportsWrite[str]) -> None:
    marker = Post.objects.filter(
        title=MARKER_TITLE, section__slug=MARKER_SECTION, author__username=MARKER_AUTHOR
    )
    if marker.exists():
        stdout.write(f"Forum demo data already present ('{MARKER_TITLE}' exists): skipped.")
        return
    started = time.monotonic()
    rng = random.Random(SEED)  # noqa: S311 - demo content, not security
    with transaction.atomic():
        joining = plan.plan_members(rng, write.existing_members(), timezone.now())
        new_members = write.write_members(joining)
        affiliations = plan.plan_affiliations(rng, [user.username for user in new_members])
        write.write_affiliations(new_members, affiliations)
        users = write.demo_speakers()
        sections = write.ensure_sections()
        members = plan.Members(rng, users)
        now = timezone.now().replace(microsecond=0)
        plans = plan.plan_forum(rng, members, now)
        stats = write.write_forum(plans, sections)
        named, reporters, candidates = write.moderation_candidates()
        picks = plan.plan_moderation(rng, candidates)
        moderated = write.write_moderation(named, reporters, picks, plans)
    big = next(p for p in plans if p.marker).post
    try:
        where = big.get_absolute_url()
    except NoReverseMatch:
        where = f"post pk {big.pk} (/p/{big.pk}/{big.slug}/)"
    stdout.write(
        f"Forum demo: {len(new_members)} new members, {stats['posts']} posts "
        f"({stats['drafts']} drafts), {stats['comments']} comments "
        f"({stats['deleted']} deleted, deepest level {stats['max_level']}), "
        f"{stats['votes']} comment votes, {stats['recommendations']} recommendations "
        f"in {time.monotonic() - started:.1f}s."
    )
    stdout.write(f"The {big.comment_count}-comment thread: {where}")
    stdout.write(f"Moderation demo: {moderated}")
