"""Every guard tested where it lives: each service that enforces a role, ownership or a state is
called directly, with each wrong caller, and must refuse and change nothing.

Views refuse first, so a test through a view can't tell whether the service would have refused
too; an admin action, a task or a future API calls the service with no view in front. Each case
here calls the service itself, then checks that no row of the three apps changed (every field
of every row, so counts, the target's fields, the moderation log and notifications alike), that
nothing was left to run after commit (notifications and emails are sent then), and that no email
went out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from accounts.models import MODERATORS_GROUP
from accounts.services import block_create
from campaigns import services as campaigns
from campaigns.models import NameVisibility, Organiser
from conversations import services as conversations
from forum import moderation
from forum import services as forum
from forum.models import Report, Section
from forum.services import ActionRefused
from tests.campaigns import factories as campaign_factories
from tests.conftest import make_member
from tests.forum import factories

pytestmark = pytest.mark.django_db

REASON = "Breaks rule 2."


@pytest.fixture
def world(member, other_member, moderator, organiser):
    """A small community with one of everything a guard protects.

    alice (member) wrote a post, a comment and a draft; bob (other_member) replied; maya is a
    moderator, and mo a second one; olu (organiser) owns campaigns open, draft and closed, with
    cora and dan as co-organisers; sue was suspended after writing and starting a campaign; ben
    is banned.
    """
    w = SimpleNamespace(
        alice=member,
        bob=other_member,
        maya=moderator,
        olu=organiser,
        section=Section.objects.first(),
    )
    w.mo = make_member("mo", display_name="Mo Second-Moderator")
    w.mo.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    w.cora = make_member("cora", display_name="Cora Lewis")
    w.dan = make_member("dan", display_name="Dan Suspended-Co-organiser")
    w.sue = make_member("sue", display_name="Sue Suspended")
    w.ben = make_member("ben", display_name="Ben Banned")
    w.other_section = Section.objects.exclude(pk=w.section.pk).first()

    w.post = factories.post(w.alice, title="Alice's post")
    w.draft_post = factories.post(w.alice, title="Alice's draft", publish=False)
    w.comment = factories.comment(w.post, w.alice, "Alice's comment")
    w.reply = factories.comment(w.post, w.bob, "Bob's reply", parent=w.comment)
    w.deleted_comment = factories.comment(w.post, w.bob, "Bob's second thoughts")
    forum.comment_delete(comment=w.deleted_comment, actor=w.bob)
    w.locked_post = factories.post(w.bob, title="Bob's locked post")
    moderation.post_set_locked(actor=w.maya, post=w.locked_post, locked=True, reason=REASON)
    w.removed_post = factories.post(w.alice, title="Alice's removed post")
    moderation.content_remove(actor=w.maya, target=w.removed_post, reason=REASON)
    w.report = moderation.report_create(actor=w.bob, target=w.post, reason=Report.Reason.SPAM)

    w.campaign = campaign_factories.campaign(w.olu, title="Olu's open campaign")
    w.draft = campaign_factories.campaign(w.olu, title="Olu's draft", publish=False)
    w.closed = campaign_factories.campaign(w.olu, title="Olu's closed campaign")
    for campaign in (w.campaign, w.draft, w.closed):
        for co in (w.cora, w.dan):
            campaigns.organiser_add(campaign=campaign, actor=w.olu, member=co)
    campaigns.campaign_close(campaign=w.closed, actor=w.olu, outcome="won", story="We won.")
    w.cora_role = Organiser.objects.get(campaign=w.campaign, user=w.cora)
    w.dan_role = Organiser.objects.get(campaign=w.campaign, user=w.dan)
    w.owner_role = Organiser.objects.get(campaign=w.campaign, user=w.olu)
    campaign_factories.support(w.campaign, w.bob, contact_ok=True)

    w.sue_post = factories.post(w.sue, title="Sue's post")
    w.sue_comment = factories.comment(w.post, w.sue, "Sue's comment")
    w.sue_campaign = campaign_factories.campaign(w.sue, title="Sue's campaign")
    campaign_factories.support(w.sue_campaign, w.bob, contact_ok=True)
    # Private conversations: alice and bob; sue and bob (before sue's suspension); alice and
    # cora, whom cora then blocked.
    w.chat = conversations.conversation_start(
        actor=w.alice, recipients=[w.bob], subject="Alice and Bob", body="Alice's message"
    )
    w.note = w.chat.messages.get()
    w.deleted_note = conversations.message_send(conversation=w.chat, actor=w.alice, body="Oops")
    conversations.message_delete(message=w.deleted_note, actor=w.alice)
    w.sue_chat = conversations.conversation_start(
        actor=w.bob, recipients=[w.sue], subject="Bob and Sue", body="Hello Sue"
    )
    w.cora_chat = conversations.conversation_start(
        actor=w.alice, recipients=[w.cora], subject="Alice and Cora", body="Hello Cora"
    )
    block_create(actor=w.cora, member=w.alice)
    for suspended in (w.sue, w.dan):
        suspended.suspended_until = timezone.now() + timedelta(days=3)
        suspended.save()
    w.ben.is_active = False
    w.ben.save()
    for name in ("campaign", "draft", "closed", "sue_campaign"):
        getattr(w, name).refresh_from_db()
    mail.outbox.clear()
    return w


def snapshot() -> dict[str, list[dict]]:
    """Every field of every row of the site's own apps (users, content, log, notifications)."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for app in ("accounts", "forum", "campaigns", "conversations")
        for model in apps.get_app_config(app).get_models()
    }


