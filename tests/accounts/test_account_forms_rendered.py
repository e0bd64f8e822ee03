"""allauth's account pages, filled and submitted as the site renders them (WebTest).

allauth's templates render inside the site's layout, so these also prove the layout keeps their
forms whole: the fields, the CSRF token and the named buttons (action_add, action_remove, ...).
Sign-up and log-in forms are covered in their own modules.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD, give_password_again
from tests.webforms import form_to, form_with

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-Long-pass-99"


def link_in(message, path_prefix: str) -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S+/)", message.body)
    assert match, f"no {path_prefix} link in: {message.body}"
    return match.group(1)


def logged_in(app) -> bool:
    return "_auth_user_id" in app.session


# Logging out ------------------------------------------------------------------------------------


def test_log_out_page_asks_then_its_button_logs_out(app, member):
    page = app.get(reverse("account_logout"), user=member)
    assert "Are you sure you want to sign out?" in page.text
    assert logged_in(app)  # visiting only asks
    home = form_to(page, reverse("account_logout")).submit().follow()
    assert not logged_in(app)
    assert "You have signed out." in home.text
    assert ">Log in</a>" in home.text


# Changing the password --------------------------------------------------------------------------


def _password_form(page):
    return form_with(page, "oldpassword", "password1", "password2")


def test_password_change_as_rendered(app, member):
    settings_page = app.get(reverse("accounts:profile-edit"), user=member)
    page = settings_page.click("Password", href=reverse("account_change_password"))
    form = _password_form(page)
    form["oldpassword"] = PASSWORD
    form["password1"] = NEW_PASSWORD
    form["password2"] = NEW_PASSWORD
    done = form.submit().follow()
    assert "Password successfully changed." in done.text
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert logged_in(app)  # the session that changed it stays logged in


def test_password_change_with_the_wrong_old_password_is_refused(app, member):
    form = _password_form(app.get(reverse("account_change_password"), user=member))
    form["oldpassword"] = "not-my-password"
    form["password1"] = NEW_PASSWORD
    form["password2"] = NEW_PASSWORD
    page = form.submit()
    assert page.status_code == 200
    assert "Please type your current password." in page.text
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


# Resetting a forgotten password -----------------------------------------------------------------


def test_password_reset_request_and_the_emailed_form_as_rendered(app, member, mailoutbox):
    login = app.get(reverse("account_login"))
    request_page = login.click(href=reverse("account_reset_password"))
    form = form_with(request_page, "email")
    form["email"] = "alice@example.org"
    sent = form.submit().follow()
    assert sent.request.path == reverse("account_reset_password_done")
    assert "We have sent you an email." in sent.text
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]

    # The link moves its key into the session and shows the new-password form.
    key_page = app.get(link_in(mailoutbox[0], "/accounts/password/reset/key/"))
    key_page = key_page.follow() if key_page.status_code == 302 else key_page
    form = form_with(key_page, "password1", "password2")
    form["password1"] = NEW_PASSWORD
    form["password2"] = NEW_PASSWORD
    done = form.submit().follow()
    assert done.request.path == reverse("account_reset_password_from_key_done")
    assert "Your password is now changed." in done.text
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_address_looks_the_same(app, mailoutbox):
    form = form_with(app.get(reverse("account_reset_password")), "email")
    form["email"] = "nobody@example.org"
    sent = form.submit().follow()
    assert "We have sent you an email." in sent.text
    # allauth tells the address that it has no account (enumeration prevention), nothing more.
    assert all("/accounts/password/reset/key/" not in m.body for m in mailoutbox)


def test_used_reset_link_says_so(app, member, mailoutbox):
    form = form_with(app.get(reverse("account_reset_password")), "email")
    form["email"] = "alice@example.org"
    form.submit()
    link = link_in(mailoutbox[0], "/accounts/password/reset/key/")
    key_page = app.get(link)
    key_page = key_page.follow() if key_page.status_code == 302 else key_page
    form = form_with(key_page, "password1", "password2")
    form["password1"] = form["password2"] = NEW_PASSWORD
    form.submit()
    again = app.get(link)
    again = again.follow() if again.status_code == 302 else again
    assert "Bad Token" in again.text
    assert "password1" not in {f for form in again.forms.values() for f in form.fields}


# Changing the email address (ACCOUNT_CHANGE_EMAIL: one address, changed by verifying a new one) -----


def test_email_change_as_rendered_then_confirm_from_the_emailed_page(app, member, mailoutbox):
    settings_page = app.get(reverse("accounts:profile-edit"), user=member)
    page = settings_page.click("Email address", href=reverse("account_email"))
    form = form_with(page, "email", "action_add")
    form["email"] = "alice.new@example.org"
    # allauth asks for the password again first (ACCOUNT_REAUTHENTICATION_REQUIRED), then makes
    # the change it held.
    asked = form.submit("action_add")
    assert asked.headers["Location"].startswith(reverse("account_reauthenticate"))
    assert mailoutbox == []
    page = give_password_again(asked).follow()
    assert "Confirmation email sent to alice.new@example.org." in page.text
    assert "Your email address is still pending verification." in page.text
    member.refresh_from_db()
    assert member.email == "alice@example.org"  # not yet: only once verified
    assert [m.to for m in mailoutbox] == [["alice.new@example.org"]]

    # The emailed link opens a page that asks; its Confirm button verifies the address.
    link = link_in(mailoutbox[0], "/accounts/confirm-email/")
    confirm_page = app.get(link)
    assert "alice.new@example.org" in confirm_page.text
    # The page signs the key afresh, so its form's action may differ from the link by a second.
    confirm = next(
        form
        for form in confirm_page.forms.values()
        if form.action.startswith("/accounts/confirm-email/")
    )
    confirmed = confirm.submit().follow()
    assert "You have confirmed alice.new@example.org." in confirmed.text
    member.refresh_from_db()
    assert member.email == "alice.new@example.org"
    assert list(EmailAddress.objects.filter(user=member).values_list("email", "verified")) == [
        ("alice.new@example.org", True)
    ]


def test_pending_email_change_can_be_resent_and_cancelled_as_rendered(app, member, mailoutbox):
    form = form_with(app.get(reverse("account_email"), user=member), "email", "action_add")
    form["email"] = "alice.new@example.org"
    page = give_password_again(form.submit("action_add")).follow()

    # Re-send and Cancel sit beside the pending address but belong to the hidden "pending-email"
    # form (the HTML form="" attribute), which carries the pending address.
    pending = page.forms["pending-email"]
    assert pending["email"].value == "alice.new@example.org"
    # allauth sends one confirmation per address per 3 minutes: re-send once that has passed.
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        page = pending.submit("action_send").follow()
    assert "Confirmation email sent to alice.new@example.org." in page.text
    assert [m.to for m in mailoutbox] == [["alice.new@example.org"]] * 2

    page = page.forms["pending-email"].submit("action_remove").follow()
    assert "Removed email address alice.new@example.org." in page.text
    assert "pending verification" not in page.text
    assert list(EmailAddress.objects.filter(user=member).values_list("email", flat=True)) == [
        "alice@example.org"
    ]


def test_email_change_to_a_malformed_address_is_refused_keeping_it(app, member, mailoutbox):
    form = form_with(app.get(reverse("account_email"), user=member), "email", "action_add")
    form["email"] = "alice.new@"
    page = form.submit("action_add")
    assert page.status_code == 200
    assert "Enter a valid email address." in page.text
    assert form_with(page, "email", "action_add")["email"].value == "alice.new@"
    assert EmailAddress.objects.filter(user=member).count() == 1
    assert mailoutbox == []


# Confirming the password again (allauth asks before sensitive changes when a login is old) -------


def test_reauthenticate_page_as_rendered(app, member):
    page = app.get(reverse("account_reauthenticate") + "?next=/account/profile/", user=member)
    form = form_with(page, "password")
    form["password"] = "wrong-password"
    refused = form.submit()
    assert refused.status_code == 200
    assert "Incorrect password." in refused.text
    form = form_with(refused, "password")
    form["password"] = PASSWORD
    done = form.submit()
    assert done.status_code == 302
    assert done.headers["Location"] == "/account/profile/"
