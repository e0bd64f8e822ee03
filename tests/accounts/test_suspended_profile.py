"""A suspended member can't publish through their profile (name, bio, affiliations shared more
widely), but can always withdraw consent: remove an affiliation or narrow who sees it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Affiliation, User, Visibility
from accounts.services import ProfileRefused, profile_update

pytestmark = pytest.mark.django_db

EDIT_URL = reverse("accounts:profile-edit")
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def suspended(member) -> User:
    member.bio = "Nurse and union rep."
    member.suspended_until = timezone.now() + timedelta(days=3)
    member.suspension_reason = "Abuse"
    member.save()
    Affiliation.objects.create(
        user=member,
        kind="union",
        name="Unison",
        visibility=Visibility.PUBLIC,
        consented_at=LONG_AGO,
    )
    return member


def edit_form(app, user):
    page = app.get(EDIT_URL, user=user)
    return page, page.forms["profile-form"]


def assert_profile_unchanged(user: User) -> None:
    user = User.objects.get(pk=user.pk)
    assert (user.display_name, user.bio) == ("Alice Okafor", "Nurse and union rep.")
    assert list(user.affiliations.values_list("kind", "name", "visibility", "consented_at")) == [
        ("union", "Unison", "public", LONG_AGO)
    ]


# Through the page, as rendered -------------------------------------------------------------------


def test_edit_page_says_what_a_suspended_member_can_still_do(app, suspended):
    page, _form = edit_form(app, suspended)
    notice = page.html.select_one("#suspension-notice").get_text(" ", strip=True)
    assert "suspended until" in notice
    assert "remove an affiliation or narrow who sees it" in notice


def test_suspended_member_cannot_change_name_or_bio(app, suspended):
    _page, form = edit_form(app, suspended)
    form["display_name"] = "Maya Patel (moderator)"
    form["bio"] = "Visit my spam site"
    page = form.submit()
    assert page.status_code == 200
    assert "Your account is suspended until" in page.text
    assert "change your display name or bio" in page.text
    # What they typed stays in the form.
    form = page.forms["profile-form"]
    assert form["display_name"].value == "Maya Patel (moderator)"
    assert form["bio"].value == "Visit my spam site"
    assert_profile_unchanged(suspended)
    assert "Visit my spam site" not in app.get(suspended.get_absolute_url()).text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("union_name", "Unison: vote for me at spam.example"),  # renaming publishes text
        ("union_visibility", "public"),  # from members to everyone: a wider audience
    ],
)
def test_suspended_member_cannot_rename_or_widen_an_affiliation(app, suspended, field, value):
    Affiliation.objects.filter(user=suspended).update(visibility=Visibility.MEMBERS)
    _page, form = edit_form(app, suspended)
    if field == "union_visibility":
        form[field].select(value)
    else:
        form[field] = value
    page = form.submit()
    assert "Your account is suspended until" in page.text
    assert page.forms["profile-form"][field].value == value
    assert list(suspended.affiliations.values_list("name", "visibility")) == [("Unison", "members")]


def test_suspended_member_cannot_share_a_new_affiliation(app, suspended):
    _page, form = edit_form(app, suspended)
    form["branch_name"] = "Leeds Central"
    form["branch_visibility"].select("public")
    form["branch_consent"] = True
    page = form.submit()
    assert "Your account is suspended until" in page.text
    assert page.forms["profile-form"]["branch_name"].value == "Leeds Central"
    assert_profile_unchanged(suspended)


def test_suspended_member_can_withdraw_an_affiliation(app, suspended):
    _page, form = edit_form(app, suspended)
    form["union_name"] = ""
    profile = form.submit().follow()
    assert "Your profile is saved." in profile.text
    assert "Unison" not in profile.html.select_one(".profile").get_text()
    assert not suspended.affiliations.exists()


def test_suspended_member_can_narrow_who_sees_an_affiliation(app, suspended):
    _page, form = edit_form(app, suspended)
    form["union_visibility"].select("private")
    assert "Your profile is saved." in form.submit().follow().text
    assert suspended.affiliations.get().visibility == "private"
    app.reset()  # as a visitor
    assert "Unison" not in app.get(suspended.get_absolute_url()).text


def test_withdrawal_is_saved_even_when_the_rest_is_refused(app, suspended):
    # Consent withdrawal never waits on a suspension, even mixed with a refused change.
    _page, form = edit_form(app, suspended)
    form["bio"] = "New bio"
    form["union_name"] = ""
    page = form.submit()
    assert "Your account is suspended until" in page.text
    assert "any such change you made here is saved" in page.text
    suspended.refresh_from_db()
    assert suspended.bio == "Nurse and union rep."
    assert not suspended.affiliations.exists()


def test_after_the_suspension_ends_the_profile_edits_again(app, suspended):
    User.objects.filter(pk=suspended.pk).update(suspended_until=timezone.now() - timedelta(1))
    page, form = edit_form(app, suspended)
    assert "suspension-notice" not in page.text
    form["bio"] = "Back again"
    assert "Your profile is saved." in form.submit().follow().text
    assert User.objects.get(pk=suspended.pk).bio == "Back again"


# The service, directly ----------------------------------------------------------------------------


def test_service_refuses_a_suspended_members_name_and_bio(suspended):
    with pytest.raises(ProfileRefused, match="suspended until"):
        profile_update(
            actor=suspended,
            display_name="Someone Else",
            bio="Spam",
            affiliations={"union": ("Unison", "public"), "branch": ("Leeds", "public")},
        )
    assert_profile_unchanged(suspended)


def test_service_checks_the_suspension_as_stored_not_as_loaded(member):
    # The member was loaded (say, with the request) before a moderator suspended them.
    User.objects.filter(pk=member.pk).update(suspended_until=timezone.now() + timedelta(days=1))
    assert not member.is_suspended
    with pytest.raises(ProfileRefused):
        profile_update(actor=member, display_name="New name", bio="", affiliations={})
    assert User.objects.get(pk=member.pk).display_name == "Alice Okafor"


def test_service_lets_a_suspended_member_withdraw_and_narrow(suspended):
    Affiliation.objects.create(
        user=suspended, kind="branch", name="Leeds", visibility="members", consented_at=LONG_AGO
    )
    profile_update(
        actor=suspended,
        display_name="Alice Okafor",
        bio="Nurse and union rep.",
        affiliations={"union": None, "branch": ("Leeds", "private")},
    )
    assert list(suspended.affiliations.values_list("kind", "visibility")) == [("branch", "private")]
