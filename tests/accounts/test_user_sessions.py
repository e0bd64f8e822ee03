"""The sessions page (allauth.usersessions): a member sees where they are logged in and ends the
other sessions, as rendered (WebTest), with the site's own session engine too."""

import pytest
from allauth.usersessions.models import UserSession
from django.urls import reverse
from django_webtest import DjangoTestApp  # type: ignore[import-untyped]

from tests.conftest import PASSWORD
from tests.webforms import form_to, form_with

pytestmark = pytest.mark.django_db


def log_in(app, username: str, user_agent: str) -> None:
    app.extra_environ["HTTP_USER_AGENT"] = user_agent
    form = form_with(app.get(reverse("account_login")), "login", "password")
    form["login"] = username
    form["password"] = PASSWORD
    form.submit().follow()
    assert "_auth_user_id" in app.session


@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"],
)
def test_a_member_ends_their_other_sessions_as_rendered(
    settings, app, member, other_member, engine
):
    settings.SESSION_ENGINE = engine
    # Three browsers, each with its own cookies.
    laptop, phone, bobs = app, DjangoTestApp(), DjangoTestApp()
    log_in(laptop, "alice", "Laptop browser")
    log_in(phone, "alice", "Phone browser")
    log_in(bobs, "bob", "Bob's browser")
    assert UserSession.objects.filter(user=member).count() == 2

    settings_page = laptop.get(reverse("accounts:profile-edit"))
    page = settings_page.click("Sessions", href=reverse("usersessions_list"))
    assert "Laptop browser" in page.text and "Phone browser" in page.text
    assert "Bob's browser" not in page.text
    done = form_to(page, reverse("usersessions_list")).submit().follow()
    assert done.request.path == reverse("usersessions_list")
    assert "Phone browser" not in done.text
    assert "Laptop browser" in done.text

    # The phone is logged out; this browser and the other member's are not.
    assert phone.get(reverse("accounts:notifications")).status_code == 302
    assert laptop.get(reverse("accounts:notifications")).status_code == 200
    assert bobs.get(reverse("accounts:notifications")).status_code == 200
    assert list(UserSession.objects.filter(user=member).values_list("user_agent", flat=True)) == [
        "Laptop browser"
    ]
