"""The organisers' and supporters' forms, filled and submitted as the pages render them."""

import pytest
from django.core import mail
from django.urls import reverse

from campaigns import services
from campaigns.models import Campaign, CampaignUpdate, Organiser, Support
from forum.models import ModerationAction

pytestmark = pytest.mark.django_db


def url(name: str, campaign) -> str:
    return reverse(f"campaigns:{name}", args=[campaign.slug])


def test_update_form_previews_then_posts(app, campaign, owner, supporter, on_commit):
    form = app.get(url("update-create", campaign), user=owner).forms["update-form"]
    form["title"] = "We met the NEC"
    form["body"] = "They **listened**."
    page = form.submit("action", value="preview")
    assert "<strong>listened</strong>" in page.text
    assert not CampaignUpdate.objects.exists()
    with on_commit():  # emails go once the update is committed
        page = page.forms["update-form"].submit("action", value="send").follow()
    assert "Your update is posted" in page.text
    update = CampaignUpdate.objects.get()
    assert (update.title, update.campaign) == ("We met the NEC", campaign)
    assert [message.to for message in mail.outbox] == [[supporter.email]]


def test_close_form_needs_an_outcome_then_closes(app, campaign, owner):
    form = app.get(url("close", campaign), user=owner).forms["close-form"]
    form["story"] = "The NEC agreed to publish the accounts."
    page = form.submit()
    assert "Say whether the campaign was won, lost or withdrawn." in page.text
    form = page.forms["close-form"]
    assert form["story"].value == "The NEC agreed to publish the accounts."
    form["outcome"].select("won")
    page = form.submit().follow()
    assert "The campaign is closed" in page.text
    campaign.refresh_from_db()
    assert (campaign.status, campaign.outcome) == ("closed", "won")


def test_support_change_and_withdraw_as_rendered(app, campaign, member):
    form = app.get(url("support", campaign), user=member).forms["support-form"]
    form["support"] = True
    form["contact"] = True
    form["name_visibility"].select("members")
    page = form.submit().follow()
    assert "Thank you: you support this campaign." in page.text
    support = Support.objects.get(campaign=campaign, user=member)
    assert (support.contact_ok, support.name_visibility) == (True, "members")

    form = app.get(url("support", campaign), user=member).forms["support-choices-form"]
    assert form["name_visibility"].value == "members"
    form["contact"] = False
    form["name_visibility"].select("public")
    assert "Saved." in form.submit().follow().text
    support.refresh_from_db()
    assert (support.contact_ok, support.name_visibility) == (False, "public")

    form = app.get(url("support", campaign), user=member).forms["withdraw-form"]
    assert "Your support is withdrawn" in form.submit().follow().text
    assert not Support.objects.filter(campaign=campaign, user=member).exists()


def test_support_form_without_the_first_box_says_so(app, campaign, member):
    form = app.get(url("support", campaign), user=member).forms["support-form"]
    form["name_visibility"].select("public")
    page = form.submit()
    assert "Tick the first box to add your support." in page.text
    assert page.forms["support-form"]["name_visibility"].value == "public"
    assert not Support.objects.exists()


def test_organisers_add_and_remove_as_rendered(app, campaign, owner, other_member):
    form = app.get(url("organisers", campaign), user=owner).forms["organiser-add-form"]
    form["username"] = "nobody-here"
    page = form.submit()
    assert "There is no member called nobody-here." in page.text
    form = page.forms["organiser-add-form"]
    form["username"] = "@bob"
    page = form.submit().follow()
    assert "Bob Hughes is now an organiser." in page.text
    organiser = Organiser.objects.get(campaign=campaign, user=other_member)
    page = page.forms[f"organiser-remove-{organiser.pk}"].submit().follow()
    assert "Bob Hughes is no longer an organiser." in page.text
    assert not Organiser.objects.filter(pk=organiser.pk).exists()


def test_co_organiser_steps_down_as_rendered(app, campaign, co_organiser):
    organiser = Organiser.objects.get(campaign=campaign, user=co_organiser)
    page = app.get(url("organisers", campaign), user=co_organiser)
    assert "organiser-add-form" not in page.forms  # only the owner adds
    page = page.forms[f"organiser-remove-{organiser.pk}"].submit().follow()
    assert "You are no longer an organiser of this campaign." in page.text


def test_reopen_page_comes_back_with_the_error_and_then_reopens(app, campaign, owner, moderator):
    services.campaign_close(campaign=campaign, actor=owner, outcome="lost", story="Lost.")
    detail = app.get(campaign.get_absolute_url(), user=moderator)
    (on_page,) = [form for form in detail.forms.values() if form.action.endswith("/reopen/")]
    page = on_page.submit()  # no reason
    assert page.status_code == 200
    assert "Give a reason" in page.text
    form = page.forms["reopen-form"]
    form["reason"] = "Closed by mistake: the vote is next week."
    page = form.submit().follow()
    assert "The campaign is open again" in page.text
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PUBLISHED
    action = ModerationAction.objects.get(action=ModerationAction.Action.REOPEN)
    assert action.reason == "Closed by mistake: the vote is next week."
