"""The site's URLs plus one that fails, for tests/test_error_reports.py: a real error in a real
request, whose report must not name the member."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from accounts.models import User


@csrf_exempt  # so that a form post reaches the error without a token
def fail(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)  # the test logs a member in
    email = request.user.email  # a local holding personal data, as real code has
    raise RuntimeError(f"Could not send to {email}")


urlpatterns = [path("fail/", fail), path("", include("grassroots.urls"))]
