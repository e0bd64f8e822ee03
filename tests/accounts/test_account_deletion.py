"""Deleting an account (issue 13): accounts.services.account_delete, the page that asks for it, and
the admin's action. The User row stays as a tombstone; nothing personal remains on it or around it;
threads stay whole under "[deleted member]"; every counter the member moved moves back."""

from __future__ import annotations

import logging

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    DELETED_MEMBER,
    Affiliation,
    Block,
    Notification,
    NotificationPreference,
    User,
)
from accounts.services import TOMBSTONE_KEEPS, AccountDeletionRefused, account_delete
from accounts.validators import username_skeleton
from campaigns.models import Campaign, Organiser, Support
from campaigns.services import organiser_add
from conversations.models import Message, Participant
from conversations.services import conversation_start, message_send
from forum import services as forum
from forum.integrity import forest_defects
from forum.models import (
    Comment,
    CommentRevision,
    CommentVote,
    ContentState,
    Follow,
    Post,
    PostRevision,
    Recommendation,
    hot_score,
    wilson_lower_bound,
)
from tests.campaigns import factories as campaigns
from tests.conftest import PASSWORD, make_member
from tests.forum.factories import comment, post
from tests.webforms import form_to, form_with

pytestmark = pytest.mark.django_db

DELETE_URL = "/accounts/delete/"


@pytest.fixture
def leaver(db) -> User:
    """A member with everything: a full profile, and a part in every app."""
    user = make_member(
        "leaver",
        display_name="Lena Eaver",
        first_name="Lena",
        last_name="Eaver",
        bio="Branch secretary, Leeds North.",
        privacy_accepted_at=timezone.now(),
        suspension_reason="An old warning",
    )
    EmailAddress.objects.create(user=user, email="lena.second@example.org", verified=False)
    now = timezone.now()
    Affiliation.objects.create(user=user, kind="branch", name="Leeds North", consented_at=now)
    Affiliation.objects.create(user=user, kind="union", name="Unite", consented_at=now)
    NotificationPreference.objects.create(user=user, category="replies", delivery="off")
    return user


@pytest.fixture
def world(leaver, member, other_member, organiser):
    """What the leaver wrote, voted, recommended, supported, organised and said; and what others
    did around it."""
    from accounts.services import block_create

    block_create(actor=leaver, member=make_member("carol"))
    block_create(actor=other_member, member=leaver)
    # Their post, edited (a revision), with a thread of replies: theirs nested among others'.
    own = post(leaver, title="Our branch's motion", body="The **motion** as passed.")
    own = forum.post_update(
        post=own, actor=leaver, section=own.section, title=own.title, body="Amended motion."
    )
    draft = post(leaver, title="Unfinished thoughts", publish=False)
    top = comment(own, member, "First!")
    mine = comment(own, leaver, "Thanks, here is why.", parent=top)
    forum.comment_update(comment=mine, actor=leaver, body="Thanks, here is exactly why.")
    reply_to_mine = comment(own, other_member, "I disagree with that.", parent=mine)
    comment(own, member, "And me under Bob.", parent=reply_to_mine)
    mine_top = comment(own, leaver, "A second thread of mine.")
    comment(own, member, "Reply to the second.", parent=mine_top)
    # Others vote on theirs (kept), they vote on others' (taken back).
    forum.comment_vote(comment=mine, actor=member, value=1)
    theirs_up = comment(own, organiser, "Organiser's view.")
    forum.comment_vote(comment=theirs_up, actor=leaver, value=1)
    forum.comment_vote(comment=theirs_up, actor=member, value=1)
    forum.comment_vote(comment=top, actor=leaver, value=-1)
    # They recommend someone else's post.
    elsewhere = post(member, title="Member's post")
    forum.post_recommend(post=elsewhere, actor=leaver)
    forum.post_recommend(post=elsewhere, actor=other_member)
    # Campaigns: one they own with a co-organiser, one without, a draft; a support with contact.
    passed = campaigns.campaign(leaver, title="Passes on")
    organiser_add(campaign=passed, actor=leaver, member=organiser)
    closes = campaigns.campaign(leaver, title="Closes")
    campaigns.support(closes, member)
    drafted = campaigns.campaign(leaver, title="Drafted", publish=False)
    supported = campaigns.campaign(organiser, title="They support it")
    campaigns.support(supported, leaver, contact_ok=True)
    campaigns.support(supported, member)
    # A conversation with messages both ways.
    conversation = conversation_start(
        actor=leaver, recipients=[member], subject="About the motion", body="Can we talk?"
    )
    message_send(conversation=conversation, actor=member, body="Yes, sure.")
    # Notifications: theirs, and others' naming them as who did it.
    Notification.objects.create(
        user=leaver, kind="reply", message="Bob replied", actor=other_member
    )
    Notification.objects.create(user=member, kind="reply", message="Lena replied", actor=leaver)
    User.objects.filter(pk=leaver.pk).update(unread_notifications=1)
    User.objects.filter(pk=member.pk).update(unread_notifications=1)
    return {
        "own": own,
        "draft": draft,
        "top": top,
        "mine": mine,
        "reply_to_mine": reply_to_mine,
        "mine_top": mine_top,
        "theirs_up": theirs_up,
        "elsewhere": elsewhere,
        "passed": passed,
        "closes": closes,
        "drafted": drafted,
        "supported": supported,
        "conversation": conversation,
    }


