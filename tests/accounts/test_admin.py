"""Members in the admin: moderators see them and suspend or ban them through logged actions, but
change nothing else; superusers keep full rights. And the Moderators group's exact permissions."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import MODERATORS_GROUP, Notification, User
from accounts.permissions import grant_group_permissions
from forum import moderation
from forum.models import ModerationAction
from tests.conftest import activate_totp, make_member

pytestmark = pytest.mark.django_db

Action = ModerationAction.Action


def _act(client, action: str, members, reason: str | None = None):
    data: dict[str, Any] = {"action": action, "_selected_action": [m.pk for m in members]}
    if reason is None:
        data["index"] = 0
    else:
        data.update(apply="yes", reason=reason)
    return client.post(reverse("admin:accounts_user_changelist"), data)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# The group's permissions -------------------------------------------------------------------------

MODERATOR_PERMISSIONS = {
    "accounts.view_user",
    "accounts.moderate_member",
    "forum.view_post",
    "forum.change_post",
    "forum.view_comment",
    "forum.change_comment",
    "forum.view_section",
    "forum.view_report",
    "forum.change_report",
    "forum.view_moderationaction",
    "campaigns.view_campaign",
    "campaigns.change_campaign",
}


def _group_permissions() -> set[str]:
    group = Group.objects.get(name=MODERATORS_GROUP)
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_moderators_group_has_exactly_the_moderation_permissions():
    assert _group_permissions() == MODERATOR_PERMISSIONS


def test_migrate_takes_back_what_was_granted_by_hand_and_restores_what_was_taken():
    group = Group.objects.get(name=MODERATORS_GROUP)
    group.permissions.add(Permission.objects.get(codename="change_user"))
    group.permissions.remove(Permission.objects.get(codename="view_report"))
    call_command("migrate", verbosity=0)
    assert _group_permissions() == MODERATOR_PERMISSIONS


def test_an_unknown_permission_is_refused_loudly():
    with pytest.raises(ImproperlyConfigured, match=r"forum\.view_pots"):
        grant_group_permissions(MODERATORS_GROUP, ["forum.view_pots"])
    assert _group_permissions() == MODERATOR_PERMISSIONS


# What a moderator may do with members ------------------------------------------------------------


def test_moderator_sees_members_read_only(moderator_client, member):
    response = moderator_client.get(reverse("admin:accounts_user_change", args=[member.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert member.email in html
    for name in ["email", "username", "password", "is_staff", "groups", "_save"]:
        assert f'name="{name}"' not in html


def test_moderator_cannot_change_a_members_email(moderator_client, member):
    response = moderator_client.post(
        reverse("admin:accounts_user_change", args=[member.pk]),
        {"username": member.username, "email": "taken@example.org", "is_staff": "on"},
    )
    assert response.status_code == 403
    member.refresh_from_db()
    assert (member.email, member.is_staff) == ("alice@example.org", False)


def test_moderator_cannot_open_the_password_page(moderator_client, member):
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    assert moderator_client.get(url).status_code == 403
    response = moderator_client.post(
        url, {"password1": "a-new-long-password-9", "password2": "a-new-long-password-9"}
    )
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.check_password("correct-horse-battery-42")


def test_moderator_cannot_add_or_delete_members(moderator_client, member):
    assert moderator_client.get(reverse("admin:accounts_user_add")).status_code == 403
    delete_url = reverse("admin:accounts_user_delete", args=[member.pk])
    assert moderator_client.post(delete_url, {"post": "yes"}).status_code == 403
    response = moderator_client.get(reverse("admin:accounts_user_changelist"))
    actions = {name for name, _ in response.context["action_form"].fields["action"].choices}
    assert actions == {"", "suspend_for_7_days", "lift_suspension", "ban", "lift_ban"}
    assert User.objects.filter(pk=member.pk).exists()


def test_staff_with_change_user_but_not_superuser_still_cannot_edit_members(client, member):
    clerk = make_member("clerk", is_staff=True)
    activate_totp(clerk)  # staff must have two-factor on for the admin
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client.force_login(clerk)
    url = reverse("admin:accounts_user_change", args=[member.pk])
    assert client.post(url, {"username": "x", "email": "x@example.org"}).status_code == 403
    assert (
        client.get(reverse("admin:auth_user_password_change", args=[member.pk])).status_code == 403
    )


def test_staff_without_moderate_member_gets_no_member_actions(client, member):
    viewer = make_member("viewer", is_staff=True)
    activate_totp(viewer)  # staff must have two-factor on for the admin
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(viewer)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    assert "action_form" not in response.context or not response.context["action_form"]
    _act(client, "ban", [member], reason="no")
    member.refresh_from_db()
    assert member.is_active


# Suspensions and bans ----------------------------------------------------------------------------


def test_suspend_asks_for_a_reason_first(moderator_client, member):
    response = _act(moderator_client, "suspend_for_7_days", [member])
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    member.refresh_from_db()
    assert member.suspended_until is None


def test_moderator_suspends_a_member_for_a_week(
    moderator_client, moderator, member, django_capture_on_commit_callbacks
):
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):  # notifications go out after commit
        response = _act(moderator_client, "suspend_for_7_days", [member], reason="Repeated abuse")
    assert response.status_code == 302
    member.refresh_from_db()
    assert (
        before + timedelta(days=7) <= member.suspended_until <= timezone.now() + timedelta(days=7)
    )
    assert member.suspension_reason == "Repeated abuse"
    entry = ModerationAction.objects.get(action=Action.SUSPEND)
    assert (entry.moderator, entry.target_user, entry.is_public) == (moderator, member, False)
    assert entry.reason.startswith("Repeated abuse (until ")
    assert Notification.objects.filter(user=member, kind="moderation").exists()


def test_moderator_lifts_a_suspension(moderator_client, moderator, member):
    moderation.member_suspend(
        actor=moderator, member=member, until=timezone.now() + timedelta(days=3), reason="x"
    )
    response = _act(moderator_client, "lift_suspension", [member], reason="Apologised")
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.suspended_until, member.suspension_reason) == (None, "")
    assert ModerationAction.objects.get(action=Action.UNSUSPEND).reason == "Apologised"


def test_moderator_bans_and_lifts_the_ban(moderator_client, member, other_member):
    _act(moderator_client, "ban", [member, other_member], reason="Spam accounts")
    assert set(
        User.objects.filter(pk__in=[member.pk, other_member.pk]).values_list("is_active", flat=True)
    ) == {False}
    assert ModerationAction.objects.filter(action=Action.BAN, reason="Spam accounts").count() == 2
    _act(moderator_client, "lift_ban", [member], reason="Mistake")
    member.refresh_from_db()
    assert member.is_active
    assert ModerationAction.objects.get(action=Action.UNBAN).target_user == member


def test_moderator_cannot_suspend_another_moderator_or_themselves(
    moderator_client, moderator, member
):
    colleague = make_member("colleague", is_staff=True)
    colleague.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    response = _act(
        moderator_client, "suspend_for_7_days", [colleague, moderator, member], reason="Test"
    )
    messages = _messages(response)
    assert (
        "Not done for colleague: Only an administrator can act on another moderator's account."
        in messages
    )
    assert "Not done for maya: You can't do that to your own account." in messages
    assert list(User.objects.filter(suspended_until__isnull=False)) == [member]
    assert ModerationAction.objects.count() == 1


def test_member_list_shows_suspension_and_filters_it(moderator_client, moderator, member):
    moderation.member_suspend(
        actor=moderator, member=member, until=timezone.now() + timedelta(days=3), reason="x"
    )
    response = moderator_client.get(reverse("admin:accounts_user_changelist"), {"suspended": "yes"})
    assert list(response.context["cl"].result_list) == [member]


# Superusers keep full rights ---------------------------------------------------------------------


def test_superuser_changes_a_members_email(admin_client, member):
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[member.pk]),
        {
            "username": member.username,
            "email": "new@example.org",
            "display_name": member.display_name,
            "is_active": "on",
            "affiliations-TOTAL_FORMS": "0",
            "affiliations-INITIAL_FORMS": "0",
            "affiliations-MIN_NUM_FORMS": "0",
            "affiliations-MAX_NUM_FORMS": "1000",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    assert member.email == "new@example.org"


def test_superuser_opens_the_password_page_and_adds_members(admin_client, member):
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 200


def test_superuser_can_suspend_too(admin_client, superuser, moderator):
    _act(admin_client, "suspend_for_7_days", [moderator], reason="Needs a break")
    moderator.refresh_from_db()
    assert moderator.is_suspended
    assert ModerationAction.objects.get(action=Action.SUSPEND).moderator == superuser


# Query counts ------------------------------------------------------------------------------------


def test_member_list_holds_a_constant_query_count(moderator_client, django_assert_num_queries):
    for i in range(30):
        make_member(f"member{i}")
    url = reverse("admin:accounts_user_changelist")
    # session, user, the moderator's authenticators (the two-factor check), the moderator's user
    # and group permissions; then 2 counts (the page's and the
    # "N total" one), the page of members, and the groups filter's groups. Nothing per member.
    with django_assert_num_queries(9):
        response = moderator_client.get(url)
    assert len(response.context["cl"].result_list) >= 30
