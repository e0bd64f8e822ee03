"""`manage.py check_trees`: every comment tree against what a rebuild would give, for a nightly job.

Reads only, by default (`--dry-run`): one line per defect and a summary, exit status 1; nothing
printed and exit status 0 when every tree is sound (`-v 2` prints the summary then too). `--fix`
rebuilds each bad tree with forum.services.tree_repair (which locks the post first, as every tree
write does, and recomputes its comment_count), recounts the posts whose count alone is wrong, then
checks everything again: exit status 0 only if that second check is clean. `--database` checks
another alias (the backup drill checks a restored copy). What is checked: forum/integrity.py.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from forum.integrity import Totals, forest_defects
from forum.services import comment_count_repair, tree_repair


class Command(BaseCommand):
    help = (
        "Check every comment tree against a rebuild from its parent links, and posts' "
        "comment_count; exit status 1 on a defect. --fix repairs."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--dry-run",
            action="store_true",
            help="Report only, change nothing (the default).",
        )
        mode.add_argument(
            "--fix",
            action="store_true",
            help="Rebuild each bad tree and recount comments, each under its post's lock.",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database alias to check (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        database: str = options["database"]
        verbosity: int = options["verbosity"]
        bad_trees, bad_posts, lines, totals = self._check(database, verbosity, prefix="")
        summary = (
            f"check_trees: {totals.trees} trees, {totals.comments} comments, {totals.posts} posts"
        )
        if not lines:
            if verbosity >= 2:
                self.stdout.write(f"{summary}: no defects.")
            return
        summary += (
            f": {lines} defects, in {len(bad_trees)} trees and {len(bad_posts)} posts' "
            "comment counts"
        )
        if not options["fix"]:
            raise CommandError(f"{summary}. Nothing was changed (--fix repairs).", returncode=1)

        rebuilt: set[int] = set()
        for tree_id in sorted(bad_trees):
            rebuilt |= tree_repair(tree_id, using=database)
        for post_id in sorted(bad_posts):
            comment_count_repair(post_id, using=database)
        if verbosity:
            self.stdout.write(
                f"{summary}. Rebuilt {len(rebuilt)} trees {sorted(rebuilt)}; recounted "
                f"{len(bad_posts)} posts' comments {sorted(bad_posts)}."
            )
        _, _, left, _ = self._check(database, verbosity, prefix="after --fix: ")
        if left:
            raise CommandError(
                f"check_trees --fix: {left} defects remain, which a rebuild can't decide "
                "(see above): they need a person.",
                returncode=1,
            )
        if verbosity:
            self.stdout.write("check_trees --fix: every tree and count is sound now.")

    def _check(
        self, database: str, verbosity: int, *, prefix: str
    ) -> tuple[set[int], set[int], int, Totals]:
        """Print each defect as it is found; return the trees and posts to repair, the number of
        defect lines, and what was checked."""
        totals = Totals()
        bad_trees: set[int] = set()
        bad_posts: set[int] = set()
        lines = 0
        for defect in forest_defects(database, totals):
            lines += 1
            if defect.tree_id is not None:
                bad_trees.add(defect.tree_id)
            elif defect.post_id is not None:
                bad_posts.add(defect.post_id)
            if verbosity:
                self.stdout.write(f"{prefix}{defect.message}")
        return bad_trees, bad_posts, lines, totals
