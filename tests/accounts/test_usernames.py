"""Usernames that could pass for someone else's are refused: at sign-up (as rendered), in the admin,
and by the database's unique index on the username's skeleton."""

import importlib
import string

import pytest
from allauth.account.models import EmailAddress
from confusable_homoglyphs import confusables
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import User
from accounts.validators import (
    ASCII_LOOKALIKES,
    USERNAME_RULE,
    USERNAME_UNAVAILABLE,
    username_skeleton,
    validate_username_available,
)
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-Pass-phrase-42"
CYRILLIC_ADMIN = "\u0430dmin"  # the first letter is CYRILLIC SMALL LETTER A
FULL_WIDTH_MAYA = "\uff4d\uff41\uff59\uff41"  # FULLWIDTH LATIN SMALL LETTER M, A, Y, A


def sign_up(app, username: str, email: str = "newcomer@example.org"):
    form = app.get(reverse("account_signup")).forms["signup-form"]
    form["username"] = username
    form["email"] = email
    form["password1"] = NEW_PASSWORD
    form["password2"] = NEW_PASSWORD
    form["accept_privacy"] = True
    return form.submit()


@pytest.mark.parametrize(
    ("username", "message"),
    [
        # The examples.
        (CYRILLIC_ADMIN, USERNAME_RULE),
        (FULL_WIDTH_MAYA, USERNAME_UNAVAILABLE),  # NFKC makes it maya
        # Another alphabet, invisible characters, accents: never ASCII.
        ("m\u0430ya", USERNAME_RULE),  # Cyrillic a in the middle
        ("ma\u200dya", USERNAME_RULE),  # zero-width joiner
        ("mayá", USERNAME_RULE),
        ("may a", USERNAME_RULE),
        ("maya@example.org", USERNAME_RULE),  # would read as an email address at log-in
        ("_maya", USERNAME_RULE),
        # ASCII look-alikes of maya: case, separators, rn for m.
        ("Maya", USERNAME_UNAVAILABLE),
        ("MAYA", USERNAME_UNAVAILABLE),
        ("maya_", USERNAME_UNAVAILABLE),
        ("m.a.y-a", USERNAME_UNAVAILABLE),
        ("rnaya", USERNAME_UNAVAILABLE),
        # ... of alice: 1, capital I and l.
        ("a1ice", USERNAME_UNAVAILABLE),
        ("aIice", USERNAME_UNAVAILABLE),
        ("ALICE.", USERNAME_UNAVAILABLE),
        # Reserved names and their look-alikes.
        ("admin", USERNAME_UNAVAILABLE),
        ("Adm1n", USERNAME_UNAVAILABLE),
        ("ADMIN_", USERNAME_UNAVAILABLE),
        ("moderator_", USERNAME_UNAVAILABLE),
        ("m0d", USERNAME_UNAVAILABLE),
        ("Grassroots", USERNAME_UNAVAILABLE),  # the site's own name
    ],
)
def test_sign_up_refuses_look_alike_usernames_keeping_what_was_typed(
    app, moderator, member, mailoutbox, username, message
):
    page = sign_up(app, username)
    assert page.status_code == 200
    assert message in page.text
    form = page.forms["signup-form"]
    assert form["email"].value == "newcomer@example.org"
    assert not EmailAddress.objects.filter(email="newcomer@example.org").exists()
    assert User.objects.count() == 2
    assert mailoutbox == []


def test_the_message_does_not_say_which_member_a_name_resembles(app, moderator):
    # Taken, reserved and look-alike read the same: nothing to learn by probing.
    texts = {
        name: sign_up(app, name).html.select_one(".error, .errorlist").get_text(strip=True)
        for name in ["maya", "rnaya", "admin"]
    }
    assert len(set(texts.values())) == 1
    assert "maya" not in texts["rnaya"].lower()


def test_a_distinct_username_signs_up_and_stores_its_skeleton(app, moderator, mailoutbox):
    page = sign_up(app, "Rosa.Luxemburg")
    assert page.status_code == 302
    assert page["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="Rosa.Luxemburg")
    assert user.username_skeleton == "rosaluxemburg"  # case folded, dot dropped
    # And a look-alike of the newcomer is now refused in turn.
    assert USERNAME_UNAVAILABLE in sign_up(app, "rosa_luxemburg", "other@example.org").text


def test_full_width_username_is_stored_as_plain_ascii(app, mailoutbox):
    page = sign_up(app, "\uff52\uff4f\uff53\uff41")  # rosa in full-width letters
    assert page.status_code == 302
    assert User.objects.filter(username="rosa").exists()


def test_sign_up_page_says_what_a_username_may_be(app):
    assert USERNAME_RULE in app.get(reverse("account_signup")).text


# The skeleton ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "skeleton"),
    [
        ("maya", "maya"),
        ("Maya", "maya"),
        (FULL_WIDTH_MAYA, "maya"),
        ("rnaya", "maya"),
        ("m_a.y-a", "maya"),
        ("B0B", "bob"),
        # i, I, l and 1 are one letter: aIice (capital I) is alice in a sans-serif font.
        ("alice", "allce"),
        ("aIice", "allce"),
        ("a1ice", "allce"),
        ("ALICE", "allce"),
        ("adm1n", "admln"),
        (CYRILLIC_ADMIN, "admln"),  # only older names can hold one, and they still block admin
    ],
)
def test_skeleton(username, skeleton):
    assert username_skeleton(username) == skeleton