def delete_through_the_page(app, user: User, *, erase: bool):
    """As the member does it: the settings page, the form, then the password asked again."""
    settings_page = app.get(reverse("accounts:profile-edit"), user=user)
    page = settings_page.click("Delete account", href=DELETE_URL)
    assert "cannot be undone" in page.text
    assert "[deleted member]" in page.text
    form = form_to(page, DELETE_URL)
    form["erase_content"] = erase
    form["confirm"] = True
    asked = form.submit()
    # The login is not recent (WebTest's): allauth asks for the password, then replays the POST.
    assert asked.status_code == 302 and "/reauthenticate/" in asked.headers["Location"]
    password_page = asked.follow()
    password_form = form_with(password_page, "password")
    password_form["password"] = PASSWORD
    done = password_form.submit()
    while done.status_code == 302:
        done = done.follow()
    return done


def assert_tombstone(user: User) -> None:
    """Every concrete field of User is scrubbed: a field added to User later fails here until
    account_delete handles it (or TOMBSTONE_KEEPS says why it may stay)."""
    user = User.objects.get(pk=user.pk)
    expected = {
        "username": f"deleted-{user.pk}",
        "username_skeleton": username_skeleton(f"deleted-{user.pk}"),
        "email": "",
        "first_name": "",
        "last_name": "",
        "display_name": "",
        "bio": "",
        "suspension_reason": "",
        "suspended_until": None,
        "privacy_accepted_at": None,
        "last_login": None,
        "unread_notifications": 0,
        "is_active": False,
        "is_staff": False,
        "is_superuser": False,
    }
    for field in User._meta.concrete_fields:
        name = field.name
        value = getattr(user, field.attname)
        if name in TOMBSTONE_KEEPS:
            continue
        if name == "password":
            assert not user.has_usable_password()
        elif name == "deleted_at":
            assert value is not None
        else:
            assert name in expected, f"User.{name} is not handled by account deletion"
            assert value == expected[name], f"User.{name} kept {value!r}"
    assert not user.groups.exists() and not user.user_permissions.exists()
    assert user.name == DELETED_MEMBER
    # Nothing of theirs left around it.
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Affiliation.objects.filter(user=user).exists()
    assert not Notification.objects.filter(user=user).exists()
    assert not Notification.objects.filter(actor=user).exists()
    assert not NotificationPreference.objects.filter(user=user).exists()
    assert not Block.objects.filter(blocker=user).exists()
    assert not Block.objects.filter(blocked=user).exists()
    assert not Support.objects.filter(user=user).exists()
    assert not CommentVote.objects.filter(user=user).exists()
    assert not Recommendation.objects.filter(user=user).exists()
    assert not Follow.objects.filter(user=user).exists()
    assert not Organiser.objects.filter(user=user).exists()
    assert not Participant.objects.filter(user=user, left_at__isnull=True).exists()
    assert list(forest_defects()) == []


