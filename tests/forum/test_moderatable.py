"""The moderation contract (forum.models.Moderatable): one set of fields, one placeholder wording,
one set of predicates, and kinds that join by registering."""

from __future__ import annotations

import pytest
from django.db import models

from campaigns.models import Campaign
from forum import moderation
from forum.models import Comment, ContentState, Moderatable, Post
from tests.campaigns import factories as campaign_factories
from tests.forum import factories

pytestmark = pytest.mark.django_db

WORDING = {
    ContentState.HIDDEN: (
        "[hidden after reports]",
        "[hidden after reports, until a moderator reviews it]",
    ),
    ContentState.DELETED: ("[deleted by its author]", "[deleted by its author]"),
    ContentState.REMOVED: ("[removed by a moderator]", "[removed by a moderator: Spam]"),
}


@pytest.fixture
def items(member):
    post = factories.post(member)
    return [post, factories.comment(post, member), campaign_factories.campaign(member)]


@pytest.mark.parametrize("state", list(WORDING))
def test_every_kind_says_the_same_thing_in_place_of_what_no_longer_stands(items, state):
    heading, placeholder = WORDING[state]
    for item in items:
        item.state, item.removed_reason = state, "Spam"
        assert (item.moderation_heading, item.moderation_placeholder) == (heading, placeholder)


def test_what_still_stands_has_no_placeholder(items):
    for item in items:
        assert (item.moderation_heading, item.moderation_placeholder) == ("", "")


def test_a_removal_without_a_reason_says_only_who_removed_it(items):
    post = items[0]
    post.state, post.removed_reason = ContentState.REMOVED, ""
    assert post.moderation_placeholder == "[removed by a moderator]"


def test_every_reportable_kind_is_moderatable_and_names_its_owner(items, member):
    assert set(moderation.REPORTABLE) >= {"post", "comment", "campaign"}
    for model in moderation.REPORTABLE.values():
        assert issubclass(model, Moderatable)
    for item in items:
        assert item.owner_id == member.pk
        assert item.is_owned_by(member)


def test_only_moderatable_models_can_register():
    with pytest.raises(TypeError, match="Moderatable"):
        # The point: what isn't a Moderatable is refused at run time too.
        moderation.register_reportable("section", models.Model)  # type: ignore[arg-type]


def test_the_hook_a_kind_registers_runs_after_moderation(items, moderator, monkeypatch):
    post = items[0]
    seen = []
    monkeypatch.setitem(
        moderation._AFTER_MODERATION,
        "post",
        lambda target, *, actor, reason: seen.append((target.pk, target.state, reason)),
    )
    moderation.content_remove(actor=moderator, target=post, reason="Spam")
    assert seen == [(post.pk, ContentState.REMOVED, "Spam")]


@pytest.mark.parametrize("model", [Post, Comment, Campaign])
def test_state_and_reason_are_the_contracts_own_fields(model):
    assert issubclass(model, Moderatable)
    for name in ("state", "removed_reason"):
        ours, contract = model._meta.get_field(name), Moderatable._meta.get_field(name)
        assert isinstance(ours, models.Field) and isinstance(contract, models.Field)
        assert ours.deconstruct()[1:] == contract.deconstruct()[1:]
