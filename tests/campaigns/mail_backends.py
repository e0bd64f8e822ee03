"""Email backends for the delivery tests: one that counts its connections, one whose server
refuses one address, and a file backend that hangs part-way, to be killed there."""

import os
import smtplib
import time
from pathlib import Path
from typing import ClassVar

from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

REFUSED = "bounce@example.org"


class Counting(LocmemBackend):
    """The test outbox, counting connections (one per batch)."""

    opened: ClassVar[int] = 0

    def open(self):
        type(self).opened += 1
        return super().open()


class RefusingOne(LocmemBackend):
    def send_messages(self, messages):
        for message in messages:
            if REFUSED in message.to:
                raise smtplib.SMTPRecipientsRefused({REFUSED: (550, b"No such user")})
        return super().send_messages(messages)


class FileHangingAfter(FileBackend):
    """Django's file backend (EMAIL_FILE_PATH, one file per connection), which, in a process
    started with EMAIL_HANG_AFTER=n, writes n messages, then touches EMAIL_HANG_FILE and hangs
    in the middle of the next one: a worker stopped part-way through a send, at a moment the
    test knows, to be killed there."""

    written: ClassVar[int] = 0

    def write_message(self, message):
        hang_after = os.environ.get("EMAIL_HANG_AFTER")
        if hang_after and type(self).written >= int(hang_after):
            Path(os.environ["EMAIL_HANG_FILE"]).touch()
            time.sleep(600)
        super().write_message(message)
        type(self).written += 1
