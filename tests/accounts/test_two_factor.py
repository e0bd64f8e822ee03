"""Two-factor authentication (allauth.mfa): any member may turn it on, moderators and staff must
before any moderator tool or the admin (accounts.middleware.RequireTwoFactorMiddleware), and
logging in then asks for a code. Forms are filled and submitted as rendered (WebTest)."""

import inspect

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.middleware import MODERATOR_NAMESPACES, MODERATOR_URL_NAMES
from accounts.models import MODERATORS_GROUP, User
from forum.models import Post
from tests.campaigns import factories as campaign_factories
from tests.conftest import PASSWORD, activate_totp, make_member, totp_code
from tests.forum import factories
from tests.webforms import form_to, form_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def maya(db) -> User:
    """A moderator who has not turned two-factor authentication on."""
    user = make_member("maya", display_name="Maya Patel", is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


@pytest.fixture
def post(member) -> Post:
    return factories.post(member, title="Open the party's books")


def reauthenticate(page):
    """allauth's "confirm your password" page, filled in; what allauth answers after it."""
    assert page.request.path == reverse("account_reauthenticate"), page.request.path
    form = form_with(page, "password")
    form["password"] = PASSWORD
    return form.submit()


# The list of moderator tools ---------------------------------------------------------------------


def _patterns(resolvers, namespaces=()):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            space = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _patterns(entry.url_patterns, space)
        elif isinstance(entry, URLPattern) and entry.name:
            yield ":".join((*namespaces, entry.name)), entry.callback


def test_every_moderator_only_view_is_on_the_list():
    """A view that refuses non-moderators (mod_views' _moderator_only, or asking is_moderator
    itself) is a moderator tool, and must be named in MODERATOR_URL_NAMES, so a new one can't
    be forgotten; and every name on the list is a real URL."""
    moderator_only = set()
    names = set()
    for name, callback in _patterns(get_resolver().url_patterns):
        names.add(name)
        try:
            source = inspect.getsource(inspect.unwrap(callback))
        except (OSError, TypeError):
            continue
        if "_moderator_only(request)" in source or "if not request.user.is_moderator" in source:
            moderator_only.add(name)
    assert moderator_only == MODERATOR_URL_NAMES
    assert names >= MODERATOR_URL_NAMES
    assert {"admin", "django_rq"} == MODERATOR_NAMESPACES


def moderator_urls(post, campaign) -> list[str]:
    return [
        reverse("forum:report-queue"),
        reverse("forum:moderate", args=["post", post.pk]),
        reverse("forum:moderate-member", args=[post.author.username]),
        reverse("admin:index"),
        reverse("admin:forum_post_changelist"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:forum_post_change", args=[post.pk]),
    ]


# Moderators and staff without it are sent to set it up -------------------------------------------


@pytest.fixture
def campaign(member):
    return campaign_factories.campaign(member, title="Save the Carnegie library")


def test_a_moderator_without_two_factor_is_sent_to_set_it_up_from_every_tool(
    client, maya, post, campaign
):
    client.force_login(maya)
    for url in moderator_urls(post, campaign):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == reverse("mfa_index"), url
    page = client.get(reverse("mfa_index"))
    assert "must turn on two-factor authentication" in page.text


def test_the_in_page_moderate_post_and_reopen_are_stopped_too(client, maya, post, campaign):
    client.force_login(maya)
    response = client.post(
        reverse("forum:moderate", args=["post", post.pk]), {"action": "lock", "reason": "x"}
    )
    assert response.headers["Location"] == reverse("mfa_index")
    post.refresh_from_db()
    assert not post.is_locked
    response = client.post(reverse("campaigns:reopen", args=[campaign.slug]), {"reason": "x"})
    assert response.headers["Location"] == reverse("mfa_index")


@pytest.mark.parametrize("kind", ["staff", "superuser"])
def test_staff_and_superusers_without_two_factor_are_stopped_at_the_admin(client, kind):
    if kind == "superuser":
        user = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    else:
        user = make_member("sam", is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.headers["Location"] == reverse("mfa_index")
    activate_totp(user)
    assert client.get(reverse("admin:index")).status_code == 200


def test_other_pages_and_other_members_are_left_alone(client, maya, member, post):
    client.force_login(maya)
    for url in ["/", reverse("forum:moderation-log"), post.get_absolute_url(), "/notifications/"]:
        assert client.get(url).status_code == 200, url
    # A member who isn't a moderator gets the tool's own refusal, not a set-up page.
    client.force_login(member)
    assert client.get(reverse("forum:report-queue")).status_code == 403
    assert client.get(reverse("admin:index")).status_code == 302  # the admin's own log-in


def test_the_moderator_fixture_has_two_factor_and_gets_in(moderator_client, admin_client):
    assert moderator_client.get(reverse("forum:report-queue")).status_code == 200


def test_a_moderator_sets_up_totp_as_rendered_then_reaches_the_queue(app, maya):
    stopped = app.get(reverse("forum:report-queue"), user=maya)
    index = stopped.follow()
    assert "must turn on two-factor authentication" in index.text
    # The account settings navigation links here too.
    assert index.html.find("a", string="Two-factor authentication")
    asked = index.click(href=reverse("mfa_activate_totp")).follow()
    activate_page = reauthenticate(asked).follow()
    assert activate_page.request.path == reverse("mfa_activate_totp")
    # The QR code is inline SVG (the policy's img-src refuses data: URLs).
    assert activate_page.html.select_one(".totp-qr svg") is not None
    assert not activate_page.html.select("img[src^='data:']")
    secret = activate_page.html.select_one("#authenticator_secret")["value"]
    assert secret == app.session[SECRET_SESSION_KEY]

    form = form_with(activate_page, "code")
    form["code"] = "000000" if totp_code(secret) != "000000" else "111111"
    refused = form.submit()
    assert refused.status_code == 200
    assert "Incorrect code." in refused.text
    form = form_with(refused, "code")
    form["code"] = totp_code(secret)
    codes_page = form.submit().follow()
    assert codes_page.request.path == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=maya, type="totp").exists()
    # The way back to where the moderator was going.
    queue = codes_page.click("go on to the page you were opening")
    assert queue.request.path == reverse("forum:report-queue")
    assert queue.status_code == 200


# Logging in with two-factor ---------------------------------------------------------------------


def log_in(app, username=""):
    form = form_with(app.get(reverse("account_login")), "login", "password")
    form["login"] = username
    form["password"] = PASSWORD
    return form.submit()


def test_a_member_with_totp_logs_in_with_a_code_as_rendered(app, member):
    secret = activate_totp(member)
    asked = log_in(app, "alice").follow()
    assert asked.request.path == reverse("mfa_authenticate")
    assert "_auth_user_id" not in app.session
    form = form_to(asked, reverse("mfa_authenticate"))
    form["code"] = totp_code(secret, steps_ago=20)  # an old code
    refused = form.submit()
    assert refused.status_code == 200
    assert "Incorrect code." in refused.text
    assert "_auth_user_id" not in app.session
    form = form_to(refused, reverse("mfa_authenticate"))
    form["code"] = totp_code(secret)
    home = form.submit().follow()
    assert home.request.path == reverse("forum:home")
    assert app.session["_auth_user_id"] == str(member.pk)


def test_recovery_codes_are_viewed_downloaded_and_log_in_once(app, member):
    secret = activate_totp(member)
    # Log in once with the app's code, then make recovery codes (allauth asks for a code again).
    form = form_to(log_in(app, "alice").follow(), reverse("mfa_authenticate"))
    form["code"] = totp_code(secret)
    form.submit()
    index = app.get(reverse("mfa_index"))
    generate = index.click(href=reverse("mfa_generate_recovery_codes"))
    if generate.status_code == 302:  # allauth asks for the password again first
        generate = reauthenticate(generate.follow()).follow()
    codes_page = form_to(generate, reverse("mfa_generate_recovery_codes")).submit().follow()
    assert codes_page.request.path == reverse("mfa_view_recovery_codes")
    codes = codes_page.html.select_one("#recovery_codes")
    assert codes is not None
    shown = codes.text.split()
    assert len(shown) == 10
    download = codes_page.click(href=reverse("mfa_download_recovery_codes"))
    assert download.content_type == "text/plain"
    assert download.text.split() == shown

    app.reset()
    form = form_to(log_in(app, "alice").follow(), reverse("mfa_authenticate"))
    form["code"] = shown[0]
    form.submit().follow()
    assert app.session["_auth_user_id"] == str(member.pk)
    # Used: it logs in no more.
    app.reset()
    form = form_to(log_in(app, "alice").follow(), reverse("mfa_authenticate"))
    form["code"] = shown[0]
    assert "Incorrect code." in form.submit().text
    assert "_auth_user_id" not in app.session


def test_a_member_turns_totp_off_as_rendered_after_giving_a_code(app, member):
    secret = activate_totp(member)
    form = form_to(log_in(app, "alice").follow(), reverse("mfa_authenticate"))
    form["code"] = totp_code(secret)
    form.submit()
    page = app.get(reverse("mfa_deactivate_totp"))
    assert page.status_code == 302  # allauth asks for the password again first
    page = reauthenticate(page.follow()).follow()
    assert page.request.path == reverse("mfa_deactivate_totp")
    done = form_to(page, reverse("mfa_deactivate_totp")).submit().follow()
    assert "Authenticator app deactivated." in done.text
    assert not Authenticator.objects.filter(user=member, type="totp").exists()


def test_the_security_key_page_renders_with_its_scripts(app, member):
    page = reauthenticate(app.get(reverse("mfa_add_webauthn"), user=member).follow()).follow()
    assert page.request.path == reverse("mfa_add_webauthn")
    scripts = [tag.get("src") for tag in page.html.find_all("script")]
    assert any(src and src.endswith("mfa/js/webauthn.js") for src in scripts)
    # Its data is a JSON block, which the policy doesn't run; every script that runs is a file.
    inline = [tag for tag in page.html.find_all("script") if not tag.get("src")]
    assert all(tag.get("type") == "application/json" for tag in inline)