@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[SimpleNamespace], object]
    refusal: str  # a fragment of the refusal's message: the right guard refused, not another


def _edit_campaign(w, campaign, editor):
    return campaigns.campaign_update(
        campaign=campaign,
        actor=editor,
        change_note="A note.",
        fields=campaigns.CampaignFields(
            title="Changed by someone else",
            summary=campaign.summary,
            target=campaign.target,
            ask=campaign.ask,
            body=campaign.body,
            goal=campaign.goal,
            deadline=campaign.deadline,
            section=campaign.section,
        ),
    )


def _new_campaign(w, creator):
    return campaigns.campaign_create(
        actor=creator,
        fields=campaigns.CampaignFields(
            title="A new campaign",
            summary="s",
            target="t",
            ask="a",
            body="b",
            goal=10,
            deadline=None,
            section=w.section,
        ),
    )


def _support(w, campaign, user):
    return campaign_factories.support(campaign, user, name_visibility=NameVisibility.PUBLIC)


NOT_MODERATOR = "Only moderators can do that."
SUSPENDED = "Your account is suspended"
NOT_ORGANISER = "Only this campaign's organisers can do that."

# Who may not do what a moderator does: a member, the content's own author, an organiser, a
# suspended member and a banned one.
NON_MODERATORS = ["bob", "alice", "olu", "sue", "ben"]

MODERATOR_ACTIONS: dict[str, Callable] = {
    "reports_dismiss": lambda w, by: moderation.reports_dismiss(
        actor=by, target=w.post, reason=REASON
    ),
    "content_remove post": lambda w, by: moderation.content_remove(
        actor=by, target=w.post, reason=REASON
    ),
    "content_remove comment": lambda w, by: moderation.content_remove(
        actor=by, target=w.comment, reason=REASON
    ),
    "content_remove campaign": lambda w, by: moderation.content_remove(
        actor=by, target=w.campaign, reason=REASON
    ),
    "content_restore": lambda w, by: moderation.content_restore(
        actor=by, target=w.removed_post, reason=REASON
    ),
    "post_set_locked": lambda w, by: moderation.post_set_locked(
        actor=by, post=w.post, locked=True, reason=REASON
    ),
    "post_set_locked unlock": lambda w, by: moderation.post_set_locked(
        actor=by, post=w.locked_post, locked=False, reason=REASON
    ),
    "post_set_promoted": lambda w, by: moderation.post_set_promoted(
        actor=by, post=w.post, promoted=True, reason=REASON
    ),
    "post_move": lambda w, by: moderation.post_move(
        actor=by, post=w.post, section=w.other_section, reason=REASON
    ),
    "member_suspend": lambda w, by: moderation.member_suspend(
        actor=by, member=w.cora, until=timezone.now() + timedelta(days=1), reason=REASON
    ),
    "member_unsuspend": lambda w, by: moderation.member_unsuspend(
        actor=by, member=w.dan, reason=REASON
    ),
    "member_ban": lambda w, by: moderation.member_ban(actor=by, member=w.cora, reason=REASON),
    "member_unban": lambda w, by: moderation.member_unban(actor=by, member=w.ben, reason=REASON),
}


