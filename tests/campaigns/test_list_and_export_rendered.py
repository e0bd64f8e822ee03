"""The campaign list's section filter and the dashboard's CSV download, used as rendered (WebTest)."""

import csv
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import SupporterExport
from tests.conftest import give_password_again, make_member
from tests.webforms import form_to

from . import factories

pytestmark = pytest.mark.django_db


def titles(page) -> list[str]:
    return [a.text.strip() for a in page.html.select(".campaign-list .campaign-title a")]


@pytest.fixture
def campaigns(owner):
    return {
        "books": factories.campaign(owner, title="Open the books", section_slug="party-finances"),
        "depot": factories.campaign(owner, title="Recognise the depot", section_slug="unions"),
    }


def test_section_filter_as_rendered(app, campaigns):
    page = app.get(reverse("campaigns:list"))
    assert {"Open the books", "Recognise the depot"} <= set(titles(page))
    form = page.forms["section-filter-form"]
    # Every section is an option, chosen by its slug; "All sections" is the empty value.
    assert form["section"].value == ""
    form["section"].select("unions")
    filtered = form.submit()
    assert filtered.request.GET["section"] == "unions"
    assert titles(filtered) == ["Recognise the depot"]
    # The filter shows what it filtered by, and the form can widen it again.
    form = filtered.forms["section-filter-form"]
    assert form["section"].value == "unions"
    form["section"].select("")
    assert set(titles(form.submit())) >= {"Open the books", "Recognise the depot"}


def test_section_filter_keeps_the_tab_and_order(app, owner, campaigns):
    lost = factories.campaign(owner, title="Save the old office", section_slug="unions")
    services.campaign_close(campaign=lost, actor=owner, outcome="lost", story="We tried.")
    won = factories.campaign(owner, title="Win the vote", section_slug="party-finances")
    services.campaign_close(campaign=won, actor=owner, outcome="won", story="We won.")

    page = app.get(reverse("campaigns:list") + "?show=lost")
    form = page.forms["section-filter-form"]
    assert form["show"].value == "lost"
    form["section"].select("unions")
    filtered = form.submit()
    assert filtered.request.GET["show"] == "lost"
    assert titles(filtered) == ["Save the old office"]

    page = app.get(reverse("campaigns:list") + "?show=open&sort=new")
    form = page.forms["section-filter-form"]
    assert form["sort"].value == "new"
    form["section"].select("party-finances")
    filtered = form.submit()
    assert (filtered.request.GET["sort"], titles(filtered)) == ("new", ["Open the books"])


def test_dashboard_download_the_csv_as_rendered(app, campaign, owner, supporter):
    quiet = make_member("quinn", display_name="Quinn Quiet")
    factories.support(campaign, quiet, contact_ok=False)
    sneaky = make_member("eve", display_name="=HYPERLINK(1)")
    factories.support(campaign, sneaky, contact_ok=True)

    detail = app.get(campaign.get_absolute_url(), user=owner)
    dashboard = detail.click(href=reverse("campaigns:dashboard", args=[campaign.slug]))
    assert "A CSV of the 2 supporters who ticked" in dashboard.text
    # The supporters' names and addresses: allauth asks for the password again first (a log-in
    # this browser made earlier doesn't count), then answers the same POST with the file.
    asked = form_to(dashboard, reverse("campaigns:export", args=[campaign.slug])).submit()
    assert SupporterExport.objects.count() == 0
    download = give_password_again(asked)

    assert download.status_code == 200
    assert download.content_type == "text/csv"
    assert download.headers["Content-Disposition"].startswith(
        f'attachment; filename="{campaign.slug}-supporters-'
    )
    assert download.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(StringIO(download.body.decode("utf-8-sig"))))
    assert rows[0] == ["name", "email", "supported_on", "name_shown"]
    assert [row[:2] for row in rows[1:]] == [
        ["Sam Supporter", "sam@example.org"],
        ["'=HYPERLINK(1)", "eve@example.org"],
    ]
    export = SupporterExport.objects.get()
    assert (export.by, export.row_count, export.campaign) == (owner, 2, campaign)

    # The dashboard lists the download for every organiser to see.
    again = app.get(reverse("campaigns:dashboard", args=[campaign.slug]), user=owner)
    exports = again.html.select("table.exports tbody tr")
    assert len(exports) == 1
    assert "Olu Adeyemi" in exports[0].text
    assert exports[0].select("td")[-1].text == "2"


def test_the_export_asks_for_the_password_again_once_it_is_stale(app, campaign, owner, supporter):
    export = reverse("campaigns:export", args=[campaign.slug])
    dashboard = app.get(reverse("campaigns:dashboard", args=[campaign.slug]), user=owner)
    give_password_again(form_to(dashboard, export).submit())
    # Within ACCOUNT_REAUTHENTICATION_TIMEOUT (allauth's 300 seconds) the next one just downloads.
    again = form_to(app.get(reverse("campaigns:dashboard", args=[campaign.slug])), export).submit()
    assert again.content_type == "text/csv"
    # After it, the password is asked for again, and a wrong one gets no file.
    later = timezone.now() + timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1)
    with time_machine.travel(later):
        dashboard = app.get(reverse("campaigns:dashboard", args=[campaign.slug]))
        asked = form_to(dashboard, export).submit()
        refused = give_password_again(asked, password="not-my-password")
        assert refused.status_code == 200
        assert "Incorrect password." in refused.text
        assert give_password_again(asked).content_type == "text/csv"
    assert SupporterExport.objects.count() == 3
