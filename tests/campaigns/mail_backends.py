"""Email backends for the delivery tests: one that counts its connections, one whose server
refuses one address, and one that is down until told otherwise."""

import smtplib
from typing import ClassVar

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