def assert_counters_moved_back(world, member) -> None:
    theirs_up = Comment.objects.get(pk=world["theirs_up"].pk)
    assert (theirs_up.upvotes, theirs_up.downvotes, theirs_up.score) == (1, 0, 1)
    assert theirs_up.confidence == pytest.approx(wilson_lower_bound(1, 0))
    top = Comment.objects.get(pk=world["top"].pk)
    assert (top.upvotes, top.downvotes, top.score, top.confidence) == (0, 0, 0, 0.0)
    elsewhere = Post.objects.get(pk=world["elsewhere"].pk)
    assert elsewhere.recommendation_count == 1
    assert elsewhere.hot == pytest.approx(hot_score(1, elsewhere.published_at or timezone.now()))
    supported = Campaign.objects.get(pk=world["supported"].pk)
    assert supported.support_count == 1 == supported.supports.count()
    # The other member's notification naming the leaver went, and their unread count with it.
    assert User.objects.get(pk=member.pk).unread_notifications == 0


def assert_campaigns_handled(world, organiser) -> None:
    passed = Campaign.objects.get(pk=world["passed"].pk)
    assert passed.created_by_id == organiser.pk
    assert Organiser.objects.get(campaign=passed).user_id == organiser.pk
    assert Organiser.objects.get(campaign=passed).role == Organiser.Role.OWNER
    assert Post.objects.get(campaign=passed).author_id == organiser.pk
    closes = Campaign.objects.get(pk=world["closes"].pk)
    assert closes.status == Campaign.Status.CLOSED
    assert closes.outcome == Campaign.Outcome.WITHDRAWN
    assert closes.closing_story
    assert closes.support_count == 1  # the other member's support stays
    assert not Campaign.objects.filter(pk=world["drafted"].pk).exists()


def test_deleting_through_the_page_keeps_threads_whole(
    app, leaver, world, member, other_member, organiser, caplog
):
    old_session = Client()
    old_session.force_login(leaver)
    assert old_session.get(reverse("accounts:profile-edit")).status_code == 200
    with caplog.at_level(logging.INFO, logger="accounts.services"):
        home = delete_through_the_page(app, leaver, erase=False)
    assert "Your account has been deleted." in home.text
    assert "_auth_user_id" not in app.session
    lines = [r.getMessage() for r in caplog.records if "Account deleted" in r.getMessage()]
    assert lines == [f"Account deleted: {leaver.pk} (by themselves, content erased: False)"]
    assert "leaver" not in lines[0] and "Lena" not in lines[0]

    assert_tombstone(leaver)
    assert_counters_moved_back(world, member)
    assert_campaigns_handled(world, organiser)
    # Their writing stays as written, under the placeholder; replies by others in their place.
    mine = Comment.objects.get(pk=world["mine"].pk)
    assert mine.state == ContentState.VISIBLE and mine.body == "Thanks, here is exactly why."
    assert Comment.objects.get(pk=world["reply_to_mine"].pk).parent_id == mine.pk
    assert not Post.objects.filter(pk=world["draft"].pk).exists()
    assert Message.objects.filter(author=leaver, body="Can we talk?").exists()
    # The thread page: "[deleted member]", never the old name or handle, no profile link.
    own = Post.objects.get(pk=world["own"].pk)
    page = app.get(own.get_absolute_url())
    assert DELETED_MEMBER in page.text
    assert "Lena Eaver" not in page.text and "@leaver" not in page.text
    assert f"@deleted-{leaver.pk}" not in page.text
    assert "/members/leaver/" not in page.text and f"/members/deleted-{leaver.pk}/" not in page.text
    assert "I disagree with that." in page.text  # the others' replies
    # The profile is gone, under either name; the old session is logged out.
    app.get("/members/leaver/", status=404)
    app.get(f"/members/deleted-{leaver.pk}/", status=404)
    response = old_session.get(reverse("accounts:profile-edit"))
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    # Nobody can log in as them.
    assert not Client().login(username="leaver", password=PASSWORD)


