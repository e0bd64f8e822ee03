"""Requests no page can mean anything by: a 400 with a plain page, never a 500."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

# Every model in the admin has an integer key (BigAutoField or AutoField).
MAX_ROW_ID = 2**63 - 1


def _is_row_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ROW_ID


def malformed(request: HttpRequest) -> str | None:
    """Why the request can't be answered, or None."""
    # PostgreSQL refuses NUL in a text value, so `/members/%00/` reaching a query would be a 500.
    # Form fields already refuse NUL with a message (ProhibitNullCharactersValidator).
    if "\x00" in request.path_info or any(
        "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
    ):
        return "The address contains a NUL character."
    # Two inputs Django's admin trusts: an empty `_to_field` makes get_object() look up a field
    # named "" (FieldDoesNotExist), and an action's selection is filtered as row ids unchecked.
    if request.GET.get("_to_field") == "":
        return "The address names no field."
    # CSRF checking reads the POST body before any view anyway, so reading it here costs nothing.
    if request.method == "POST":
        if request.POST.get("_to_field") == "":
            return "The form names no field."
        if not all(_is_row_id(v) for v in request.POST.getlist("_selected_action")):
            return "The selection names something that isn't a row."
    return None


class RejectMalformedRequestsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if reason := malformed(request):
            return HttpResponseBadRequest(render_to_string("400.html", {"reason": reason}))
        return self.get_response(request)


# Browser features no page here uses, denied to every page and to anything injected into one.
# Only features Chromium knows (156 warns about bluetooth, web-share, ambient-light-sensor):
# an unknown name would put an error in every page's console (tests/browser/test_csp.py).
DENIED_FEATURES = [
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]
# Except WebAuthn (two-factor security keys and passkeys, allauth.mfa), for this site's own pages
# only: the browser's default, said outright so that no frame could be given it.
ALLOWED_SELF_FEATURES = ["publickey-credentials-get"]
PERMISSIONS_POLICY = ", ".join(
    [f"{feature}=()" for feature in DENIED_FEATURES]
    + [f"{feature}=(self)" for feature in ALLOWED_SELF_FEATURES]
)


class PermissionsPolicyMiddleware:
    """Sends the fixed Permissions-Policy header (Django has no setting for it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# Two-factor authentication for moderators and staff ----------------------------------------------

# The pages that are moderator tools, by URL name: every page only moderators can use (the views
# refuse anyone else with a 403 of their own). The in-page moderate buttons on threads and
# campaigns post to forum:moderate. tests/accounts/test_two_factor.py checks that every URL
# whose view refuses non-moderators is named here.
MODERATOR_URL_NAMES = frozenset(
    {
        "forum:report-queue",
        "forum:moderate",
        "forum:moderate-member",
        "campaigns:reopen",
    }
)
# Whole URL namespaces: the admin (and the task dashboard mounted inside it when REDIS_URL is set).
MODERATOR_NAMESPACES = frozenset({"admin", "django_rq"})
# Where a stopped moderator was going, so the page after set-up can link back there.
TWO_FACTOR_NEXT_SESSION_KEY = "accounts.two_factor_next"
# The pages allauth shows after an authenticator app or security key is added.
AFTER_SET_UP = frozenset({"mfa_view_recovery_codes", "mfa_index", "mfa_list_webauthn"})
# The second factors that count (recovery codes come with either, and are no factor of their own).
SECOND_FACTORS = ["totp", "webauthn"]


def needs_two_factor(user: Any) -> bool:
    """Moderators, staff and superusers: the accounts that can act on other people's."""
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser or user.is_moderator))


def has_two_factor(user: Any) -> bool:
    from allauth.mfa.utils import is_mfa_enabled

    return bool(is_mfa_enabled(user, types=SECOND_FACTORS))


def is_moderator_tool(request: HttpRequest) -> bool:
    match = request.resolver_match
    if match is None:
        return False
    return match.view_name in MODERATOR_URL_NAMES or any(
        namespace in MODERATOR_NAMESPACES for namespace in match.namespaces
    )


class RequireTwoFactorMiddleware:
    """Moderators, staff and superusers without an authenticator app or security key are sent
    from any moderator tool (MODERATOR_URL_NAMES, MODERATOR_NAMESPACES) to the two-factor page,
    with a message saying why. Every other page, and every other member, costs nothing more than
    the URL's name: the checks that query run only for a moderator tool."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if request.resolver_match and request.resolver_match.view_name in AFTER_SET_UP:
            self.offer_the_way_back(request)
        if not is_moderator_tool(request):
            return None
        user = request.user
        if not needs_two_factor(user) or has_two_factor(user):
            return None
        if request.method == "GET":
            request.session[TWO_FACTOR_NEXT_SESSION_KEY] = request.get_full_path()
        messages.warning(
            request,
            "Moderators and staff must turn on two-factor authentication before using moderator "
            "tools or the admin. Set up an authenticator app or a security key here, then carry on.",
        )
        return redirect("mfa_index")

    @staticmethod
    def offer_the_way_back(request: HttpRequest) -> None:
        """On the pages allauth shows once an authenticator is added, a moderator who was stopped
        gets a link back to where they were going (then forgotten)."""
        next_url = request.session.get(TWO_FACTOR_NEXT_SESSION_KEY)
        if not next_url or not has_two_factor(request.user):
            return
        del request.session[TWO_FACTOR_NEXT_SESSION_KEY]
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts=None):
            messages.info(
                request,
                format_html(
                    "Two-factor authentication is on. Keep your recovery codes somewhere safe, "
                    'then <a href="{}">go on to the page you were opening</a>.',
                    next_url,
                ),
            )
