"""`manage.py retention`: what the retention rules (accounts.retention) would remove, or, with
`--apply`, remove it. Run daily (docs/operations.md): a dry run changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.retention import retention_run
from accounts.tasks import retention_apply


class Command(BaseCommand):
    help = "List what is past its retention period (dry run); --apply removes it."

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--apply", action="store_true", help="Remove what is due, now.")
        action.add_argument(
            "--enqueue", action="store_true", help="Ask the task worker to remove what is due."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = retention_apply.enqueue()
            self.stdout.write(f"retention: queued ({result.id}).")
            return
        outcomes = retention_run(apply=options["apply"])
        for outcome in outcomes:
            self.stdout.write(str(outcome))
        if not options["apply"] and any(outcome.count for outcome in outcomes):
            self.stdout.write("Dry run: nothing was changed. Run with --apply to act.")