def test_erasing_the_text_too(app, leaver, world, member, organiser):
    delete_through_the_page(app, leaver, erase=True)
    assert_tombstone(leaver)
    assert_counters_moved_back(world, member)
    assert_campaigns_handled(world, organiser)
    for written in Comment.objects.filter(author=leaver):
        assert (written.state, written.body, written.body_html) == (ContentState.DELETED, "", "")
    assert not CommentRevision.objects.filter(comment__author=leaver).exists()
    own = Post.objects.get(pk=world["own"].pk)
    assert (own.state, own.body, own.body_html) == (ContentState.DELETED, "", "")
    assert not PostRevision.objects.filter(post__author=leaver).exists()
    for message in Message.objects.filter(author=leaver):
        assert (message.state, message.body) == (ContentState.DELETED, "")
    # Replies by others keep their place, and their text.
    reply = Comment.objects.get(pk=world["reply_to_mine"].pk)
    assert reply.parent_id == world["mine"].pk and reply.body == "I disagree with that."
    assert Message.objects.get(conversation=world["conversation"], author=member).body == (
        "Yes, sure."
    )
    # A campaign's discussion that passed on is the new owner's, and is not erased.
    passed = Campaign.objects.get(pk=world["passed"].pk)
    assert Post.objects.get(campaign=passed).state == ContentState.VISIBLE
    page = app.get(Post.objects.get(pk=world["own"].pk).get_absolute_url())
    assert "Thanks, here is exactly why." not in page.text
    assert "I disagree with that." in page.text


def test_a_stale_login_must_reauthenticate(client, leaver):
    client.force_login(leaver)  # no password typed in this session
    assert client.get(DELETE_URL).status_code == 200  # the page explains without asking
    response = client.post(DELETE_URL, {"confirm": "on"})
    assert response.status_code == 302 and "/reauthenticate/" in response.headers["Location"]
    assert User.objects.get(pk=leaver.pk).deleted_at is None


def test_confirmation_is_required(app, leaver):
    page = app.get(DELETE_URL, user=leaver)
    with_password = app.post(
        reverse("account_reauthenticate"),
        {
            "password": PASSWORD,
            "csrfmiddlewaretoken": page.forms["account-delete-form"]["csrfmiddlewaretoken"].value,
        },
    )
    assert with_password.status_code == 302
    form = app.get(DELETE_URL).forms["account-delete-form"]
    refused = form.submit()
    assert refused.status_code == 200
    assert "Tick this box to confirm" in refused.text
    assert User.objects.get(pk=leaver.pk).deleted_at is None


def test_staff_delete_for_a_member_through_the_admin_action(
    app, superuser, leaver, world, member, organiser
):
    """Through the changelist's action and its confirmation page, both as rendered."""
    changelist = app.get(reverse("admin:accounts_user_changelist"), user=superuser)
    form = changelist.forms["changelist-form"]
    form["action"].select("delete_accounts")
    for box in form.fields["_selected_action"]:
        box.checked = box._value == str(leaver.pk)
    asks = form.submit()
    assert asks.status_code == 200
    assert f"@{leaver.username}" in asks.text and "[deleted member]" in asks.text
    assert User.objects.get(pk=leaver.pk).deleted_at is None  # the page only asks
    confirm = asks.forms["delete-accounts-form"]
    assert confirm["erase_content"].checked is False  # the member's writing stays by default
    done = confirm.submit()
    assert done.status_code == 302
    assert_tombstone(leaver)
    assert_counters_moved_back(world, member)
    assert_campaigns_handled(world, organiser)
    assert Comment.objects.get(pk=world["mine"].pk).body == "Thanks, here is exactly why."


