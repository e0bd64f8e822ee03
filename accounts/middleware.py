"""Requests no page can mean anything by."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string


class RejectNulMiddleware:
    """Answer 400 to a NUL byte in the path or the query string.

    No URL or parameter of the site contains one, and PostgreSQL refuses NUL in a text value, so
    letting `/members/%00/` reach a query turns a typo or a probe into a 500. Form fields already
    refuse NUL with a message (Django's ProhibitNullCharactersValidator), so POST bodies are left to
    the forms.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                render_to_string("400.html", {"reason": "The address contains a NUL character."})
            )
        return self.get_response(request)
