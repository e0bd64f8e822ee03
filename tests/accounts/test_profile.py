from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts.models import Affiliation, Visibility
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

EDIT_URL = reverse("accounts:profile-edit")
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def profile_form(**overrides):
    data = {
        "display_name": "Alice O.",
        "bio": "Nurse and Unison rep.",
        "branch_name": "",
        "branch_visibility": "members",
        "union_name": "",
        "union_visibility": "members",
    }
    data.update(overrides)
    return data


def test_member_edits_own_profile(member_client, member):
    response = member_client.post(
        EDIT_URL,
        profile_form(branch_name="Leeds Central", branch_visibility="public", branch_consent="on"),
    )
    assert response.status_code == 302
    assert response["Location"] == member.get_absolute_url()
    member.refresh_from_db()
    assert member.display_name == "Alice O."
    assert member.bio == "Nurse and Unison rep."
    branch = Affiliation.objects.get(user=member)
    assert (branch.kind, branch.name, branch.visibility) == ("branch", "Leeds Central", "public")
    assert branch.consented_at is not None
    page = member_client.get(member.get_absolute_url()).content.decode()
    assert "Leeds Central" in page
    assert "Alice O." in page


def test_edit_form_shows_current_values(member_client, member):
    Affiliation.objects.create(
        user=member,
        kind="union",
        name="Unison",
        visibility="private",
        consented_at=LONG_AGO,
    )
    html = member_client.get(EDIT_URL).content.decode()
    assert 'value="Alice Okafor"' in html
    assert 'value="Unison"' in html