def test_the_admins_raw_delete_is_unavailable(client, superuser, member):
    client.force_login(superuser)
    changelist = client.get(reverse("admin:accounts_user_changelist"))
    assert b"delete_selected" not in changelist.content
    assert b"delete_accounts" in changelist.content
    response = client.get(reverse("admin:accounts_user_delete", args=[member.pk]))
    assert response.status_code == 403
    assert User.objects.filter(pk=member.pk, deleted_at__isnull=True).exists()


def test_a_moderator_with_the_permission_deletes_through_the_service(moderator, leaver, world):
    with pytest.raises(AccountDeletionRefused):
        account_delete(user=leaver, actor=moderator, erase_content=False)
    moderator.user_permissions.add(Permission.objects.get(codename="delete_user"))
    moderator = User.objects.get(pk=moderator.pk)  # permissions are cached per instance
    account_delete(user=leaver, actor=moderator, erase_content=False)
    assert_tombstone(leaver)


def test_staff_cant_delete_a_superuser_or_twice(moderator, superuser, leaver):
    moderator.user_permissions.add(Permission.objects.get(codename="delete_user"))
    moderator = User.objects.get(pk=moderator.pk)
    with pytest.raises(AccountDeletionRefused):
        account_delete(user=superuser, actor=moderator, erase_content=False)
    account_delete(user=superuser, actor=superuser, erase_content=False)
    with pytest.raises(AccountDeletionRefused, match="already deleted"):
        account_delete(user=superuser, actor=superuser, erase_content=False)


def test_a_member_cant_delete_another(member, leaver):
    with pytest.raises(AccountDeletionRefused):
        account_delete(user=leaver, actor=member, erase_content=False)


def test_sign_ups_cant_take_a_tombstones_name():
    from django.core.exceptions import ValidationError

    from accounts.validators import validate_username_available

    with pytest.raises(ValidationError):
        validate_username_available("deleted-12")
    validate_username_available("deletedmotions")


def test_deleting_an_account_deletes_its_data_exports_and_their_files(
    leaver, settings, tmp_path, django_capture_on_commit_callbacks
):
    """The export's zip holds everything about the member: it goes with the account (the file
    once the deletion commits)."""
    from pathlib import Path

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from accounts.models import DataExport

    settings.DATA_EXPORT_ROOT = tmp_path / "exports"
    export = DataExport(user=leaver, status=DataExport.Status.READY, expires_at=timezone.now())
    export.file.save("export.zip", ContentFile(b"PK everything"), save=True)
    path = Path(export.file.path)
    assert path.read_bytes() == b"PK everything"
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=leaver, actor=leaver, erase_content=False)
    assert not DataExport.objects.filter(user=leaver).exists()
    assert not path.exists()


def test_deleting_an_account_ends_its_log_ins_and_their_records(client, leaver):
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.backends.db import SessionStore

    client.force_login(leaver)
    key = client.session.session_key
    UserSession.objects.create(user=leaver, ip="192.0.2.9", session_key=key, user_agent="Firefox")
    account_delete(user=leaver, actor=leaver, erase_content=False)
    assert not UserSession.objects.filter(user=leaver).exists()
    assert not SessionStore().exists(key)


def test_search_shows_a_deleted_members_words_without_a_profile_link(client, leaver, member):
    from tests.forum import factories as forum_factories

    post = forum_factories.post(member, title="Branch accounts")
    forum_factories.comment(post, leaver, "The treasurer's ledger is missing pages.")
    account_delete(user=leaver, actor=leaver, erase_content=False)
    page = client.get(reverse("forum:search"), {"q": "ledger"}).content.decode()
    assert "ledger" in page and "[deleted member]" in page
    assert "Lena" not in page and "/members/deleted-" not in page
