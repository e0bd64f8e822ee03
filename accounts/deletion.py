"""Deleting a member's account: the parts other apps hold, without accounts importing them.

accounts.services.account_delete erases what accounts holds and scrubs the User row into a
tombstone (threads reference authors with PROTECT, so the row stays); before that it calls every
handler registered here, lowest position first, inside its one transaction and holding the
member's row lock. Apps that depend on accounts register theirs in their AppConfig.ready()
(campaigns, conversations, forum; the data export registers its own for pending exports).

A handler is `handler(user, erase_content=...)`: it removes that app's personal data of the
member (and corrects any counters), and, when `erase_content`, erases the text they wrote as
deleting it themselves would. It must not delete the User.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .models import User


class DeletionHandler(Protocol):
    def __call__(self, user: User, *, erase_content: bool) -> None: ...


@dataclass(frozen=True)
class Handler:
    name: str
    handler: DeletionHandler | Callable[..., None]
    position: int


_HANDLERS: dict[str, Handler] = {}


def register_deletion_handler(
    name: str, handler: DeletionHandler | Callable[..., None], *, position: int = 100
) -> None:
    """Have account deletion call `handler(user, erase_content=...)`; lower positions first.
    (campaigns runs before forum: a campaign passing to a co-organiser takes its discussion post
    with it, before forum erases what is still the member's.)"""
    _HANDLERS[name] = Handler(name=name, handler=handler, position=position)


def deletion_handlers() -> list[Handler]:
    return sorted(_HANDLERS.values(), key=lambda h: (h.position, h.name))
