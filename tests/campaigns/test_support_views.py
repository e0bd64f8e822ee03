"""Supporting, changing my choices, withdrawing."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import CONSENT_TEXTS, CONTACT_CONSENT, SUPPORT_CONSENT, Support

from . import factories

pytestmark = pytest.mark.django_db


def consenting(data: dict) -> dict:
    """The form as posted from a page showing today's wordings (their versions ride along)."""
    return data | factories.seen()


def support_url(campaign) -> str:
    return reverse("campaigns:support", args=[campaign.slug])


def withdraw_url(campaign) -> str:
    return reverse("campaigns:withdraw", args=[campaign.slug])


def test_member_supports_with_contact_consent(member_client, member, campaign):
    response = member_client.post(
        support_url(campaign),
        consenting({"support": "on", "contact": "on", "name_visibility": "members"}),
    )
    assert response.status_code == 302
    assert response["Location"] == campaign.get_absolute_url()
    support = Support.objects.get(user=member)
    assert (support.contact_ok, support.name_visibility) == (True, "members")
    assert support.support_consent_version == SUPPORT_CONSENT.version
    assert support.contact_consent_version == CONTACT_CONSENT.version
    html = member_client.get(campaign.get_absolute_url()).content.decode()
    assert "Thank you: you support this campaign." in html
    assert "<strong>You support this campaign</strong>" in html
    assert "1</strong> supporter, 99 to go" in html


def test_the_two_consents_are_separate_unticked_boxes_with_their_own_wording(
    member_client, campaign
):
    html = member_client.get(campaign.get_absolute_url()).content.decode()
    assert '<input type="checkbox" name="support" required id="id_support">' in html
    assert '<input type="checkbox" name="contact" id="id_contact">' in html
    assert "I understand this shows my political view" in html
    assert "They will get my name and email address." in html
    # Privacy by default: counted but not named unless the member chooses otherwise.
    assert 'value="hidden" id="id_name_visibility_2" required checked' in html


