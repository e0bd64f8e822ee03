from __future__ import annotations

from allauth.account import app_settings
from allauth.account.app_settings import LoginMethod
from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.models import EmailAddress

from .models import User


class VerifiedEmailBackend(AuthenticationBackend):
    """allauth's backend, except that an email address is a log-in name only once it is verified.

    allauth also accepts an address still pending verification (a second address just added
    under Settings → Email, or the one a new account signed up with) and falls back to
    User.email: anyone can type an address they don't own there. Usernames are untouched.
    Overrides a private method of allauth 65 (pinned): tests/accounts/test_login_verified.py
    would catch an upgrade that stops calling it.
    """

    def _authenticate_by_email(self, email: str, password: str) -> User | None:
        if not email or LoginMethod.EMAIL not in app_settings.LOGIN_METHODS:
            return None
        # allauth stores addresses lower-cased, and looks them up the same way.
        addresses = EmailAddress.objects.filter(email=email.lower(), verified=True)
        for address in addresses.select_related("user"):
            user: User = address.user  # allauth is untyped: its models are Any
            if self._check_password(user, password):
                return user
        return None
