from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        # The sign-up template renders allauth's honeypot field itself (account/signup.html).
        "SIGNUP_HONEYPOT_FIELD": getattr(settings, "ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD", None),
    }
