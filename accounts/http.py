"""Typing helpers for views: the request a `@login_required` view receives, and allauth's
re-authentication decorator typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from allauth.account.decorators import reauthentication_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request whose `user` is a logged-in member, never an AnonymousUser.

    Only an annotation: Django never makes one, and nothing checks it at run time. Type a view's
    `request` with it only under `@login_required`, which is what makes the promise true. Public
    views take `HttpRequest`, whose `user` is `User | AnonymousUser`.
    """

    user: User


View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def reauthenticated(*, allow_get: bool = False) -> Callable[[View], View]:
    """allauth's `reauthentication_required`, typed: the view asks for the password again (and
    allauth replays a POST once it is given) when the member's last authentication is older than
    ACCOUNT_REAUTHENTICATION_TIMEOUT. `allow_get` lets GET through (the page itself)."""

    def decorate(view: View) -> View:
        return cast(View, reauthentication_required(view, allow_get=allow_get))

    return decorate