def test_affiliation_without_consent_is_refused_and_keeps_what_was_typed(member_client, member):
    response = member_client.post(EDIT_URL, profile_form(union_name="Unite the Union"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tick the box to confirm you want to share your trade union" in html
    assert 'value="Unite the Union"' in html
    assert "Nurse and Unison rep." in html
    assert not Affiliation.objects.filter(user=member).exists()
    member.refresh_from_db()
    assert member.display_name == "Alice Okafor"


def test_emptying_an_affiliation_deletes_it(member_client, member):
    Affiliation.objects.create(
        user=member,
        kind="union",
        name="Unison",
        visibility="public",
        consented_at=LONG_AGO,
    )
    member_client.post(EDIT_URL, profile_form())
    assert not Affiliation.objects.filter(user=member).exists()


def test_widening_visibility_re_dates_consent(member_client, member):
    old = Affiliation.objects.create(
        user=member,
        kind="union",
        name="Unison",
        visibility="private",
        consented_at=LONG_AGO,
    )
    member_client.post(
        EDIT_URL, profile_form(union_name="Unison", union_visibility="public", union_consent="on")
    )
    new = Affiliation.objects.get(pk=old.pk)
    assert new.visibility == "public"
    assert new.consented_at > old.consented_at


def test_over_long_display_name_is_refused(member_client, member):
    response = member_client.post(EDIT_URL, profile_form(display_name="x" * 61))
    assert response.status_code == 200
    assert "at most 60 characters" in response.content.decode()
    member.refresh_from_db()
    assert member.display_name == "Alice Okafor"


def test_cannot_edit_another_members_profile(member_client, member, other_member):
    # The edit page has no way to name another member: extra fields are ignored.
    member_client.post(
        EDIT_URL + f"?username={other_member.username}",
        profile_form(username=other_member.username, user=other_member.pk, display_name="Hacked"),
    )
    other_member.refresh_from_db()
    assert other_member.display_name == "Bob Hughes"
    member.refresh_from_db()
    assert member.display_name == "Hacked"


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(EDIT_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = client.post(EDIT_URL, profile_form())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_edit_refuses_other_methods(member_client):
    assert member_client.put(EDIT_URL).status_code == 405


def test_unknown_or_inactive_member_is_404(client, db):
    assert client.get(reverse("accounts:profile", args=["nobody"])).status_code == 404
    make_member("gone", is_active=False)
    assert client.get(reverse("accounts:profile", args=["gone"])).status_code == 404


@pytest.fixture
def sharer(db):
    """A member sharing one affiliation at each visibility: union public, branch members-only,
    and (as a second member's) a private one."""
    user = make_member("sam", display_name="Sam")
    Affiliation.objects.create(
        user=user,
        kind="union",
        name="PublicUnion",
        visibility=Visibility.PUBLIC,
        consented_at=LONG_AGO,
    )
    Affiliation.objects.create(
        user=user,
        kind="branch",
        name="MembersBranch",
        visibility=Visibility.MEMBERS,
        consented_at=LONG_AGO,
    )
    return user


@pytest.fixture
def private_sharer(db):
    user = make_member("pat", display_name="Pat")
    Affiliation.objects.create(
        user=user,
        kind="union",
        name="SecretUnion",
        visibility=Visibility.PRIVATE,
        consented_at=LONG_AGO,
    )
    return user


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("anonymous", {"PublicUnion"}),
        ("other", {"PublicUnion", "MembersBranch"}),
        ("owner", {"PublicUnion", "MembersBranch"}),
    ],
)
def test_affiliation_visibility_on_public_profile(client, sharer, other_member, viewer, sees):
    if viewer == "other":
        client.force_login(other_member)
    elif viewer == "owner":
        client.force_login(sharer)
    html = client.get(sharer.get_absolute_url()).content.decode()
    shown = {name for name in ("PublicUnion", "MembersBranch") if name in html}
    assert shown == sees


@pytest.mark.parametrize(
    ("viewer", "sees"), [("anonymous", False), ("other", False), ("owner", True)]
)
def test_private_affiliation_only_shown_to_owner(
    client, private_sharer, other_member, viewer, sees
):
    if viewer == "other":
        client.force_login(other_member)
    elif viewer == "owner":
        client.force_login(private_sharer)
    html = client.get(private_sharer.get_absolute_url()).content.decode()
    assert ("SecretUnion" in html) is sees


def test_profile_page_query_count(client, sharer, django_assert_num_queries):
    # 1: the member; 2: the campaigns they organise; 3: their posts' and comments' keys (none:
    # neither page of rows is read); 4: their visible affiliations. The parts with rows are
    # counted in tests/forum/test_profile_activity.py and tests/campaigns/test_profile_campaigns.py.
    with django_assert_num_queries(4):
        response = client.get(sharer.get_absolute_url())
    assert response.status_code == 200


def test_bio_is_escaped(client, db):
    user = make_member("eve", bio="<script>alert(1)</script>")
    html = client.get(user.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_profile_form_as_rendered(app, member):
    # From the member's own profile page, through its link, to the form the page renders.
    profile = app.get(member.get_absolute_url(), user=member)
    form = profile.click("Edit my profile").forms["profile-form"]
    assert form["display_name"].value == "Alice Okafor"
    form["display_name"] = "Alice O."
    form["bio"] = "Nurse and Unison rep."
    form["union_name"] = "Unison"
    form["union_visibility"].select("public")
    form["union_consent"] = True
    page = form.submit().follow()
    assert "Your profile is saved." in page.text
    assert "Alice O." in page.html.select_one("h1").get_text()
    assert "Unison" in page.html.select_one(".affiliations").get_text()
    union = Affiliation.objects.get(user=member)
    assert (union.name, union.visibility) == ("Unison", "public")


def test_profile_form_as_rendered_keeps_input_when_consent_is_missing(app, member):
    form = app.get(EDIT_URL, user=member).forms["profile-form"]
    form["branch_name"] = "Leeds Central"
    page = form.submit()
    assert page.status_code == 200
    assert "Tick the box to confirm you want to share your party branch" in page.text
    assert page.forms["profile-form"]["branch_name"].value == "Leeds Central"
    assert not Affiliation.objects.filter(user=member).exists()