def test_support_without_ticking_the_box_is_refused_keeping_the_choices(member_client, campaign):
    response = member_client.post(
        support_url(campaign), consenting({"contact": "on", "name_visibility": "public"})
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tick the first box to add your support." in html
    assert '<input type="checkbox" name="contact" id="id_contact" checked>' in html
    assert 'value="public" id="id_name_visibility_0" required checked' in html
    assert not Support.objects.exists()


def test_contact_consent_is_optional(member_client, member, campaign):
    member_client.post(
        support_url(campaign), consenting({"support": "on", "name_visibility": "hidden"})
    )
    support = Support.objects.get(user=member)
    assert support.contact_ok is False
    assert support.contact_consented_at is None


def test_double_submit_counts_once(member_client, member, campaign):
    data = consenting({"support": "on", "name_visibility": "public"})
    member_client.post(support_url(campaign), data)
    member_client.post(support_url(campaign), data)
    campaign.refresh_from_db()
    assert campaign.support_count == Support.objects.count() == 1


def test_supporting_a_closed_campaign_says_so(member_client, campaign, owner):
    services.campaign_close(campaign=campaign, actor=owner, outcome="lost", story="No.")
    response = member_client.post(
        support_url(campaign), consenting({"support": "on", "name_visibility": "public"})
    )
    assert response.status_code == 200
    assert "This campaign is closed: it no longer takes support." in response.content.decode()
    assert not Support.objects.exists()
    assert "no longer takes support" in member_client.get(support_url(campaign)).content.decode()


def test_supporting_a_draft_is_404_for_strangers_and_refused_for_organisers(
    client, draft, member, owner
):
    client.force_login(member)
    assert client.post(support_url(draft), consenting({"support": "on"})).status_code == 404
    client.force_login(owner)
    response = client.post(
        support_url(draft), consenting({"support": "on", "name_visibility": "hidden"})
    )
    assert "isn&#x27;t published yet" in response.content.decode()
    assert not Support.objects.exists()


def test_suspended_member_is_refused_with_a_message(member_client, member, campaign):
    member.suspended_until = timezone.now() + timedelta(days=2)
    member.save()
    response = member_client.post(
        support_url(campaign), consenting({"support": "on", "name_visibility": "hidden"})
    )
    assert "Your account is suspended" in response.content.decode()
    assert not Support.objects.exists()


def test_forged_visibility_is_refused(member_client, campaign):
    response = member_client.post(
        support_url(campaign), consenting({"support": "on", "name_visibility": "everyone!"})
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Support.objects.exists()


def test_anonymous_is_sent_to_log_in_to_support(client, campaign):
    for response in (client.get(support_url(campaign)), client.post(support_url(campaign))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not Support.objects.exists()


def test_support_needs_a_csrf_token(member, campaign):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(
        support_url(campaign), consenting({"support": "on", "name_visibility": "hidden"})
    )
    assert response.status_code == 403
    assert not Support.objects.exists()


def test_supporter_changes_choices(client, campaign, supporter):
    client.force_login(supporter)
    html = client.get(support_url(campaign)).content.decode()
    assert '<input type="checkbox" name="contact" id="id_contact" checked>' in html
    assert 'name="support"' not in html
    response = client.post(support_url(campaign), {"name_visibility": "hidden"})
    assert response.status_code == 302
    support = Support.objects.get(user=supporter)
    assert (support.contact_ok, support.name_visibility) == (False, "hidden")
    assert support.contact_consented_at is None
    campaign.refresh_from_db()
    assert campaign.support_count == 1


def test_supporter_withdraws(client, campaign, supporter):
    client.force_login(supporter)
    response = client.post(withdraw_url(campaign))
    assert response.status_code == 302
    assert not Support.objects.exists()
    campaign.refresh_from_db()
    assert campaign.support_count == 0
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert "Your support is withdrawn" in html


def test_withdraw_without_supporting_says_so(member_client, campaign):
    response = member_client.post(withdraw_url(campaign), follow=True)
    assert "You don&#x27;t support this campaign." in response.content.decode()


def test_withdraw_is_post_only(client, campaign, supporter):
    client.force_login(supporter)
    assert client.get(withdraw_url(campaign)).status_code == 405
    assert Support.objects.filter(user=supporter).exists()


def test_anonymous_is_sent_to_log_in_to_withdraw(client, campaign):
    response = client.post(withdraw_url(campaign))
    assert response["Location"].startswith(reverse("account_login"))


def test_withdrawing_after_close_still_works(client, campaign, owner, supporter):
    services.campaign_close(campaign=campaign, actor=owner, outcome="won", story="Yes.")
    client.force_login(supporter)
    client.post(withdraw_url(campaign))
    assert not Support.objects.exists()


def test_support_page_for_a_stranger_on_a_draft_is_404(client, draft, member):
    client.force_login(member)
    assert client.get(support_url(draft)).status_code == 404


def test_organiser_may_support_their_own_campaign(client, campaign, owner):
    client.force_login(owner)
    client.post(support_url(campaign), consenting({"support": "on", "name_visibility": "public"}))
    campaign.refresh_from_db()
    assert campaign.support_count == 1


# The wording the member read ---------------------------------------------------------------------

OLD_SUPPORT, OLD_CONTACT = "support-2025-01", "contact-2025-01"


def version_input(name: str, version: str) -> str:
    return f'<input type="hidden" name="{name}" value="{version}" id="id_{name}">'


def test_support_forms_carry_the_versions_of_the_wordings_they_show(member_client, campaign):
    for url in (campaign.get_absolute_url(), support_url(campaign)):
        html = member_client.get(url).content.decode()
        assert version_input("support_consent_version", SUPPORT_CONSENT.version) in html
        assert version_input("contact_consent_version", CONTACT_CONSENT.version) in html


def test_a_changed_support_wording_is_refused_and_shown_again_keeping_other_choices(
    member_client, member, campaign
):
    opened_earlier = consenting({"support": "on", "contact": "on", "name_visibility": "public"})
    response = member_client.post(
        support_url(campaign), opened_earlier | {"support_consent_version": OLD_SUPPORT}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The wording changed since you opened the page: please read it again." in html
    assert not Support.objects.exists()
    # The current wording with its version, its box to tick again; the other choices as they were.
    assert "I understand this shows my political view" in html
    assert version_input("support_consent_version", SUPPORT_CONSENT.version) in html
    assert '<input type="checkbox" name="support" required id="id_support">' in html
    assert '<input type="checkbox" name="contact" id="id_contact" checked>' in html
    assert 'value="public" id="id_name_visibility_0" required checked' in html
    # Ticked again, as the page now stands, it goes through with the version the member saw.
    assert member_client.post(support_url(campaign), opened_earlier).status_code == 302
    support = Support.objects.get(user=member)
    assert support.support_consent_version == SUPPORT_CONSENT.version
    assert support.contact_consent_version == CONTACT_CONSENT.version


def test_a_changed_contact_wording_unticks_only_the_contact_box(member_client, campaign):
    data = consenting({"support": "on", "contact": "on", "name_visibility": "members"})
    response = member_client.post(
        support_url(campaign), data | {"contact_consent_version": OLD_CONTACT}
    )
    html = response.content.decode()
    assert "please read it again" in html
    assert '<input type="checkbox" name="support" required id="id_support" checked>' in html
    assert '<input type="checkbox" name="contact" id="id_contact">' in html
    assert version_input("contact_consent_version", CONTACT_CONSENT.version) in html
    assert not Support.objects.exists()


def test_a_changed_wording_of_a_box_left_unticked_is_no_obstacle(member_client, member, campaign):
    data = consenting({"support": "on", "name_visibility": "hidden"})
    response = member_client.post(
        support_url(campaign), data | {"contact_consent_version": OLD_CONTACT}
    )
    assert response.status_code == 302
    support = Support.objects.get(user=member)
    assert (support.contact_ok, support.contact_consent_version) == (False, "")


def test_a_form_without_versions_is_refused(member_client, campaign):
    response = member_client.post(
        support_url(campaign), {"support": "on", "name_visibility": "hidden"}
    )
    assert "please read it again" in response.content.decode()
    assert not Support.objects.exists()


def test_supporter_sees_and_keeps_the_wording_they_agreed_to_after_it_changed(
    client, campaign, supporter, monkeypatch
):
    monkeypatch.setitem(CONSENT_TEXTS, OLD_SUPPORT, "Count me in (the 2025 words).")
    monkeypatch.setitem(CONSENT_TEXTS, OLD_CONTACT, "You may write to me (the 2025 words).")
    Support.objects.filter(user=supporter).update(
        support_consent_version=OLD_SUPPORT, contact_consent_version=OLD_CONTACT
    )
    client.force_login(supporter)
    html = client.get(support_url(campaign)).content.decode()
    assert "Count me in (the 2025 words)." in html
    assert "You may write to me (the 2025 words)." in html
    assert version_input("contact_consent_version", OLD_CONTACT) in html
    # Keeping the consent keeps the wording it was given to.
    kept = {"contact": "on", "contact_consent_version": OLD_CONTACT, "name_visibility": "members"}
    assert client.post(support_url(campaign), kept).status_code == 302
    support = Support.objects.get(user=supporter)
    assert (support.contact_consent_version, support.name_visibility) == (OLD_CONTACT, "members")
    # Taken back and given again, it is given to the wording shown now.
    client.post(support_url(campaign), {"name_visibility": "members"})
    html = client.get(support_url(campaign)).content.decode()
    assert "They will get my name and email address." in html
    again = consenting({"contact": "on", "name_visibility": "members"})
    assert client.post(support_url(campaign), again).status_code == 302
    assert Support.objects.get(user=supporter).contact_consent_version == CONTACT_CONSENT.version
