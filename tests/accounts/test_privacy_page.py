"""The privacy notice: who runs the site, the numbers it promises (from the settings), the anchors
the consent wordings link to, and the deploy check for an operator that was never named."""

from html.parser import HTMLParser
from itertools import pairwise

import pytest
from django.core.checks import Tags, run_checks
from django.urls import reverse

from accounts.checks import operator_named
from tests.campaigns import factories
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

PRIVACY_URL = reverse("accounts:privacy")
# Where each consent text points: the sections of the notice that explain it.
AFFILIATIONS_LINK = f'href="{PRIVACY_URL}#affiliations"'
SUPPORT_LINK = f'href="{PRIVACY_URL}#campaign-support"'
ORGANISERS_LINK = f'href="{PRIVACY_URL}#organisers"'


class Outline(HTMLParser):
    """The page's headings (level, id) and every id, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str | None]] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.headings.append((int(tag[1]), found.get("id")))


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def page(client) -> str:
    response = client.get(PRIVACY_URL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_notice_opens_for_visitors_and_members(client, member_client):
    for who in (client, member_client):
        html = page(who)
        assert "<h1>Privacy notice</h1>" in html
        assert "https://ico.org.uk/make-a-complaint/" in html


def test_one_h1_and_headings_in_order_with_unique_ids(client):
    found = outline(page(client))
    levels = [level for level, _ in found.headings]
    assert levels.count(1) == 1
    assert levels[0] == 1
    # Never a skipped level (an h2 straight to an h4).
    for before, after in pairwise(levels):
        assert after <= before + 1, levels
    assert len(found.ids) == len(set(found.ids)), "an id is used twice"
    sections = [anchor for level, anchor in found.headings if level == 2]
    assert sections == [
        "privacy-contents",
        "who-runs-this-site",
        "what-we-collect",
        "lawful-basis",
        "who-sees-what",
        "retention",
        "your-rights",
        "complaints",
        "changes",
    ]


def test_the_anchors_the_consent_texts_link_to_exist(client):
    ids = outline(page(client)).ids
    for anchor in ("affiliations", "campaign-support", "organisers", "lawful-basis", "retention"):
        assert anchor in ids


def test_the_operator_comes_from_the_settings(client, settings):
    settings.SITE_OPERATOR_NAME = "Leeds Members' Association"
    settings.SITE_OPERATOR_CONTACT = "privacy@leeds.example.org"
    settings.SITE_OPERATOR_DPO_CONTACT = "DPO, 1 Example Street, Leeds LS1 1AA"
    html = page(client)
    assert "Leeds Members&#x27; Association" in html
    assert 'href="mailto:privacy@leeds.example.org"' in html
    assert "DPO, 1 Example Street, Leeds LS1 1AA" in html
    assert "has not set" not in html


def test_a_postal_contact_is_not_a_mail_link(client, settings):
    settings.SITE_OPERATOR_NAME = "Leeds Members' Association"
    settings.SITE_OPERATOR_CONTACT = "The Secretary, 1 Example Street, Leeds LS1 1AA"
    html = page(client)
    assert "The Secretary, 1 Example Street, Leeds LS1 1AA" in html
    assert "mailto:" not in html


def test_an_unset_operator_is_said_plainly(client, settings):
    settings.SITE_OPERATOR_NAME = ""
    settings.SITE_OPERATOR_CONTACT = ""
    settings.SITE_OPERATOR_DPO_CONTACT = ""
    html = page(client)
    assert "The operator of this site has not set its name." in html
    assert "The operator of this site has not set a contact address." in html
    assert "data protection officer" not in html


def retention_numbers(html: str) -> dict[str, str]:
    numbers = {}
    for name in (
        "unverified",
        "supporters",
        "notifications",
        "emails",
        "tasks",
        "failed-tasks",
        "export",
        "session",
    ):
        start = html.index(f'class="retention-{name}">') + len(f'class="retention-{name}">')
        numbers[name] = html[start : html.index("</span>", start)]
    return numbers


def test_the_retention_numbers_come_from_the_settings(client, settings):
    settings.RETENTION_UNVERIFIED_DAYS = 11
    settings.RETENTION_SUPPORTERS_MONTHS = 5
    settings.RETENTION_NOTIFICATIONS_MONTHS = 9
    settings.EMAIL_RETENTION_DAYS = 31
    settings.TASK_RESULT_RETENTION_DAYS = 8
    settings.TASK_FAILED_RETENTION_DAYS = 40
    settings.EXPORT_RETENTION_HOURS = 36
    settings.SESSION_COOKIE_AGE = 3 * 86_400
    assert retention_numbers(page(client)) == {
        "unverified": "11 days",
        "supporters": "5 months",
        "notifications": "9 months",
        "emails": "31 days",
        "tasks": "8 days",
        "failed-tasks": "40 days",
        "export": "36 hours",
        "session": "3 days",
    }
    settings.RETENTION_SUPPORTERS_MONTHS = 1
    settings.EXPORT_RETENTION_HOURS = 1
    numbers = retention_numbers(page(client))
    assert (numbers["supporters"], numbers["export"]) == ("1 month", "1 hour")


def test_the_defaults_are_the_issue_s(client):
    numbers = retention_numbers(page(client))
    assert numbers["supporters"] == "6 months"
    assert numbers["export"] == "24 hours"
    assert numbers["emails"] == "30 days"


@pytest.mark.parametrize(("log_ip", "says"), [(False, "does not log your IP"), (True, "also logs")])
def test_the_logs_paragraph_follows_log_client_ip(client, settings, log_ip, says):
    settings.LOG_CLIENT_IP = log_ip
    assert says in page(client)


# The consent wordings link to the notice ---------------------------------------------------------


def test_the_affiliation_consent_links_to_its_section(member_client):
    response = member_client.get(reverse("accounts:profile-edit"))
    assert response.status_code == 200
    assert AFFILIATIONS_LINK in response.content.decode()


def test_the_support_form_links_to_its_section(client, organiser):
    campaign = factories.campaign(organiser)
    client.force_login(make_member("newcomer"))
    for url in (reverse("campaigns:support", args=[campaign.slug]), campaign.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="id_support"' in html  # the support box and its wording are on the page
        assert SUPPORT_LINK in html


def test_a_supporter_s_own_page_links_beside_the_wording_they_agreed_to(client, organiser):
    campaign = factories.campaign(organiser)
    supporter = make_member("sam")
    factories.support(campaign, supporter, contact_ok=True)
    client.force_login(supporter)
    html = client.get(reverse("campaigns:support", args=[campaign.slug])).content.decode()
    start = html.index('class="agreed-wording"')
    agreed = html[start : html.index("</details>", start)]
    assert SUPPORT_LINK in agreed
    # And beside the boxes they can still change (the contact consent).
    assert html.count(SUPPORT_LINK) == 2


def test_the_organisers_export_links_to_what_supporters_were_promised(client, organiser):
    campaign = factories.campaign(organiser)
    client.force_login(organiser)
    response = client.get(reverse("campaigns:dashboard", args=[campaign.slug]))
    assert response.status_code == 200
    assert ORGANISERS_LINK in response.content.decode()


# The deploy check -------------------------------------------------------------------------------


def operator_warnings() -> list[str]:
    found = run_checks(include_deployment_checks=True, tags=[Tags.security])
    return [message.id for message in found if message.id == "grassroots.W001"]


def test_the_deploy_check_warns_while_the_operator_is_unset(settings):
    settings.SITE_OPERATOR_NAME = ""
    settings.SITE_OPERATOR_CONTACT = ""
    assert operator_warnings() == ["grassroots.W001"]
    (warning,) = operator_named()
    assert "SITE_OPERATOR_NAME and SITE_OPERATOR_CONTACT are not set" in warning.msg
    settings.SITE_OPERATOR_NAME = "Leeds Members' Association"
    (warning,) = operator_named()
    assert "SITE_OPERATOR_CONTACT is not set" in warning.msg


def test_the_deploy_check_is_quiet_once_the_operator_is_named(settings):
    settings.SITE_OPERATOR_NAME = "Leeds Members' Association"
    settings.SITE_OPERATOR_CONTACT = "privacy@leeds.example.org"
    assert operator_warnings() == []


def test_the_ordinary_check_does_not_warn(settings):
    # Development (`manage.py check`, `make run`) is not nagged: only `check --deploy` asks.
    settings.SITE_OPERATOR_NAME = ""
    settings.SITE_OPERATOR_CONTACT = ""
    found = run_checks(include_deployment_checks=False)
    assert not [m for m in found if m.id == "grassroots.W001"]