def _by(act: Callable, who: str, w) -> object:
    return act(w, getattr(w, who))


CASES: list[Case] = [
    Case(f"{name} by {who}", partial(_by, act, who), NOT_MODERATOR)
    for name, act in MODERATOR_ACTIONS.items()
    for who in NON_MODERATORS
] + [
    # Moderators on accounts: never their own, and another moderator's only as an administrator.
    Case(
        "member_suspend of oneself",
        lambda w: moderation.member_suspend(
            actor=w.maya, member=w.maya, until=timezone.now() + timedelta(days=1), reason=REASON
        ),
        "your own account",
    ),
    Case(
        "member_ban of oneself",
        lambda w: moderation.member_ban(actor=w.maya, member=w.maya, reason=REASON),
        "your own account",
    ),
    Case(
        "member_suspend of another moderator",
        lambda w: moderation.member_suspend(
            actor=w.maya, member=w.mo, until=timezone.now() + timedelta(days=1), reason=REASON
        ),
        "Only an administrator",
    ),
    Case(
        "member_ban of another moderator",
        lambda w: moderation.member_ban(actor=w.maya, member=w.mo, reason=REASON),
        "Only an administrator",
    ),
    Case(
        "member_unsuspend of another moderator",
        lambda w: moderation.member_unsuspend(actor=w.maya, member=w.mo, reason=REASON),
        "Only an administrator",
    ),
    # Reports.
    Case(
        "report_create by a suspended member",
        lambda w: moderation.report_create(
            actor=w.sue, target=w.comment, reason=Report.Reason.SPAM
        ),
        SUSPENDED,
    ),
    Case(
        "report_create of one's own post",
        lambda w: moderation.report_create(actor=w.alice, target=w.post, reason=Report.Reason.SPAM),
        "your own content",
    ),
    Case(
        "report_create of one's own campaign",
        lambda w: moderation.report_create(
            actor=w.olu, target=w.campaign, reason=Report.Reason.SPAM
        ),
        "your own content",
    ),
    # Posts.
    Case(
        "post_create by a suspended member",
        lambda w: factories.post(w.sue, title="While suspended"),
        SUSPENDED,
    ),
    Case(
        "post_update by another member",
        lambda w: forum.post_update(
            post=w.post, actor=w.bob, section=w.section, title="Mine now", body="x"
        ),
        "only edit your own posts",
    ),
    Case(
        "post_update by a moderator",
        lambda w: forum.post_update(
            post=w.post, actor=w.maya, section=w.section, title="Mine now", body="x"
        ),
        "only edit your own posts",
    ),
    Case(
        "post_update by its suspended author",
        lambda w: forum.post_update(
            post=w.sue_post, actor=w.sue, section=w.section, title="Edited", body="x"
        ),
        SUSPENDED,
    ),
    Case(
        "post_update of a removed post by its author",
        lambda w: forum.post_update(
            post=w.removed_post, actor=w.alice, section=w.section, title="Back", body="x"
        ),
        "only edit your own posts",
    ),
    Case(
        "post_delete by another member",
        lambda w: forum.post_delete(post=w.post, actor=w.bob),
        "only delete your own posts",
    ),
    Case(
        "post_delete by a moderator",
        lambda w: forum.post_delete(post=w.post, actor=w.maya),
        "only delete your own posts",
    ),
    Case(
        "post_delete of a removed post by its author",
        lambda w: forum.post_delete(post=w.removed_post, actor=w.alice),
        "A moderator removed this post",
    ),
    Case(
        "post_recommend by a suspended member",
        lambda w: forum.post_recommend(post=w.post, actor=w.sue),
        SUSPENDED,
    ),
    Case(
        "post_recommend by its author",
        lambda w: forum.post_recommend(post=w.post, actor=w.alice),
        "your own post",
    ),
    Case(
        "post_recommend of a draft",
        lambda w: forum.post_recommend(post=w.draft_post, actor=w.bob),
        "can't be recommended",
    ),
    Case(
        "post_recommend of a removed post",
        lambda w: forum.post_recommend(post=w.removed_post, actor=w.bob),
        "can't be recommended",
    ),
    # Comments.
    Case(
        "comment_create by a suspended member",
        lambda w: factories.comment(w.post, w.sue, "While suspended"),
        SUSPENDED,
    ),
    Case(
        "comment_create on a locked post",
        lambda w: factories.comment(w.locked_post, w.alice, "Let me in"),
        "locked",
    ),
    Case(
        "comment_create on a draft",
        lambda w: factories.comment(w.draft_post, w.bob, "Early"),
        "no longer takes replies",
    ),
    Case(
        "comment_create on a removed post",
        lambda w: factories.comment(w.removed_post, w.bob, "Still here?"),
        "no longer takes replies",
    ),
    Case(
        "comment_create under a deleted comment",
        lambda w: factories.comment(w.post, w.alice, "To nobody", parent=w.deleted_comment),
        "deleted or removed",
    ),
    Case(
        "comment_update by another member",
        lambda w: forum.comment_update(comment=w.comment, actor=w.bob, body="Mine now"),
        "only edit your own comments",
    ),
    Case(
        "comment_update by a moderator",
        lambda w: forum.comment_update(comment=w.comment, actor=w.maya, body="Mine now"),
        "only edit your own comments",
    ),
    Case(
        "comment_update by its suspended author",
        lambda w: forum.comment_update(comment=w.sue_comment, actor=w.sue, body="Edited"),
        SUSPENDED,
    ),
    Case(
        "comment_update of a deleted comment by its author",
        lambda w: forum.comment_update(comment=w.deleted_comment, actor=w.bob, body="Back"),
        "only edit your own comments",
    ),
    Case(
        "comment_delete by another member",
        lambda w: forum.comment_delete(comment=w.comment, actor=w.bob),
        "only delete your own comments",
    ),
    Case(
        "comment_delete by a moderator",
        lambda w: forum.comment_delete(comment=w.comment, actor=w.maya),
        "only delete your own comments",
    ),
    Case(
        "comment_delete of a deleted comment by its author",
        lambda w: forum.comment_delete(comment=w.deleted_comment, actor=w.bob),
        "already deleted",
    ),
    Case(
        "comment_vote by a suspended member",
        lambda w: forum.comment_vote(comment=w.comment, actor=w.sue, value=1),
        SUSPENDED,
    ),
    Case(
        "comment_vote by its author",
        lambda w: forum.comment_vote(comment=w.comment, actor=w.alice, value=1),
        "your own comment",
    ),
    Case(
        "comment_vote on a deleted comment",
        lambda w: forum.comment_vote(comment=w.deleted_comment, actor=w.alice, value=-1),
        "deleted or removed comment",
    ),
    Case(
        "comment_vote of a value that isn't a vote",
        lambda w: forum.comment_vote(comment=w.comment, actor=w.bob, value=5),
        "up, down, or nothing",
    ),
    # Campaigns.
    Case("campaign_create by a suspended member", lambda w: _new_campaign(w, w.sue), SUSPENDED),
    Case(
        "campaign_update by a member",
        lambda w: _edit_campaign(w, w.campaign, w.bob),
        NOT_ORGANISER,
    ),
    Case(
        "campaign_update by a moderator",
        lambda w: _edit_campaign(w, w.campaign, w.maya),
        NOT_ORGANISER,
    ),
    Case(
        "campaign_update by a suspended co-organiser",
        lambda w: _edit_campaign(w, w.campaign, w.dan),
        SUSPENDED,
    ),
    Case(
        "campaign_update by its suspended owner",
        lambda w: _edit_campaign(w, w.sue_campaign, w.sue),
        SUSPENDED,
    ),
    Case(
        "campaign_update of a closed campaign by its owner",
        lambda w: _edit_campaign(w, w.closed, w.olu),
        "closed campaign can't be edited",
    ),
    Case(
        "campaign_publish by a member",
        lambda w: campaigns.campaign_publish(campaign=w.draft, actor=w.bob),
        NOT_ORGANISER,
    ),
    Case(
        "campaign_publish by a moderator",
        lambda w: campaigns.campaign_publish(campaign=w.draft, actor=w.maya),
        NOT_ORGANISER,
    ),
    Case(
        "campaign_publish by a suspended co-organiser",
        lambda w: campaigns.campaign_publish(campaign=w.draft, actor=w.dan),
        SUSPENDED,
    ),
    Case(
        "campaign_close by a member",
        lambda w: campaigns.campaign_close(
            campaign=w.campaign, actor=w.bob, outcome="won", story="x"
        ),
        NOT_ORGANISER,
    ),
    Case(
        "campaign_close by a moderator",
        lambda w: campaigns.campaign_close(
            campaign=w.campaign, actor=w.maya, outcome="won", story="x"
        ),
        NOT_ORGANISER,
    ),
    Case(
        "campaign_close by a suspended co-organiser",
        lambda w: campaigns.campaign_close(
            campaign=w.campaign, actor=w.dan, outcome="won", story="x"
        ),
        SUSPENDED,
    ),
    Case(
        "campaign_archive by a member",
        lambda w: campaigns.campaign_archive(campaign=w.closed, actor=w.bob),
        NOT_ORGANISER,
    ),
    Case(
        "campaign_archive by a moderator",
        lambda w: campaigns.campaign_archive(campaign=w.closed, actor=w.maya),
        NOT_ORGANISER,
    ),
    Case(
        "campaign_reopen by its owner",
        lambda w: campaigns.campaign_reopen(campaign=w.closed, actor=w.olu, reason=REASON),
        "Only moderators can reopen",
    ),
    Case(
        "campaign_reopen by a co-organiser",
        lambda w: campaigns.campaign_reopen(campaign=w.closed, actor=w.cora, reason=REASON),
        "Only moderators can reopen",
    ),
    Case(
        "campaign_reopen by a member",
        lambda w: campaigns.campaign_reopen(campaign=w.closed, actor=w.bob, reason=REASON),
        "Only moderators can reopen",
    ),
    Case(
        "organiser_add by a co-organiser",
        lambda w: campaigns.organiser_add(campaign=w.campaign, actor=w.cora, member=w.bob),
        "Only the campaign's owner can add",
    ),
    Case(
        "organiser_add by a member",
        lambda w: campaigns.organiser_add(campaign=w.campaign, actor=w.bob, member=w.bob),
        "Only the campaign's owner can add",
    ),
    Case(
        "organiser_add by a moderator",
        lambda w: campaigns.organiser_add(campaign=w.campaign, actor=w.maya, member=w.bob),
        "Only the campaign's owner can add",
    ),
    Case(
        "organiser_add by a suspended owner",
        lambda w: campaigns.organiser_add(campaign=w.sue_campaign, actor=w.sue, member=w.bob),
        SUSPENDED,
    ),
    Case(
        "organiser_add of a banned member",
        lambda w: campaigns.organiser_add(campaign=w.campaign, actor=w.olu, member=w.ben),
        "account is closed",
    ),
    Case(
        "organiser_add of a suspended member",
        lambda w: campaigns.organiser_add(campaign=w.campaign, actor=w.olu, member=w.sue),
        "is suspended",
    ),
    Case(
        "organiser_remove of a co-organiser by another",
        lambda w: campaigns.organiser_remove(
            campaign=w.campaign, actor=w.cora, organiser=w.dan_role
        ),
        "Only the campaign's owner can remove",
    ),
    Case(
        "organiser_remove by a member",
        lambda w: campaigns.organiser_remove(
            campaign=w.campaign, actor=w.bob, organiser=w.cora_role
        ),
        "Only the campaign's owner can remove",
    ),
    Case(
        "organiser_remove by a moderator",
        lambda w: campaigns.organiser_remove(
            campaign=w.campaign, actor=w.maya, organiser=w.cora_role
        ),
        "Only the campaign's owner can remove",
    ),
    Case(
        "organiser_remove of the owner by a co-organiser",
        lambda w: campaigns.organiser_remove(
            campaign=w.campaign, actor=w.cora, organiser=w.owner_role
        ),
        "owner can't be removed",
    ),
    Case(
        "organiser_remove of the owner by the owner",
        lambda w: campaigns.organiser_remove(
            campaign=w.campaign, actor=w.olu, organiser=w.owner_role
        ),
        "owner can't be removed",
    ),
    Case(
        "support_add by a suspended member",
        lambda w: _support(w, w.campaign, w.sue),
        SUSPENDED,
    ),
    Case("support_add to a draft", lambda w: _support(w, w.draft, w.alice), "isn't published"),
    Case("support_add to a closed campaign", lambda w: _support(w, w.closed, w.alice), "closed"),
    Case(
        "campaign_announce by a member",
        lambda w: campaigns.campaign_announce(
            campaign=w.campaign, actor=w.bob, title="t", body="b"
        ),
        NOT_ORGANISER,
    ),
    Case(
        "campaign_announce by a moderator",
        lambda w: campaigns.campaign_announce(
            campaign=w.campaign, actor=w.maya, title="t", body="b"
        ),
        NOT_ORGANISER,
    ),
    Case(
        "campaign_announce by a suspended co-organiser",
        lambda w: campaigns.campaign_announce(
            campaign=w.campaign, actor=w.dan, title="t", body="b"
        ),
        SUSPENDED,
    ),
    Case(
        "campaign_announce by a suspended owner",
        lambda w: campaigns.campaign_announce(
            campaign=w.sue_campaign, actor=w.sue, title="t", body="b"
        ),
        SUSPENDED,
    ),
    Case(
        "campaign_announce on a draft",
        lambda w: campaigns.campaign_announce(campaign=w.draft, actor=w.olu, title="t", body="b"),
        "open or closed campaigns only",
    ),
    Case(
        "supporters_export by a member",
        lambda w: campaigns.supporters_export(campaign=w.campaign, actor=w.bob),
        NOT_ORGANISER,
    ),
    Case(
        "supporters_export by a moderator",
        lambda w: campaigns.supporters_export(campaign=w.campaign, actor=w.maya),
        NOT_ORGANISER,
    ),
    Case(
        "supporters_export by a suspended co-organiser",
        lambda w: campaigns.supporters_export(campaign=w.campaign, actor=w.dan),
        SUSPENDED,
    ),
    Case(
        "supporters_export by a suspended owner",
        lambda w: campaigns.supporters_export(campaign=w.sue_campaign, actor=w.sue),
        SUSPENDED,
    ),
    # Private messages.
    *[
        Case(
            f"message_send by {who}",
            partial(
                lambda w, who: conversations.message_send(
                    conversation=w.chat, actor=getattr(w, who), body="Let me in"
                ),
                who=who,
            ),
            "not in this conversation",
        )
        for who in ("olu", "maya")
    ],
    Case(
        "message_send by a suspended participant",
        lambda w: conversations.message_send(conversation=w.sue_chat, actor=w.sue, body="Hi"),
        SUSPENDED,
    ),
    Case(
        "message_send to a member who blocked the sender",
        lambda w: conversations.message_send(conversation=w.cora_chat, actor=w.alice, body="Hi"),
        "can't send each other messages",
    ),
    Case(
        "message_send by the member who blocked",
        lambda w: conversations.message_send(conversation=w.cora_chat, actor=w.cora, body="Hi"),
        "can't send each other messages",
    ),
    Case(
        "conversation_start by a suspended member",
        lambda w: conversations.conversation_start(
            actor=w.sue, recipients=[w.bob], subject="s", body="b"
        ),
        SUSPENDED,
    ),
    Case(
        "conversation_start with a member who blocked the starter",
        lambda w: conversations.conversation_start(
            actor=w.alice, recipients=[w.bob, w.cora], subject="s", body="b"
        ),
        "can't send each other messages",
    ),
    Case(
        "conversation_start with a banned member",
        lambda w: conversations.conversation_start(
            actor=w.alice, recipients=[w.ben], subject="s", body="b"
        ),
        "can't receive messages",
    ),
    Case(
        "conversation_start with only oneself",
        lambda w: conversations.conversation_start(
            actor=w.alice, recipients=[w.alice], subject="s", body="b"
        ),
        "at least one member",
    ),
    Case(
        "message_delete by the other participant",
        lambda w: conversations.message_delete(message=w.note, actor=w.bob),
        "only delete your own messages",
    ),
    Case(
        "message_delete by a moderator",
        lambda w: conversations.message_delete(message=w.note, actor=w.maya),
        "only delete your own messages",
    ),
    Case(
        "message_delete of a deleted message by its author",
        lambda w: conversations.message_delete(message=w.deleted_note, actor=w.alice),
        "already gone",
    ),
    Case(
        "conversation_leave by a non-participant",
        lambda w: conversations.conversation_leave(conversation=w.chat, actor=w.olu),
        "not in this conversation",
    ),
    Case(
        "moderator_view_record by a participant",
        lambda w: conversations.moderator_view_record(message=w.note, actor=w.bob),
        "Only moderators",
    ),
    Case(
        "moderator_view_record of an unreported message",
        lambda w: conversations.moderator_view_record(message=w.note, actor=w.maya),
        "Only moderators",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_service_refuses_the_wrong_caller_and_changes_nothing(
    world, case, django_capture_on_commit_callbacks
):
    before = snapshot()
    with (
        django_capture_on_commit_callbacks(execute=True) as deferred,
        pytest.raises(ActionRefused) as refused,
    ):
        case.call(world)
    assert case.refusal in str(refused.value)
    assert snapshot() == before
    assert deferred == []  # no notification or email waiting for the commit
    assert mail.outbox == []


def test_the_world_lets_the_right_callers_through(world, on_commit):
    """The cases above fail for the reason they name: the same calls by the right people work."""
    assert moderation.content_remove(actor=world.maya, target=world.post, reason=REASON) == 1
    forum.post_update(
        post=world.draft_post, actor=world.alice, section=world.section, title="t", body="b"
    )
    campaigns.campaign_publish(campaign=world.draft, actor=world.olu)
    assert campaigns.supporters_export(campaign=world.campaign, actor=world.cora)[1].row_count == 1
    campaigns.organiser_remove(campaign=world.campaign, actor=world.cora, organiser=world.cora_role)
    with on_commit():
        campaigns.campaign_announce(campaign=world.campaign, actor=world.olu, title="t", body="b")
    assert len(mail.outbox) == 1
    campaigns.campaign_reopen(campaign=world.closed, actor=world.maya, reason=REASON)
    moderation.member_ban(actor=world.maya, member=world.cora, reason=REASON)
    conversations.message_send(conversation=world.chat, actor=world.bob, body="Hi Alice")
    moderation.report_create(actor=world.bob, target=world.note, reason=Report.Reason.ABUSE)
    conversations.moderator_view_record(message=world.note, actor=world.maya)
    conversations.message_delete(message=world.note, actor=world.alice)
    conversations.conversation_leave(conversation=world.chat, actor=world.bob)
