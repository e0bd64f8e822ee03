"""The site's periodic jobs: `manage.py housekeeping`, every few minutes.

Neither task backend schedules periodic work, so something outside runs this: `make run` and
`make serve` every HOUSEKEEPING_INTERVAL seconds (tools/run.py), production a cron line or a
systemd timer on one machine (docs/deploy.md). It
- re-queues what dead workers left and sends that never reached the queue (`email_resume`, with
  its default staleness, so live workers' work is left alone), and
- enqueues the retention job (accounts.tasks.retention_prune), which the worker runs, and
- enqueues the daily digests' round (accounts.notifications.digests_send): members whose digest
  notifications are from before today's DIGEST_HOUR get their digest (once: the notifications
  are marked emailed as it is made).
Both are safe to run on several machines at once.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.notifications import digests_send
from accounts.tasks import retention_prune


class Command(BaseCommand):
    help = "Re-queue unfinished work and enqueue the retention job; run every few minutes."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("email_resume", verbosity=options["verbosity"])
        result = retention_prune.enqueue()
        digests = digests_send.enqueue()
        if options["verbosity"]:
            self.stdout.write(
                f"housekeeping: retention job queued ({result.id}), digests queued ({digests.id})."
            )
