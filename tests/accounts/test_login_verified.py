"""Only a verified email address is a log-in name (accounts.backends.VerifiedEmailBackend); the
username and every verified address still work. Through the log-in form as rendered."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD, give_password_again
from tests.webforms import form_to, form_with

pytestmark = pytest.mark.django_db

# allauth's own message for a wrong email/password pair: the same whatever was wrong.
WRONG_EMAIL_OR_PASSWORD = "The email address and/or password you specified are not correct."


def log_in(app, login: str, password: str = PASSWORD):
    form = form_to(app.get(reverse("account_login")), reverse("account_login"))
    form["login"] = login
    form["password"] = password
    return form.submit()


def logged_in_as(app) -> str | None:
    return app.session.get("_auth_user_id")


def add_address_under_settings(app, member, address: str) -> None:
    """Settings → Email address → add, as the page renders it: the address is then pending."""
    page = app.get(reverse("account_email"), user=member)
    form = form_with(page, "email", "action_add")
    form["email"] = address
    # allauth asks for the password again first (ACCOUNT_REAUTHENTICATION_REQUIRED).
    added = give_password_again(form.submit("action_add")).follow()
    assert "Confirmation email sent" in added.text
    assert not EmailAddress.objects.get(email=address).verified
    app.get(reverse("account_logout"))  # the page that asks
    form_to(app.get(reverse("account_logout")), reverse("account_logout")).submit()
    assert logged_in_as(app) is None


def test_pending_address_from_settings_does_not_log_in(app, member, mailoutbox):
    add_address_under_settings(app, member, "alice.new@example.org")
    page = log_in(app, "alice.new@example.org")
    assert page.status_code == 200
    assert WRONG_EMAIL_OR_PASSWORD in page.text
    assert form_to(page, reverse("account_login"))["login"].value == "alice.new@example.org"
    assert logged_in_as(app) is None
    # Nothing more was sent to the pending address: it is not a way in, even through its link.
    assert [m.to for m in mailoutbox] == [["alice.new@example.org"]]


def test_while_an_address_is_pending_the_verified_one_and_the_username_still_log_in(
    app, member, mailoutbox
):
    add_address_under_settings(app, member, "alice.new@example.org")
    assert log_in(app, "alice@example.org").status_code == 302
    assert logged_in_as(app) == str(member.pk)
    app.reset()
    assert log_in(app, "alice").status_code == 302
    assert logged_in_as(app) == str(member.pk)


def test_pending_address_looks_like_an_unknown_one(app, member):
    # No enumeration: a pending address with the right password reads as an address with no account.
    EmailAddress.objects.create(user=member, email="alice.new@example.org", verified=False)
    pending = log_in(app, "alice.new@example.org").html.select_one(".errorlist, .error")
    unknown = log_in(app, "nobody@example.org").html.select_one(".errorlist, .error")
    assert pending.get_text(strip=True) == unknown.get_text(strip=True)


def test_address_logs_in_once_verified(app, member):
    address = EmailAddress.objects.create(
        user=member, email="alice.work@example.org", verified=False
    )
    assert WRONG_EMAIL_OR_PASSWORD in log_in(app, "alice.work@example.org").text
    address.verified = True
    address.save()
    assert log_in(app, "Alice.Work@example.org").status_code == 302  # in any case, as allauth
    assert logged_in_as(app) == str(member.pk)


def test_new_account_logs_in_by_username_only_until_verified(app, mailoutbox):
    form = app.get(reverse("account_signup")).forms["signup-form"]
    form["username"] = "rosa"
    form["email"] = "rosa@example.org"
    form["password1"] = form["password2"] = "a-long-Pass-phrase-42"
    form["accept_privacy"] = True
    form.submit()
    app.reset()
    assert WRONG_EMAIL_OR_PASSWORD in log_in(app, "rosa@example.org", "a-long-Pass-phrase-42").text
    # The username is still recognised, and leads to allauth's "verify your address" step.
    page = log_in(app, "rosa", "a-long-Pass-phrase-42")
    assert page["Location"] == reverse("account_email_verification_sent")
    assert logged_in_as(app) is None


def test_user_email_column_alone_is_not_a_log_in_name(app, db):
    # allauth falls back to User.email when no verified address matches; an account made in code
    # or the shell has one with nothing verified.
    User.objects.create_user(username="shelly", email="shelly@example.org", password=PASSWORD)
    assert WRONG_EMAIL_OR_PASSWORD in log_in(app, "shelly@example.org").text
    assert log_in(app, "shelly").status_code == 302


def test_one_address_pending_on_two_accounts_logs_neither_in(app, member, other_member):
    # Anyone can type someone else's address into Settings → Email: it proves nothing.
    EmailAddress.objects.create(user=other_member, email="alice@example.org", verified=False)
    other_member.set_password("bobs-own-Password-9")
    other_member.save()
    assert WRONG_EMAIL_OR_PASSWORD in log_in(app, "alice@example.org", "bobs-own-Password-9").text
    assert log_in(app, "alice@example.org").status_code == 302
    assert logged_in_as(app) == str(member.pk)
