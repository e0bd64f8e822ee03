from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from campaigns import services
from campaigns.models import (
    CONSENT_TEXTS,
    CONTACT_CONSENT,
    SUPPORT_CONSENT,
    Campaign,
    CampaignChange,
    CampaignUpdate,
    Organiser,
    Support,
    SupporterExport,
    consent_wording,
)
from campaigns.services import ActionRefused, CampaignFields, ChangeNoteRequired, ConsentChanged
from forum.models import Post, Section
from tests.conftest import make_member

from . import factories

pytestmark = pytest.mark.django_db


def suspend(user):
    user.suspended_until = timezone.now() + timedelta(days=3)
    user.save(update_fields=["suspended_until"])


def edit(campaign, editor, **changes):
    values = {
        name: getattr(campaign, name)
        for name in ("title", "summary", "target", "ask", "body", "goal", "deadline", "section")
    }
    values.update(changes)
    extra = {
        name: values.pop(name)
        for name in ("image", "remove_image", "change_note")
        if name in values
    }
    return services.campaign_update(
        campaign=campaign, actor=editor, fields=CampaignFields(**values), **extra
    )


# Creating and publishing -------------------------------------------------------------------------


def test_create_makes_a_draft_owned_by_its_creator(owner):
    campaign = factories.campaign(owner, title="Save the Carnegie library", publish=False)
    assert campaign.status == "draft"
    assert campaign.slug == "save-the-carnegie-library"
    assert (
        campaign.body_html
        == "<p>We raise the money. <strong>We should see where it goes.</strong></p>\n"
    )
    assert list(campaign.organisers.values_list("user", "role")) == [(owner.pk, "owner")]
    assert campaign.discussion is None


def test_same_title_gets_a_distinct_slug_and_reserved_words_are_avoided(owner, other_member):
    first = factories.campaign(owner, title="Save the library", publish=False)
    second = factories.campaign(other_member, title="Save the library", publish=False)
    reserved = factories.campaign(owner, title="New", publish=False)
    assert (first.slug, second.slug) == ("save-the-library", "save-the-library-2")
    assert reserved.slug == "new-campaign"


def test_double_submitted_create_makes_one_campaign(owner):
    first = factories.campaign(owner, title="Twice", publish=False)
    again = factories.campaign(owner, title="Twice", publish=False)
    assert first.pk == again.pk
    assert Campaign.objects.count() == 1


def test_suspended_member_cannot_create(member):
    suspend(member)
    with pytest.raises(ActionRefused, match="suspended"):
        factories.campaign(member, publish=False)


def test_publish_opens_a_discussion_post_in_the_section(owner, draft):
    campaign = services.campaign_publish(campaign=draft, actor=owner)
    assert campaign.status == "published"
    assert campaign.published_at is not None
    assert campaign.discussion_id is not None
    post = Post.objects.get(pk=campaign.discussion_id)
    assert (post.title, post.section.slug, post.status, post.author) == (
        "Back Rosa for Treasurer",
        "party-finances",
        "published",
        owner,
    )
    assert f'href="{campaign.get_absolute_url()}"' in post.body_html


def test_only_organisers_publish_and_only_once(owner, draft, member):
    with pytest.raises(ActionRefused, match="organisers"):
        services.campaign_publish(campaign=draft, actor=member)
    services.campaign_publish(campaign=draft, actor=owner)
    with pytest.raises(ActionRefused, match="already published"):
        services.campaign_publish(campaign=draft, actor=owner)
    assert Post.objects.count() == 1


def test_draft_with_a_passed_deadline_cannot_be_published(owner, draft):
    Campaign.objects.filter(pk=draft.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ActionRefused, match="deadline has passed"):
        services.campaign_publish(campaign=draft, actor=owner)


# Editing -----------------------------------------------------------------------------------------


def test_organiser_edits_without_a_note_while_nobody_supports(campaign, co_organiser):
    edited = edit(campaign, co_organiser, ask="Publish the accounts quarterly.", goal=500)
    assert (edited.ask, edited.goal) == ("Publish the accounts quarterly.", 500)
    assert edited.edited_at is not None
    assert not CampaignChange.objects.exists()


