import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.conftest import force_login_fresh

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-Pass-phrase-42"


def sign_up(client: Client, **overrides):
    data = {
        "username": "rosa",
        "email": "rosa@example.org",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "accept_privacy": "on",
    }
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


def confirmation_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body)
    assert match, f"no confirmation link in: {message.body}"
    return match.group(1)


def logged_in_user_id(client: Client):
    return client.session.get("_auth_user_id")


def test_signup_verify_login_logout(client, mailoutbox):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="rosa")
    assert user.privacy_accepted_at is not None
    assert not EmailAddress.objects.get(user=user).verified
    assert logged_in_user_id(client) is None

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["rosa@example.org"]
    path = confirmation_path(mailoutbox[0])

    # Following the link shows a confirmation form; confirming (POST) verifies the address.
    confirm_page = Client().get(path)
    assert confirm_page.status_code == 200
    assert "rosa@example.org" in confirm_page.content.decode()
    Client().post(path)
    assert EmailAddress.objects.get(user=user).verified

    fresh = Client()
    response = fresh.post(reverse("account_login"), {"login": "rosa", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(fresh) == str(user.pk)
    home = fresh.get(reverse("forum:home"))
    assert 'class="current-user">rosa<' in home.content.decode()

    # GET on logout only asks; POST logs out.
    assert fresh.get(reverse("account_logout")).status_code == 200
    assert logged_in_user_id(fresh) == str(user.pk)
    fresh.post(reverse("account_logout"))
    assert logged_in_user_id(fresh) is None


def test_login_by_email_address_works(client, member):
    response = client.post(
        reverse("account_login"),
        {"login": "alice@example.org", "password": "correct-horse-battery-42"},
    )
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(member.pk)


def test_unverified_account_cannot_log_in(client, mailoutbox):
    sign_up(client)
    fresh = Client()
    response = fresh.post(reverse("account_login"), {"login": "rosa", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert logged_in_user_id(fresh) is None
    assert fresh.get(reverse("accounts:profile-edit")).status_code == 302


def test_wrong_password_shows_error_and_keeps_username(client, member):
    response = client.post(reverse("account_login"), {"login": "alice", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "not correct" in html
    assert 'value="alice"' in html
    assert logged_in_user_id(client) is None


def test_signup_without_privacy_consent_is_refused_keeping_input(client, mailoutbox):
    response = sign_up(client, accept_privacy="")
    assert response.status_code == 200
    html = response.content.decode()
    assert "You need to accept the privacy notice to join." in html
    assert 'value="rosa"' in html
    assert 'value="rosa@example.org"' in html
    assert not User.objects.filter(username="rosa").exists()
    assert mailoutbox == []


def test_reserved_username_is_refused(client):
    response = sign_up(client, username="moderator")
    assert response.status_code == 200
    assert not User.objects.filter(username="moderator").exists()


def test_signup_with_taken_email_does_not_reveal_the_account(client, member, mailoutbox):
    # Enumeration prevention: the page looks like success; the owner of the address is told by email.
    response = sign_up(client, username="impostor", email="alice@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not User.objects.filter(username="impostor").exists()
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]


def test_password_reset_sends_a_working_link(client, member, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[0].body)
    assert match
    # allauth moves the key out of the URL into the session on the first GET.
    response = client.get(match.group(1), follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else match.group(1)
    new = "another-Long-pass-99"
    response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(new)


def test_password_reset_for_unknown_email_looks_the_same(client, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")


def test_password_change_requires_old_password(member_client, member):
    response = member_client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "new-Long-pass-77", "password2": "new-Long-pass-77"},
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.check_password("correct-horse-battery-42")
    response = member_client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "correct-horse-battery-42",
            "password1": "new-Long-pass-77",
            "password2": "new-Long-pass-77",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("new-Long-pass-77")


def test_email_change_takes_effect_only_once_verified(client, member, mailoutbox):
    force_login_fresh(client, member)  # the password given again (re-authentication)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "alice.new@example.org"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.email == "alice@example.org"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice.new@example.org"]
    client.post(confirmation_path(mailoutbox[0]))
    member.refresh_from_db()
    assert member.email == "alice.new@example.org"
    assert list(EmailAddress.objects.filter(user=member).values_list("email", flat=True)) == [
        "alice.new@example.org"
    ]


def test_repeated_failed_logins_are_rate_limited(client, member):
    # allauth allows 5 failures per 5 minutes per login name.
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": "alice", "password": "wrong"})
        assert "not correct" in response.content.decode()
    # Even the right password is refused while the limit holds.
    response = client.post(
        reverse("account_login"), {"login": "alice", "password": "correct-horse-battery-42"}
    )
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_logged_in_non_staff_member_is_refused_by_admin(member_client):
    assert member_client.get(reverse("admin:login")).status_code == 403
    response = member_client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_signup_with_honeypot_filled_creates_nothing(client, mailoutbox):
    response = sign_up(client, website="http://spam.example")
    assert response.status_code == 302
    assert not User.objects.filter(username="rosa").exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    "name", ["account_login", "account_signup", "account_reset_password", "account_email"]
)
def test_allauth_pages_use_the_site_layout(member_client, client, name):
    page = (member_client if name == "account_email" else Client()).get(reverse(name))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="site-header"' in html
    assert "css/site.css" in html
    assert 'href="/privacy/"' in html


# The same journey through the forms the pages render (WebTest) --------------------------------


def test_signup_verify_login_as_rendered(app, mailoutbox):
    form = app.get(reverse("forum:home")).click("Join", index=0).forms["signup-form"]
    form["username"] = "rosa"
    form["email"] = "rosa@example.org"
    form["password1"] = NEW_PASSWORD
    form["password2"] = NEW_PASSWORD
    form["accept_privacy"] = True
    sent = form.submit().follow()
    assert "We have sent an email to you for verification." in sent.text
    user = User.objects.get(username="rosa")
    assert user.privacy_accepted_at is not None

    confirm_page = app.get(confirmation_path(mailoutbox[0]))
    confirm = next(
        f for f in confirm_page.forms.values() if f.action.startswith("/accounts/confirm-email/")
    )
    confirm.submit()
    assert EmailAddress.objects.get(user=user).verified

    app.reset()
    login_page = app.get(reverse("account_login"))
    form = next(f for f in login_page.forms.values() if f.action == reverse("account_login"))
    form["login"] = "rosa@example.org"  # the verified address works as a log-in name
    form["password"] = NEW_PASSWORD
    home = form.submit().follow()
    assert 'class="current-user">rosa<' in home.text


def test_signup_as_rendered_refuses_a_taken_username_keeping_input(app, member, mailoutbox):
    form = app.get(reverse("account_signup")).forms["signup-form"]
    form["username"] = "Alice"
    form["email"] = "someone@example.org"
    form["password1"] = NEW_PASSWORD
    form["password2"] = NEW_PASSWORD
    form["accept_privacy"] = True
    page = form.submit()
    assert page.status_code == 200
    assert "That username is taken" in page.text
    assert page.forms["signup-form"]["username"].value == "Alice"
    assert page.forms["signup-form"]["email"].value == "someone@example.org"
    assert mailoutbox == []


def test_wrong_password_as_rendered_keeps_the_login_name(app, member):
    login_page = app.get(reverse("account_login"))
    form = next(f for f in login_page.forms.values() if f.action == reverse("account_login"))
    form["login"] = "alice"
    form["password"] = "wrong"
    page = form.submit()
    assert "The username and/or password you specified are not correct." in page.text
    form = next(f for f in page.forms.values() if f.action == reverse("account_login"))
    assert form["login"].value == "alice"
