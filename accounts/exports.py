"""A member's copy of their data (UK GDPR art. 15 and 20): asked for, built, handed out, deleted.

- `data_export_request(actor=...)` records the request (a DataExport, "requested") and has the
  worker build it once the transaction commits; it refuses while one is being prepared, or when a
  ready one is less than EXPORT_REPEAT_AFTER old (DataExportRefused, with what to tell them).
- `data_export_build(export_id)` (a task) writes a zip to a temporary file in DATA_EXPORT_ROOT
  and moves it into place: data.json (every section of accounts.data_export) and README.txt (what
  each section is, when it was made, when it will be deleted). It marks the export ready, deletes
  the member's earlier exports, and tells the member (in the site, and by email as they chose).
  Safe to run twice: an export already built is left alone.
- The "data-exports" retention rule deletes exports past `expires_at` (EXPORT_RETENTION_HOURS
  after they were ready), and ones never finished after as long: the file first, then the row.
  Deleting a member deletes their exports, and the files go once that commits (a receiver here).

The view (accounts.views.data_export_download) hands the file to its owner alone.
"""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import tempfile
import zipfile
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from .data_export import export_sections, iso
from .models import DataExport, User
from .queueing import enqueue_after_commit, resumable
from .retention import BATCH, register_retention_rule
from .services import notification_send

log = logging.getLogger(__name__)

# A member may ask again this long after their last export was ready (or after a request that
# seems stuck: the worker died, the queue was down).
EXPORT_REPEAT_AFTER = timedelta(hours=1)


class DataExportRefused(Exception):
    """What to tell the member instead (str(error))."""


def data_export_request(*, actor: User) -> DataExport:
    now = timezone.now()
    with transaction.atomic():
        # One request at a time per member, even from two tabs at once.
        User.objects.select_for_update().filter(pk=actor.pk).values_list("pk").get()
        latest = actor.data_exports.order_by("-created_at", "-pk").first()
        if latest is not None:
            if (
                latest.status == DataExport.Status.REQUESTED
                and latest.created_at > now - EXPORT_REPEAT_AFTER
            ):
                raise DataExportRefused(
                    "Your data is already being prepared. We will tell you when it is ready."
                )
            if (
                latest.status == DataExport.Status.READY
                and latest.ready_at is not None
                and latest.ready_at > now - EXPORT_REPEAT_AFTER
                and latest.is_downloadable
            ):
                raise DataExportRefused(
                    "Your last copy was prepared less than an hour ago: download it below. You "
                    "can ask for a new one an hour after the last was ready."
                )
        export = DataExport.objects.create(user=actor, created_at=now)
        enqueue_after_commit(data_export_build, export.pk)
    return export


def readme(user: User, made_at: datetime, expires_at: datetime) -> str:
    lines = [
        f"Your data from {settings.SITE_NAME}",
        "",
        f"Prepared for @{user.username} on {made_at:%d %B %Y at %H:%M} (UTC).",
        f"This file is deleted from the site {settings.EXPORT_RETENTION_HOURS} hours after it was "
        f"ready, at {expires_at:%d %B %Y %H:%M} (UTC); the copy you downloaded is yours to keep.",
        "",
        "data.json holds everything the site keeps about you, one section each. Times are in",
        "ISO 8601 (UTC); what you wrote is as you typed it (Markdown). Of other members it holds",
        "only what you could already see (their usernames in your conversations), never their",
        "email addresses, and never who reported your content (only how many reports and their",
        "outcomes).",
        "",
        "Sections:",
    ]
    for section in export_sections():
        lines.append(f"- {section.name}: {section.description}".rstrip(": "))
    lines += [
        "",
        f"The privacy notice says what we do with it and why: {settings.SITE_URL}"
        f"{reverse('accounts:privacy')}",
        "",
    ]
    return "\n".join(lines)