def test_non_organiser_cannot_edit(campaign, member, moderator):
    for user in (member, moderator):
        with pytest.raises(ActionRefused, match="organisers"):
            edit(campaign, user, title="Hijacked")
    campaign.refresh_from_db()
    assert campaign.title == "Take back control of party finances"


def test_suspended_organiser_cannot_edit_publish_or_post_updates(campaign, draft, owner):
    suspend(owner)
    with pytest.raises(ActionRefused, match="suspended"):
        edit(campaign, owner, title="While suspended")
    with pytest.raises(ActionRefused, match="suspended"):
        services.campaign_publish(campaign=draft, actor=owner)
    with pytest.raises(ActionRefused, match="suspended"):
        services.campaign_announce(campaign=campaign, actor=owner, title="Hi", body="x")


def test_changing_the_ask_after_people_signed_needs_a_note(campaign, owner, supporter):
    with pytest.raises(ChangeNoteRequired, match="short note"):
        edit(campaign, owner, ask="Something else entirely.")
    campaign.refresh_from_db()
    assert campaign.ask == "Publish the full audited accounts to members every year."


def test_title_and_goal_changes_need_no_note_even_with_supporters(
    campaign, owner, supporter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        edit(campaign, owner, title="Open the books", goal=1000)
    assert not CampaignChange.objects.exists()
    assert not Notification.objects.filter(user=supporter).exists()


def test_noted_change_is_kept_with_what_supporters_agreed_to_and_they_are_told(
    campaign, owner, supporter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        edit(
            campaign,
            owner,
            target="The party Treasurer",
            body="New reasons.",
            change_note="  The NEC handed the decision to the Treasurer.  ",
        )
    change = CampaignChange.objects.get()
    assert (change.note, change.fields, change.editor) == (
        "The NEC handed the decision to the Treasurer.",
        "who, why",
        owner,
    )
    assert change.previous_target == "The National Executive Committee"
    assert change.previous_body == "We raise the money. **We should see where it goes.**"
    note = Notification.objects.get(user=supporter)
    assert note.kind == "campaign_change"
    assert note.url == f"{campaign.get_absolute_url()}#changes"
    [email] = mail.outbox
    assert email.to == [supporter.email]
    assert "handed the decision to the Treasurer" in email.body
    assert "withdraw" in email.body


def test_closed_campaign_cannot_be_edited(campaign, owner):
    services.campaign_close(campaign=campaign, actor=owner, outcome="won", story="We won.")
    with pytest.raises(ActionRefused, match="closed campaign"):
        edit(campaign, owner, title="After the fact")


def test_replacing_the_image_deletes_the_old_file_after_commit(
    owner, django_capture_on_commit_callbacks
):
    from campaigns.images import clean_image

    campaign = factories.campaign(
        owner, publish=False, image=clean_image(factories.upload()), image_alt="A red banner"
    )
    old = campaign.image.name
    storage = campaign.image.storage
    assert storage.exists(old)
    assert old.startswith("campaigns/") and old.endswith(".png") and "banner" not in old
    with django_capture_on_commit_callbacks(execute=True):
        edited = edit(
            campaign, owner, image=clean_image(factories.upload()), image_alt="Another banner"
        )
    assert edited.image.name != old
    assert storage.exists(edited.image.name)
    assert not storage.exists(old)
    with django_capture_on_commit_callbacks(execute=True):
        edited = edit(edited, owner, remove_image=True, image_alt="ignored")
    assert not edited.image
    assert edited.image_alt == ""


# Closing, archiving, reopening -------------------------------------------------------------------


def test_close_needs_an_outcome_and_a_story(campaign, owner):
    with pytest.raises(ActionRefused, match="won, lost or withdrawn"):
        services.campaign_close(campaign=campaign, actor=owner, outcome="draw", story="Meh.")
    with pytest.raises(ActionRefused, match="closing story"):
        services.campaign_close(campaign=campaign, actor=owner, outcome="won", story="  ")
    campaign.refresh_from_db()
    assert campaign.is_open


def test_close_tells_supporters_in_site_and_by_email(
    campaign, co_organiser, supporter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_close(
            campaign=campaign, actor=co_organiser, outcome="won", story="The NEC *agreed*."
        )
    campaign.refresh_from_db()
    assert (campaign.status, campaign.outcome) == ("closed", "won")
    assert campaign.closing_story_html == "<p>The NEC <em>agreed</em>.</p>\n"
    assert Notification.objects.get(user=supporter).kind == "campaign_closed"
    assert mail.outbox[0].subject.endswith("Take back control of party finances: won")


def test_only_open_campaigns_close_and_only_closed_ones_archive(campaign, draft, owner):
    with pytest.raises(ActionRefused, match="Only an open campaign"):
        services.campaign_close(campaign=draft, actor=owner, outcome="won", story="x")
    with pytest.raises(ActionRefused, match="Only a closed campaign"):
        services.campaign_archive(campaign=campaign, actor=owner)
    services.campaign_close(campaign=campaign, actor=owner, outcome="lost", story="They said no.")
    assert services.campaign_archive(campaign=campaign, actor=owner).status == "archived"


def test_members_and_moderators_cannot_close(campaign, member, moderator):
    for user in (member, moderator):
        with pytest.raises(ActionRefused, match="organisers"):
            services.campaign_close(campaign=campaign, actor=user, outcome="won", story="x")


def test_moderator_reopens_a_closed_or_archived_campaign(
    campaign, owner, moderator, django_capture_on_commit_callbacks
):
    services.campaign_close(campaign=campaign, actor=owner, outcome="withdrawn", story="Oops.")
    with django_capture_on_commit_callbacks(execute=True):
        reopened = services.campaign_reopen(campaign=campaign, actor=moderator, reason="Mistake")
    assert (reopened.status, reopened.outcome, reopened.closed_at) == ("published", "", None)
    assert Notification.objects.filter(user=owner, kind="moderation").exists()
    services.campaign_close(campaign=campaign, actor=owner, outcome="won", story="Won.")
    services.campaign_archive(campaign=campaign, actor=owner)
    reopened = services.campaign_reopen(campaign=campaign, actor=moderator, reason="Mistake")
    assert reopened.status == "published"


def test_organisers_cannot_reopen_and_open_campaigns_are_not_reopened(campaign, owner, moderator):
    with pytest.raises(ActionRefused, match="closed or archived"):
        services.campaign_reopen(campaign=campaign, actor=moderator, reason="Why not")
    services.campaign_close(campaign=campaign, actor=owner, outcome="lost", story="No.")
    with pytest.raises(ActionRefused, match="Only moderators"):
        services.campaign_reopen(campaign=campaign, actor=owner, reason="Please")


# Organisers --------------------------------------------------------------------------------------


def test_owner_adds_a_co_organiser_who_is_told(
    campaign, owner, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.organiser_add(campaign=campaign, actor=owner, member=member)
    assert campaign.organisers.get(user=member).role == "organiser"
    assert Notification.objects.filter(user=member, kind="campaign_organiser").exists()
    with pytest.raises(ActionRefused, match="already an organiser"):
        services.organiser_add(campaign=campaign, actor=owner, member=member)


def test_co_organisers_and_members_cannot_add_organisers(campaign, co_organiser, member):
    with pytest.raises(ActionRefused, match="owner"):
        services.organiser_add(campaign=campaign, actor=co_organiser, member=member)
    with pytest.raises(ActionRefused, match="owner"):
        services.organiser_add(campaign=campaign, actor=member, member=member)


def test_suspended_member_cannot_become_organiser(campaign, owner, member):
    suspend(member)
    with pytest.raises(ActionRefused, match="suspended"):
        services.organiser_add(campaign=campaign, actor=owner, member=member)


def test_owner_removes_and_co_organiser_steps_down_but_owner_stays(
    campaign, owner, co_organiser, member
):
    services.organiser_add(campaign=campaign, actor=owner, member=member)
    cora = campaign.organisers.get(user=co_organiser)
    alice = campaign.organisers.get(user=member)
    with pytest.raises(ActionRefused, match="owner"):
        services.organiser_remove(campaign=campaign, actor=co_organiser, organiser=alice)
    services.organiser_remove(campaign=campaign, actor=co_organiser, organiser=cora)
    services.organiser_remove(campaign=campaign, actor=owner, organiser=alice)
    assert list(campaign.organisers.values_list("user", flat=True)) == [owner.pk]
    with pytest.raises(ActionRefused, match="owner can't be removed"):
        services.organiser_remove(
            campaign=campaign, actor=owner, organiser=campaign.organisers.get(user=owner)
        )
    assert Organiser.objects.filter(campaign=campaign, role="owner").count() == 1


# Support -----------------------------------------------------------------------------------------


def test_support_records_consent_versions_times_and_counts(campaign, member):
    before = timezone.now()
    support = factories.support(campaign, member, contact_ok=True, name_visibility="members")
    campaign.refresh_from_db()
    assert campaign.support_count == 1
    assert support.support_consent_version == SUPPORT_CONSENT.version
    assert support.contact_consent_version == CONTACT_CONSENT.version
    assert support.created_at >= before
    assert support.contact_consented_at == support.created_at
    assert support.name_visibility == "members"


def test_support_without_contact_consent_stores_no_contact_consent(campaign, member):
    support = factories.support(campaign, member)
    assert (support.contact_ok, support.contact_consent_version) == (False, "")
    assert support.contact_consented_at is None
    assert support.name_visibility == "hidden"


def test_second_support_by_the_same_member_is_refused_and_not_counted(campaign, member):
    factories.support(campaign, member)
    with pytest.raises(ActionRefused, match="already support"):
        factories.support(campaign, member, contact_ok=True)
    campaign.refresh_from_db()
    assert campaign.support_count == Support.objects.filter(campaign=campaign).count() == 1


@pytest.mark.parametrize("state", ["draft", "closed", "archived"])
def test_support_refused_unless_the_campaign_is_open(owner, member, state):
    campaign = factories.campaign(owner, publish=state != "draft")
    if state != "draft":
        services.campaign_close(campaign=campaign, actor=owner, outcome="won", story="Won.")
    if state == "archived":
        services.campaign_archive(campaign=campaign, actor=owner)
    with pytest.raises(ActionRefused, match=r"isn.t published|no longer takes support"):
        factories.support(campaign, member)
    campaign.refresh_from_db()
    assert campaign.support_count == 0


def test_suspended_member_cannot_support(campaign, member):
    suspend(member)
    with pytest.raises(ActionRefused, match="suspended"):
        factories.support(campaign, member)
    assert not Support.objects.exists()


def test_unknown_name_visibility_is_refused(campaign, member):
    with pytest.raises(ActionRefused, match="how your name shows"):
        factories.support(campaign, member, name_visibility="shout")


def test_supporter_changes_contact_consent_and_name_visibility(campaign, supporter):
    support = services.support_change(
        campaign=campaign, actor=supporter, contact_ok=False, name_visibility="hidden"
    )
    assert (support.contact_ok, support.contact_consent_version, support.name_visibility) == (
        False,
        "",
        "hidden",
    )
    assert support.contact_consented_at is None
    support = services.support_change(
        campaign=campaign,
        actor=supporter,
        contact_ok=True,
        name_visibility="members",
        contact_consent_version=CONTACT_CONSENT.version,
    )
    assert support.contact_consent_version == CONTACT_CONSENT.version
    assert support.contact_consented_at is not None


def test_support_to_a_wording_the_member_did_not_see_is_refused(campaign, member):
    stale = factories.seen() | {"support_consent_version": "support-2025-01"}
    with pytest.raises(ConsentChanged, match="wording changed"):
        services.support_add(
            campaign=campaign, actor=member, contact_ok=False, name_visibility="hidden", **stale
        )
    stale = factories.seen() | {"contact_consent_version": "contact-2025-01"}
    with pytest.raises(ConsentChanged, match="wording changed"):
        services.support_add(
            campaign=campaign, actor=member, contact_ok=True, name_visibility="hidden", **stale
        )
    campaign.refresh_from_db()
    assert campaign.support_count == Support.objects.count() == 0
    # A box left unticked consents to nothing, whatever version came with it.
    support = services.support_add(
        campaign=campaign, actor=member, contact_ok=False, name_visibility="hidden", **stale
    )
    assert (support.support_consent_version, support.contact_consent_version) == (
        SUPPORT_CONSENT.version,
        "",
    )


def test_new_contact_consent_needs_the_current_wording_a_kept_one_keeps_its_own(
    campaign, supporter
):
    Support.objects.filter(user=supporter).update(contact_consent_version="contact-2025-01")
    kept = services.support_change(
        campaign=campaign, actor=supporter, contact_ok=True, name_visibility="public"
    )
    assert kept.contact_consent_version == "contact-2025-01"
    services.support_change(
        campaign=campaign, actor=supporter, contact_ok=False, name_visibility="public"
    )
    with pytest.raises(ConsentChanged):
        services.support_change(
            campaign=campaign,
            actor=supporter,
            contact_ok=True,
            name_visibility="public",
            contact_consent_version="contact-2025-01",
        )
    assert Support.objects.get(user=supporter).contact_ok is False


def test_every_current_wording_is_in_the_registry_of_wordings():
    assert CONSENT_TEXTS[SUPPORT_CONSENT.version] == SUPPORT_CONSENT.text
    assert CONSENT_TEXTS[CONTACT_CONSENT.version] == CONTACT_CONSENT.text
    assert consent_wording(CONTACT_CONSENT.version) == CONTACT_CONSENT
    assert SUPPORT_CONSENT.version != CONTACT_CONSENT.version


def test_withdraw_deletes_the_support_and_moves_the_counter(campaign, supporter, member):
    services.support_withdraw(campaign=campaign, actor=supporter)
    campaign.refresh_from_db()
    assert campaign.support_count == 0
    assert not Support.objects.filter(user=supporter).exists()
    with pytest.raises(ActionRefused, match="don't support"):
        services.support_withdraw(campaign=campaign, actor=member)


def test_withdrawing_works_after_close_and_while_suspended(campaign, owner, supporter):
    services.campaign_close(campaign=campaign, actor=owner, outcome="lost", story="No.")
    suspend(supporter)
    services.support_withdraw(campaign=campaign, actor=supporter)
    campaign.refresh_from_db()
    assert campaign.support_count == 0


# Updates -----------------------------------------------------------------------------------------


def test_update_goes_to_each_supporter_in_site_and_in_a_separate_email(
    campaign, owner, supporter, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://grassroots.example"  # email links come from the setting
    other = make_member("sue")
    factories.support(campaign, other)
    with django_capture_on_commit_callbacks(execute=True):
        update = services.campaign_announce(
            campaign=campaign,
            actor=owner,
            title="We met the\r\nTreasurer",
            body="It went **well**.",
        )
    assert update.title == "We met the Treasurer"
    assert update.body_html == "<p>It went <strong>well</strong>.</p>\n"
    notes = Notification.objects.filter(kind="campaign_update")
    assert {n.user_id for n in notes} == {supporter.pk, other.pk}
    assert notes[0].url == f"{campaign.get_absolute_url()}#update-{update.pk}"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([other.email, supporter.email])
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    email = mail.outbox[0]
    assert "\n" not in email.subject
    assert email.subject == "[Grassroots] Take back control of party finances: We met the Treasurer"
    assert "It went **well**." in email.body
    assert f"https://grassroots.example{campaign.get_absolute_url()}" in email.body
    assert owner.email not in {m.to[0] for m in mail.outbox}  # organisers aren't supporters


def test_at_most_three_updates_a_week(campaign, owner):
    for i in range(3):
        services.campaign_announce(campaign=campaign, actor=owner, title=f"U{i}", body="x")
    with pytest.raises(ActionRefused, match="at most 3 updates in 7 days"):
        services.campaign_announce(campaign=campaign, actor=owner, title="U4", body="x")
    # A week on, the oldest no longer counts.
    CampaignUpdate.objects.filter(title="U0").update(
        created_at=timezone.now() - timedelta(days=7, minutes=1)
    )
    services.campaign_announce(campaign=campaign, actor=owner, title="U4", body="x")
    assert campaign.updates.count() == 4


def test_the_same_update_twice_in_30_seconds_is_sent_once(
    campaign, owner, co_organiser, supporter, on_commit
):
    with on_commit():
        first = services.campaign_announce(campaign=campaign, actor=owner, title="Hi", body="News.")
        again = services.campaign_announce(
            campaign=campaign, actor=owner, title=" Hi ", body="News."
        )
    assert again.pk == first.pk
    assert CampaignUpdate.objects.count() == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=supporter, kind="campaign_update").count() == 1
    # The repeat didn't count against the limit: two more go out, then the fourth is refused.
    services.campaign_announce(campaign=campaign, actor=owner, title="Two", body="x")
    # Same words from another organiser are their own update.
    services.campaign_announce(campaign=campaign, actor=co_organiser, title="Hi", body="News.")
    with pytest.raises(ActionRefused, match="at most 3 updates in 7 days"):
        services.campaign_announce(campaign=campaign, actor=owner, title="Four", body="x")


def test_the_same_update_after_30_seconds_is_a_new_one(campaign, owner):
    first = services.campaign_announce(campaign=campaign, actor=owner, title="Hi", body="News.")
    CampaignUpdate.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(seconds=31)
    )
    second = services.campaign_announce(campaign=campaign, actor=owner, title="Hi", body="News.")
    assert second.pk != first.pk
    assert campaign.updates.count() == 2


def test_updates_only_from_organisers_on_open_or_closed_campaigns(campaign, draft, owner, member):
    with pytest.raises(ActionRefused, match="organisers"):
        services.campaign_announce(campaign=campaign, actor=member, title="Spam", body="x")
    with pytest.raises(ActionRefused, match="open or closed"):
        services.campaign_announce(campaign=draft, actor=owner, title="Early", body="x")
    services.campaign_close(campaign=campaign, actor=owner, outcome="won", story="Won.")
    services.campaign_announce(campaign=campaign, actor=owner, title="After the win", body="x")


def test_a_mail_server_failure_never_breaks_the_update(
    campaign, owner, supporter, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "tests.campaigns.failing_mail.Backend"
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_announce(campaign=campaign, actor=owner, title="Hi", body="x")
    assert CampaignUpdate.objects.count() == 1
    assert Notification.objects.filter(user=supporter).count() == 1
    assert "Sending 1 campaign emails failed" in caplog.text


# Export ------------------------------------------------------------------------------------------


def test_export_has_only_contactable_supporters_and_is_recorded(campaign, co_organiser, supporter):
    factories.support(campaign, make_member("quiet"), contact_ok=False)
    supports, record = services.supporters_export(campaign=campaign, actor=co_organiser)
    assert [s.user for s in supports] == [supporter]
    assert (record.by, record.row_count, record.campaign) == (co_organiser, 1, campaign)


def test_export_refused_to_non_organisers_and_not_recorded(campaign, supporter, moderator):
    for user in (supporter, moderator):
        with pytest.raises(ActionRefused, match="organisers"):
            services.supporters_export(campaign=campaign, actor=user)
    assert not SupporterExport.objects.exists()


def test_sections_are_there(db):
    # The migrations' sections, which campaign factories rely on.
    assert Section.objects.filter(slug="party-finances").exists()