def unicode_ascii_confusables() -> list[tuple[str, str]]:
    """The pairs of ASCII letters/digits in Unicode's confusables data (UTS #39, as
    confusable_homoglyphs ships it)."""
    allowed = set(string.ascii_letters + string.digits)
    return [
        (char, lookalike["c"])
        for char, lookalikes in confusables.confusables_data.items()
        for lookalike in lookalikes
        if set(char) <= allowed and set(lookalike["c"]) <= allowed
    ]


def test_every_ascii_confusable_unicode_lists_shares_a_skeleton():
    pairs = unicode_ascii_confusables()
    assert ("rn", "m") in pairs and ("1", "l") in pairs
    for char, lookalike in pairs:
        assert username_skeleton(char) == username_skeleton(lookalike), (char, lookalike)


def test_the_lookalike_table_adds_nothing_unicode_does_not_list():
    # Up to case: the table applies after case folding.
    listed = {
        frozenset((char.casefold(), lookalike.casefold()))
        for char, lookalike in unicode_ascii_confusables()
    }
    for lookalike, letter in ASCII_LOOKALIKES:
        assert frozenset((lookalike, letter)) in listed


def test_mixed_script_examples_are_what_the_ascii_rule_refuses():
    # What confusable_homoglyphs would flag as dangerous never gets past the character rule.
    assert confusables.is_dangerous(CYRILLIC_ADMIN)
    with pytest.raises(ValidationError, match="letters A to Z"):
        User(username=CYRILLIC_ADMIN, email="x@example.org").full_clean(exclude=["password"])


def test_availability_check_is_one_query(member, django_assert_num_queries):
    # 1: the look-up on the skeleton's unique index (no scan over members).
    with django_assert_num_queries(1), pytest.raises(ValidationError, match="too close"):
        validate_username_available("A1ice")
    with django_assert_num_queries(1):
        validate_username_available("alice", exclude_pk=member.pk)


# Everywhere else a username is set -------------------------------------------------------------


def test_database_refuses_a_look_alike_created_in_code(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="A1ice", email="a1ice@example.org", password="x")


def test_bulk_created_members_get_skeletons_too(db):
    User.objects.bulk_create([User(username="Dee.Dee"), User(username="kwame_a")])
    assert set(User.objects.values_list("username_skeleton", flat=True)) == {"deedee", "kwamea"}


def test_renaming_updates_the_skeleton(member):
    member.username = "alice.okafor"
    member.save(update_fields=["username"])
    member.refresh_from_db()
    assert member.username_skeleton == "allceokafor"


def admin_user_form(app, superuser, url):
    return app.get(url, user=superuser).forms["user_form"]


def test_admin_refuses_renaming_a_member_to_a_look_alike(app, superuser, member, other_member):
    form = admin_user_form(
        app, superuser, reverse("admin:accounts_user_change", args=[other_member.pk])
    )
    form["username"] = "AIice"
    page = form.submit()
    assert page.status_code == 200
    assert USERNAME_UNAVAILABLE in page.text
    other_member.refresh_from_db()
    assert other_member.username == "bob"


def test_admin_saves_a_member_whose_username_is_unchanged(app, superuser, member):
    form = admin_user_form(app, superuser, reverse("admin:accounts_user_change", args=[member.pk]))
    form["display_name"] = "Alice O."
    assert form.submit().status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Alice O."


def test_admin_add_refuses_a_look_alike_but_allows_a_reserved_name(app, superuser, moderator):
    url = reverse("admin:accounts_user_add")
    form = admin_user_form(app, superuser, url)
    form["username"] = "rnaya"
    form["password1"] = form["password2"] = NEW_PASSWORD
    page = form.submit()
    assert USERNAME_UNAVAILABLE in page.text
    assert not User.objects.filter(username="rnaya").exists()
    # Reserved names are for staff to hand out.
    form = admin_user_form(app, superuser, url)
    form["username"] = "support"
    form["password1"] = form["password2"] = NEW_PASSWORD
    assert form.submit().status_code == 302
    assert User.objects.filter(username="support", username_skeleton="support").exists()


def test_migration_keeps_the_first_of_existing_look_alikes(db):
    # Members who signed up before the check, as the issue found them.
    first = make_member("maya")
    User.objects.filter(pk=first.pk).update(username_skeleton=None)
    impostor = User(username=FULL_WIDTH_MAYA, email="i@example.org")
    impostor.save()
    User.objects.filter(pk=impostor.pk).update(username_skeleton=None)
    migration = importlib.import_module("accounts.migrations.0005_username_skeleton")
    migration.fill_skeletons(apps, None)
    first.refresh_from_db()
    impostor = User.objects.get(pk=impostor.pk)
    assert first.username_skeleton == "maya"
    assert impostor.username_skeleton is None
    # The later one keeps working: a full save (a password change) doesn't trip the index.
    impostor.set_password(NEW_PASSWORD)
    impostor.save()
    impostor.refresh_from_db()
    assert impostor.username_skeleton is None
