"""Requests no page can mean anything by: a 400 with a plain page, never a 500."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string

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
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)


class PermissionsPolicyMiddleware:
    """Sends the fixed Permissions-Policy header (Django has no setting for it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
