"""The organisers' dashboard and the supporters export."""

import csv
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Affiliation, Visibility
from campaigns.models import Support, SupporterExport
from tests.conftest import force_login_fresh, make_member

from . import factories

pytestmark = pytest.mark.django_db


def dashboard_url(campaign) -> str:
    return reverse("campaigns:dashboard", args=[campaign.slug])


def export_url(campaign) -> str:
    return reverse("campaigns:export", args=[campaign.slug])


def supporter_with(campaign, username, *, branch=None, union=None, days_ago=0, **choices):
    user = make_member(username)
    for kind, shared in (("branch", branch), ("union", union)):
        if shared:
            name, visibility = shared
            Affiliation.objects.create(
                user=user, kind=kind, name=name, visibility=visibility, consented_at=timezone.now()
            )
    factories.support(campaign, user, **choices)
    if days_ago:
        Support.objects.filter(user=user).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    return user


def rows_of(html: str, caption: str) -> dict[str, str]:
    table = html.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', table))


def day_rows(html: str) -> int:
    return html.count('<tr><th scope="row"><time datetime=')


# The dashboard -----------------------------------------------------------------------------------


def test_dashboard_shows_totals_chart_and_table(client, campaign, owner):
    for i in range(3):
        supporter_with(campaign, f"early{i}", days_ago=5, contact_ok=True)
    supporter_with(campaign, "today", name_visibility="public")
    force_login_fresh(client, owner)
    html = client.get(dashboard_url(campaign)).content.decode()
    assert '<dd class="total-supporters">4</dd>' in html
    assert '<dd class="total-contactable">3</dd>' in html
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in html
    assert '<title id="chart-title">Supporters over time</title>' in html
    assert re.search(r'<desc id="chart-desc">4 supporters on .+, up 4 in the last 7 days', html)
    assert "<polyline" in html
    assert "<caption>New supporters by day</caption>" in html
    assert day_rows(html) == 2
    assert "<script" not in html


def test_breakdown_counts_only_affiliations_organisers_may_see(client, campaign, owner):
    named = {"name_visibility": "members"}
    for i in range(3):
        supporter_with(campaign, f"pub{i}", branch=("Leeds Central", Visibility.PUBLIC), **named)
    for i in range(3):
        supporter_with(campaign, f"mem{i}", union=("Unison", Visibility.MEMBERS), **named)
    for i in range(4):
        supporter_with(campaign, f"priv{i}", branch=("Secret Branch", Visibility.PRIVATE), **named)
    supporter_with(campaign, "lone", branch=("Tiny Branch", Visibility.PUBLIC), **named)
    force_login_fresh(client, owner)
    html = client.get(dashboard_url(campaign)).content.decode()
    assert "Secret Branch" not in html
    assert "Tiny Branch" not in html  # under 3: folded into "others"
    branches = rows_of(html, "Party branch")
    assert branches == {
        "Leeds Central": "3",
        "1 other (under 3 each)": "1",
        "Named, but not shared or not visible to you": "7",
        "Counted, not named (never broken down)": "0",
    }
    unions = rows_of(html, "Trade union")
    assert unions == {
        "Unison": "3",
        "Named, but not shared or not visible to you": "8",
        "Counted, not named (never broken down)": "0",
    }


def test_dashboard_query_count_is_constant(
    client, campaign, owner, co_organiser, django_assert_num_queries
):
    branches = ["Leeds Central", "Bristol West", "Cardiff South", "Wigan", "Preston"]
    unions = ["Unison", "Unite", "GMB"]
    visibilities = [Visibility.PUBLIC, Visibility.MEMBERS, Visibility.PRIVATE]
    for i in range(45):
        supporter_with(
            campaign,
            f"s{i}",
            branch=(branches[i % 5], visibilities[i % 3]),
            union=(unions[i % 3], visibilities[(i + 1) % 3]) if i % 4 else None,
            days_ago=i % 20,
            contact_ok=i % 2 == 0,
            name_visibility=["public", "members", "hidden"][i % 3],
        )
    for _ in range(3):
        force_login_fresh(client, owner)
        client.post(export_url(campaign))
    force_login_fresh(client, co_organiser)
    # session, user, groups (header), campaign, the viewer's role, totals, supporters per day,
    # branch and union breakdown (with the named total in the same query), exports (+who)
    with django_assert_num_queries(9):
        html = client.get(dashboard_url(campaign)).content.decode()
    assert '<dd class="total-supporters">45</dd>' in html
    assert day_rows(html) == 20
    assert html.count("<td>Olu Adeyemi</td>") == 3


def test_suspended_organiser_export_is_refused_with_a_message(client, campaign, owner):
    owner.suspended_until = timezone.now() + timedelta(days=1)
    owner.save()
    force_login_fresh(client, owner)
    response = client.post(export_url(campaign), follow=True)
    assert "Your account is suspended" in response.content.decode()
    assert not SupporterExport.objects.exists()


# The export --------------------------------------------------------------------------------------


def test_export_is_a_csv_of_contactable_supporters_only(client, campaign, co_organiser):
    supporter_with(campaign, "yes1", contact_ok=True, name_visibility="public")
    supporter_with(campaign, "no1", contact_ok=False)
    supporter_with(campaign, "yes2", contact_ok=True)
    force_login_fresh(client, co_organiser)
    response = client.post(export_url(campaign))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="take-back-control-of-party-finances-supporters-{today}.csv"'
    )
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.reader(StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["name", "email", "supported_on", "name_shown"],
        ["yes1", "yes1@example.org", today, "Show my name to everyone"],
        ["yes2", "yes2@example.org", today, "Count me, but don't show my name"],
    ]
    record = SupporterExport.objects.get()
    assert (record.by, record.row_count) == (co_organiser, 2)
    html = client.get(dashboard_url(campaign)).content.decode()
    assert "<td>Cora Lewis</td><td>2</td>" in html


def test_every_cell_is_safe_from_formula_injection(client, campaign, owner):
    evil = [
        ("eq", '=HYPERLINK("http://evil.example","Click")'),
        ("plus", "+1+cmd|' /C calc'!A0"),
        ("minus", "-2+3"),
        ("at", "@SUM(1+1)*cmd|' /C calc'!A0"),
        ("tab", "\t=1+1"),
        ("cr", "\r=1+1"),
    ]
    for username, name in evil:
        user = make_member(username, display_name=name)
        factories.support(campaign, user, contact_ok=True)
    force_login_fresh(client, owner)
    response = client.post(export_url(campaign))
    rows = list(csv.reader(StringIO(response.content.decode("utf-8-sig"))))[1:]
    names = [row[0] for row in rows]
    assert names == ["'" + name for _, name in evil]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_export_is_post_only(client, campaign, owner):
    force_login_fresh(client, owner)
    assert client.get(export_url(campaign)).status_code == 405
    assert not SupporterExport.objects.exists()


def test_non_organisers_cannot_export_or_see_the_dashboard(client, campaign, supporter, moderator):
    for user in (supporter, moderator, make_member("nosy")):
        force_login_fresh(client, user)
        assert client.post(export_url(campaign)).status_code == 403
        assert client.get(dashboard_url(campaign)).status_code == 403
    assert not SupporterExport.objects.exists()


def test_anonymous_is_sent_to_log_in(client, campaign):
    for response in (client.get(dashboard_url(campaign)), client.post(export_url(campaign))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_strangers_get_404_on_a_drafts_dashboard(client, draft, member):
    force_login_fresh(client, member)
    assert client.get(dashboard_url(draft)).status_code == 404
    assert client.post(export_url(draft)).status_code == 404
