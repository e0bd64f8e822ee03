"""Issue 8, item 10: a supporter counted but not named can't be placed in a branch or union by
the dashboard, by subtracting it from another view, or by the export."""

import csv
import itertools
import re
from io import StringIO

import pytest

from accounts.models import Affiliation, Visibility
from campaigns import services
from campaigns.models import SupporterExport
from tests.conftest import force_login_fresh, give_password_again, make_member

from . import factories
from .test_dashboard import dashboard_url, rows_of, supporter_with

pytestmark = pytest.mark.django_db

NOT_VISIBLE = "Named, but not shared or not visible to you"
NOT_NAMED = "Counted, not named (never broken down)"


def page_without_tokens(client, campaign) -> str:
    html = client.get(dashboard_url(campaign)).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def breakdown(client, campaign) -> dict[str, dict[str, str]]:
    html = client.get(dashboard_url(campaign)).content.decode()
    return {caption: rows_of(html, caption) for caption in ("Party branch", "Trade union")}


def test_three_unnamed_supporters_sharing_a_branch_are_not_shown_by_it(client, campaign, owner):
    # The case: three "counted but not named" supporters who share their branch on their
    # profiles showed up as "Branch X: 3".
    for i in range(3):
        supporter_with(campaign, f"quiet{i}", branch=("Branch X", Visibility.MEMBERS))
    force_login_fresh(client, owner)
    html = client.get(dashboard_url(campaign)).content.decode()
    assert "Branch X" not in html
    assert rows_of(html, "Party branch") == {NOT_VISIBLE: "0", NOT_NAMED: "3"}
    assert rows_of(html, "Trade union") == {NOT_VISIBLE: "0", NOT_NAMED: "3"}
    assert "other" not in rows_of(html, "Party branch")  # not folded into "others" either
    assert "counted in one total and never by branch or union" in html  # the rule, in words


def test_named_and_unnamed_supporters_of_one_branch_count_only_the_named(client, campaign, owner):
    for i in range(3):
        supporter_with(
            campaign, f"named{i}", branch=("Branch X", Visibility.PUBLIC), name_visibility="public"
        )
    for i in range(2):
        supporter_with(campaign, f"quiet{i}", branch=("Branch X", Visibility.PUBLIC))
    supporter_with(
        campaign, "member-only", branch=("Branch Y", Visibility.MEMBERS), name_visibility="members"
    )
    force_login_fresh(client, owner)
    tables = breakdown(client, campaign)
    assert tables["Party branch"] == {
        "Branch X": "3",
        "1 other (under 3 each)": "1",
        NOT_VISIBLE: "0",
        NOT_NAMED: "2",
    }
    assert tables["Trade union"] == {NOT_VISIBLE: "4", NOT_NAMED: "2"}


def test_an_unnamed_supporter_joining_changes_only_the_not_named_count(client, campaign, owner):
    # Before vs after: two named members of Branch X sit in "others"; a third, unnamed, joins.
    # Under the old rule Branch X appeared with 3, naming the newcomer's branch.
    for i in range(2):
        supporter_with(
            campaign, f"named{i}", branch=("Branch X", Visibility.PUBLIC), name_visibility="public"
        )
    force_login_fresh(client, owner)
    before = breakdown(client, campaign)
    supporter_with(
        campaign, "newcomer", branch=("Branch X", Visibility.PUBLIC), union=("GMB", "public")
    )
    after = breakdown(client, campaign)
    for caption in before:
        assert before[caption].pop(NOT_NAMED) == "0"
        assert after[caption].pop(NOT_NAMED) == "1"
        assert after[caption] == before[caption]
    assert "Branch X" not in str(after)


