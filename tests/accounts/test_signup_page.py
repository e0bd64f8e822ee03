"""The sign-up page as a visitor gets it: the form as rendered creates the account and sends the
verification email; the anti-spam honeypot has a label, sits inside the page and traps bots; the
privacy consent links to the privacy notice."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

URL = reverse("account_signup")
NEW_PASSWORD = "a-long-Pass-phrase-42"


def fill(form, **overrides):
    values = {
        "username": "rosa",
        "email": "rosa@example.org",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    values.update(overrides)
    for name, value in values.items():
        form[name] = value
    form["accept_privacy"] = True
    return form


def test_sign_up_form_as_rendered_creates_the_account_and_sends_the_email(app, mailoutbox):
    page = app.get(URL)
    response = fill(page.forms["signup-form"]).submit()
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "Verify Your Email Address" in response.follow().text
    user = User.objects.get(username="rosa")
    assert user.privacy_accepted_at is not None
    assert not EmailAddress.objects.get(user=user).verified
    assert [m.to for m in mailoutbox] == [["rosa@example.org"]]
    assert re.search(r"/accounts/confirm-email/\S+/", mailoutbox[0].body)


def test_sign_up_with_the_honeypot_filled_creates_nothing(app, mailoutbox):
    form = fill(app.get(URL).forms["signup-form"])
    form["website"] = "http://spam.example"  # what a bot filling every field does
    response = form.submit()
    # It looks like success to the bot, and nothing was made.
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not User.objects.filter(username="rosa").exists()
    assert mailoutbox == []


def test_honeypot_is_labelled_hidden_and_inside_the_page(app):
    html = app.get(URL).html
    field = html.find("input", attrs={"name": "website"})
    label = html.find("label", attrs={"for": field["id"]})
    assert label is not None and label.get_text(strip=True) == "Leave this field empty"
    box = field.find_parent("div")
    assert "honeypot" in box["class"]
    assert box["aria-hidden"] == "true"
    assert field["tabindex"] == "-1"
    assert field["autocomplete"] == "off"  # allauth's "nope" is not a valid autocomplete token
    assert field.get("style") is None  # allauth's right: -99999px made phones scroll sideways
    assert "99999" not in str(html)


def test_privacy_consent_links_to_the_privacy_notice_in_a_new_tab(app):
    html = app.get(URL).html
    box = html.find("input", attrs={"name": "accept_privacy"})
    label = html.find("label", attrs={"for": box["id"]})
    link = label.find("a")
    assert link["href"] == reverse("accounts:privacy")
    assert link["target"] == "_blank" and "noopener" in link["rel"]
    assert "privacy notice" in label.get_text()


def test_sign_up_without_consent_as_rendered_says_why_and_keeps_the_input(app, mailoutbox):
    form = fill(app.get(URL).forms["signup-form"])
    form["accept_privacy"] = False
    response = form.submit()
    assert response.status_code == 200
    assert "You need to accept the privacy notice to join." in response.text
    again = response.forms["signup-form"]
    assert again["username"].value == "rosa"
    assert again["email"].value == "rosa@example.org"
    assert not User.objects.filter(username="rosa").exists()
    assert mailoutbox == []