def _write_archive(export: DataExport, made_at: datetime, expires_at: datetime) -> tuple[str, int]:
    """Write the zip to a temporary file beside its final place, then move it there. Returns the
    storage name and the size."""
    user = export.user
    root = Path(export.file.storage.path(""))
    root.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "site": settings.SITE_NAME,
        "member": user.username,
        "generated_at": iso(made_at),
        "expires_at": iso(expires_at),
        "sections": {},
    }
    for section in export_sections():
        data["sections"][section.name] = section.build(user)
    descriptor, temporary = tempfile.mkstemp(dir=root, prefix=".building-", suffix=".zip")
    try:
        with (
            os.fdopen(descriptor, "wb") as raw,
            zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf,
        ):
            with zf.open("data.json", "w") as member_file:
                text = io.TextIOWrapper(member_file, encoding="utf-8")
                json.dump(data, text, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
                text.flush()
                text.detach()
            zf.writestr("README.txt", readme(user, made_at, expires_at))
        os.chmod(temporary, 0o600)
        name = f"export-{export.pk}-{secrets.token_hex(8)}.zip"
        os.replace(temporary, root / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name, (root / name).stat().st_size


@resumable
@task
def data_export_build(export_id: int) -> dict[str, int]:
    """Build one export (see the module's docstring); safe to run twice."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.REQUESTED:
        return {"size": 0}
    made_at = timezone.now()
    expires_at = made_at + timedelta(hours=settings.EXPORT_RETENTION_HOURS)
    try:
        name, size = _write_archive(export, made_at, expires_at)
    except Exception:
        log.exception("Data export %s could not be built", export_id)
        DataExport.objects.filter(pk=export_id, status=DataExport.Status.REQUESTED).update(
            status=DataExport.Status.FAILED
        )
        raise
    with transaction.atomic():
        locked = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if locked is None or locked.status != DataExport.Status.REQUESTED:
            # Another run finished first (or the member is gone): this file is not needed.
            export.file.storage.delete(name)
            return {"size": 0}
        locked.status = DataExport.Status.READY
        locked.file.name = name
        locked.size = size
        locked.ready_at = made_at
        locked.expires_at = expires_at
        locked.save(update_fields=["status", "file", "size", "ready_at", "expires_at"])
        # One copy at a time: the earlier ones go now.
        for earlier in DataExport.objects.filter(user_id=locked.user_id).exclude(pk=export_id):
            earlier.delete()
        notification_send(
            recipients=[export.user],
            kind="data_export",
            message="The copy of your data you asked for is ready to download.",
            url=reverse("accounts:data-export"),
            key=f"data_export:{export_id}",
        )
    log.info("Data export %s ready: %d bytes", export_id, size)
    return {"size": size}


# Deleting exports ------------------------------------------------------------------------------


def _file_delete_after_commit(
    sender: type[DataExport], instance: DataExport, **kwargs: Any
) -> None:
    """A deleted export's file goes once the deletion commits (a member deleted, an export
    replaced): a rolled-back deletion keeps its file."""
    if instance.file:
        transaction.on_commit(partial(instance.file.storage.delete, instance.file.name))


def _exports_due(now: datetime) -> QuerySet[Any]:
    stale = now - timedelta(hours=settings.EXPORT_RETENTION_HOURS)
    return DataExport.objects.filter(
        Q(expires_at__lt=now) | (~Q(status=DataExport.Status.READY) & Q(created_at__lt=stale))
    )


def _exports_delete(queryset: QuerySet[Any]) -> int:
    """Each export's file, then its row (a file that can't be deleted keeps its row, so the next
    run tries again)."""
    done = 0
    for export in list(queryset.order_by("pk")[: BATCH * 20]):
        try:
            export.delete_file()
        except OSError:
            log.exception("Retention: the file of data export %s could not be deleted", export.pk)
            continue
        DataExport.objects.filter(pk=export.pk).delete()
        done += 1
    return done


def register_export_rules() -> None:
    post_delete.connect(
        _file_delete_after_commit, sender=DataExport, dispatch_uid="accounts.data_export_file"
    )
    register_retention_rule(
        "data-exports",
        describe=lambda n: (
            f"delete {n} data export{'' if n == 1 else 's'} older than "
            f"{settings.EXPORT_RETENTION_HOURS} hours"
        ),
        due=_exports_due,
        act=_exports_delete,
    )