def test_unnamed_supporters_affiliations_never_change_the_dashboard(client, campaign, owner):
    # Whatever unnamed supporters share, and with whom, the page is the same as if they shared
    # nothing: there is nothing in it to subtract.
    for i in range(4):
        supporter_with(
            campaign,
            f"named{i}",
            branch=("Branch X", Visibility.PUBLIC),
            union=("Unite", Visibility.MEMBERS) if i % 2 else None,
            name_visibility=["public", "members"][i % 2],
        )
    quiet = [supporter_with(campaign, f"quiet{i}") for i in range(3)]
    force_login_fresh(client, owner)
    html = page_without_tokens(client, campaign)
    assert "Branch X" in html  # the named supporters are broken down
    choices = itertools.product(["Branch X", "Branch Z"], list(Visibility))
    for user, (name, visibility) in zip(quiet, choices, strict=False):
        for kind in ("branch", "union"):
            Affiliation.objects.create(
                user=user,
                kind=kind,
                name=name,
                visibility=visibility,
                consented_at=user.date_joined,
            )
    assert page_without_tokens(client, campaign) == html


def test_breakdown_adds_up_to_the_totals_without_saying_more(client, campaign, owner):
    # Each table's rows add up to the supporters, and its unnamed row is the totals' "not named":
    # subtracting one from the other gives back only what the named rows already say.
    for i in range(5):
        supporter_with(
            campaign,
            f"n{i}",
            branch=("Branch X", Visibility.MEMBERS) if i < 3 else ("Branch Y", Visibility.PRIVATE),
            name_visibility="members",
        )
    for i in range(4):
        supporter_with(campaign, f"q{i}", branch=("Branch Y", Visibility.PUBLIC))
    force_login_fresh(client, owner)
    html = client.get(dashboard_url(campaign)).content.decode()
    assert "<dt>Counted, not named</dt><dd>4</dd>" in html
    assert '<dd class="total-supporters">9</dd>' in html
    for caption in ("Party branch", "Trade union"):
        rows = rows_of(html, caption)
        assert sum(int(n) for n in rows.values()) == 9
        assert rows[NOT_NAMED] == "4"
    assert rows_of(html, "Party branch") == {"Branch X": "3", NOT_VISIBLE: "2", NOT_NAMED: "4"}
    assert "Branch Y" not in html


def test_choosing_to_be_named_puts_a_supporter_in_the_breakdown(client, campaign, owner):
    users = [supporter_with(campaign, f"q{i}", branch=("Branch X", "members")) for i in range(3)]
    force_login_fresh(client, owner)
    assert "Branch X" not in breakdown(client, campaign)["Party branch"]
    for user in users:
        services.support_change(
            campaign=campaign, actor=user, contact_ok=False, name_visibility="members"
        )
    assert breakdown(client, campaign)["Party branch"]["Branch X"] == "3"


def test_export_has_no_affiliations_and_only_those_who_agreed_to_contact(app, campaign, owner):
    # The other organiser page with supporters' data: it never carried branches or unions, and it
    # lists unnamed supporters only when they ticked "may contact me" (which says organisers get
    # their name and email). Downloaded through the dashboard's form as rendered.
    supporter_with(campaign, "contact", branch=("Branch X", "public"), contact_ok=True)
    supporter_with(campaign, "nocontact", branch=("Branch X", "public"))
    page = app.get(dashboard_url(campaign), user=owner)
    response = give_password_again(page.forms["export-form"].submit())
    assert response.content_type == "text/csv"
    rows = list(csv.reader(StringIO(response.body.decode("utf-8-sig"))))
    assert rows[0] == ["name", "email", "supported_on", "name_shown"]
    assert [row[0] for row in rows[1:]] == ["contact"]
    assert "Branch X" not in response.body.decode("utf-8-sig")
    assert SupporterExport.objects.get().row_count == 1
    dashboard = app.get(dashboard_url(campaign), user=owner)
    assert dashboard.html.select_one("table.exports td:nth-of-type(3)").text == "1"


def test_co_organisers_see_the_same_rule(client, campaign, owner):
    co = make_member("cora")
    services.organiser_add(campaign=campaign, actor=owner, member=co)
    for i in range(3):
        factories.support(campaign, make_member(f"q{i}"))
        Affiliation.objects.create(
            user=campaign.supports.get(user__username=f"q{i}").user,
            kind="union",
            name="Unison",
            visibility="public",
            consented_at=co.date_joined,
        )
    force_login_fresh(client, co)
    assert breakdown(client, campaign)["Trade union"] == {NOT_VISIBLE: "0", NOT_NAMED: "3"}
