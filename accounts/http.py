"""The request a `@login_required` view receives, for the type checker."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request whose `user` is a logged-in member, never an AnonymousUser.

    Only an annotation: Django never makes one, and nothing checks it at run time. Type a view's
    `request` with it only under `@login_required`, which is what makes the promise true. Public
    views take `HttpRequest`, whose `user` is `User | AnonymousUser`.
    """

    user: User
