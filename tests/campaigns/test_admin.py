from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign
from forum import moderation
from forum.models import ContentState, ModerationAction
from tests.conftest import make_member

from . import factories

# session, user, user and group permissions, counts (open, all), the page of reports (+reporters),
# the reported campaigns (+owners), the date hierarchy's range and its days.
QUERIES_FOR_REPORT_LIST = 11  # with the two-factor check (accounts.middleware)


pytestmark = pytest.mark.django_db


def test_admin_lists_and_shows_a_campaign_without_its_supporters(admin_client, campaign, supporter):
    changelist = admin_client.get(reverse("admin:campaigns_campaign_changelist"))
    assert changelist.status_code == 200
    assert "Take back control of party finances" in changelist.content.decode()
    change = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
    html = change.content.decode()
    assert change.status_code == 200
    assert "sam@example.org" not in html and "Sam Supporter" not in html


def test_admin_cannot_delete_a_campaign_or_change_its_state(admin_client, campaign):
    url = reverse("admin:campaigns_campaign_delete", args=[campaign.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    change = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
    html = change.content.decode()
    assert 'name="status"' not in html and 'name="state"' not in html
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_moderator_removes_a_campaign_from_the_admin_with_a_reason(app, moderator, campaign):
    # The changelist's action form as rendered: tick, choose, submit; then the reason page.
    page = app.get(reverse("admin:campaigns_campaign_changelist"), user=moderator)
    form = page.forms["changelist-form"]
    form["action"].select("remove_with_reason")
    form["_selected_action"] = [str(campaign.pk)]
    reason_page = form.submit()
    assert f"campaign #{campaign.pk} by @olu: Take back control" in reason_page.text
    reason_form = reason_page.forms["action-reason-form"]
    reason_form["reason"] = "Misleading claims about a named member"
    done = reason_form.submit().follow()
    assert "Remove with reason: done for 1 campaign" in done.text
    campaign.refresh_from_db()
    assert (campaign.state, campaign.removed_reason) == (
        ContentState.REMOVED,
        "Misleading claims about a named member",
    )
    entry = ModerationAction.objects.get(
        action="remove", content_type=ContentType.objects.get_for_model(Campaign)
    )
    assert (entry.moderator, entry.target) == (moderator, campaign)


def test_member_cannot_open_the_campaign_admin(client, member, campaign):
    client.force_login(member)
    response = client.get(reverse("admin:campaigns_campaign_changelist"))
    assert response.status_code == 302


@pytest.mark.parametrize("count", [2, 12])
def test_moderators_changelist_query_count_does_not_grow(
    client, moderator, owner, count, django_assert_num_queries
):
    for i in range(count):
        campaign = factories.campaign(owner, title=f"Campaign {i}")
        factories.support(campaign, make_member(f"fan{i}"))
    factories.campaign(owner, title="A draft", publish=False)  # left out in the same query
    ContentType.objects.get_for_model(Campaign)  # cached per process, as on a live server
    client.force_login(moderator)
    # session, user, the moderator's authenticators (the two-factor check), the user's permissions
    # and their groups' permissions, the sections (filter),
    # count, count before filters, the page (+sections joined, open reports in a subquery),
    # the date hierarchy's range and its days: 11 at any size
    with django_assert_num_queries(11):
        response = client.get(reverse("admin:campaigns_campaign_changelist"))
    assert response.status_code == 200
    assert response.content.decode().count('class="action-select"') == count


@pytest.mark.parametrize("n", [2, 8])
def test_admin_report_list_with_reported_campaigns_holds_its_query_count(
    client, moderator, owner, n, django_assert_num_queries
):
    joined = timezone.now() - timedelta(days=60)
    reporter = make_member("reporter", date_joined=joined)
    for i in range(n):
        campaign = factories.campaign(owner, title=f"Campaign {i}")
        moderation.report_create(actor=reporter, target=campaign, reason="spam")
    client.force_login(moderator)
    url = reverse("admin:forum_report_changelist")
    client.get(url)  # warms the content-type cache, as a running server has it warm
    # The same however many campaigns are reported (see QUERIES_FOR_REPORT_LIST).
    with django_assert_num_queries(QUERIES_FOR_REPORT_LIST):
        response = client.get(url)
    assert response.content.decode().count("campaign #") >= n


# Drafts (issue 8, item 11) -----------------------------------------------------------------------

DRAFT_TEXTS = ["Back Rosa for Treasurer", "Rosa has kept the branch books", "Rosa"]
STAFF = ["moderator", "superuser"]


def assert_private(html: str) -> None:
    for text in DRAFT_TEXTS:
        assert text not in html


@pytest.fixture
def staff(request, moderator, superuser):
    return {"moderator": moderator, "superuser": superuser}[request.param]


@pytest.fixture
def secret_draft(owner):
    return factories.campaign(
        owner,
        title="Back Rosa for Treasurer",
        summary="Rosa has kept the branch books for ten years.",
        ask="Rosa has kept the branch books: elect her.",
        publish=False,
    )


@pytest.mark.parametrize("staff", STAFF, indirect=True)
def test_draft_campaign_is_not_listed_found_or_opened_in_the_admin(
    app, staff, campaign, secret_draft
):
    url = reverse("admin:campaigns_campaign_changelist")
    page = app.get(url, user=staff)
    assert "Take back control of party finances" in page.text
    assert_private(page.text)
    assert "?status=draft" not in page.text  # the status filter offers no "Draft"
    for params in ({"q": "Rosa"}, {"q": "back-rosa"}, {"status": "draft"}):
        found = app.get(url, params, user=staff)
        assert list(found.context["cl"].result_list) == []
        assert "Back Rosa for Treasurer" not in found.text
    for name in ("change", "history"):
        response = app.get(
            reverse(f"admin:campaigns_campaign_{name}", args=[secret_draft.pk]), user=staff
        )
        assert response["Location"] == reverse("admin:index")
        page = response.follow()
        assert "exist. Perhaps it was deleted?" in page.text
        assert_private(page.text)


@pytest.mark.parametrize("staff", STAFF, indirect=True)
def test_campaign_autocomplete_never_offers_a_draft(app, staff, campaign, secret_draft):
    # Reachable from any foreign key to a campaign (an organiser's), whatever the forms use.
    params = {"app_label": "campaigns", "model_name": "organiser", "field_name": "campaign"}
    url = reverse("admin:autocomplete")
    assert app.get(url, {**params, "term": "Rosa"}, user=staff).json["results"] == []
    results = app.get(url, {**params, "term": ""}, user=staff).json["results"]
    assert [r["id"] for r in results] == [str(campaign.pk)]


def test_a_report_on_a_draft_campaign_is_acted_on_without_showing_it(
    app, moderator, owner, secret_draft, django_capture_on_commit_callbacks
):
    # A co-organiser can see the draft and report it; moderators still never read it. The queue
    # as rendered: tick, choose "remove", the reason page, a reason, submit.
    co = make_member("cora")
    services.organiser_add(campaign=secret_draft, actor=owner, member=co)
    report = moderation.report_create(actor=co, target=secret_draft, reason="other", detail="x")
    page = app.get(reverse("admin:forum_report_changelist"), user=moderator)
    label = f"campaign #{secret_draft.pk} by @olu: [a draft: only its author can read it]"
    assert label in page.text
    assert_private(page.text)
    form = page.forms["changelist-form"]
    form["action"].select("resolve_remove")
    form["_selected_action"] = [str(report.pk)]
    reason_page = form.submit()
    assert label in reason_page.text
    assert_private(reason_page.text)
    reason_form = reason_page.forms["action-reason-form"]
    reason_form["reason"] = "Names a member without consent."
    with django_capture_on_commit_callbacks(execute=True):
        done = reason_form.submit().follow()
    assert "done for 1 campaign" in done.text
    assert_private(done.text)
    secret_draft.refresh_from_db()
    assert secret_draft.state == ContentState.REMOVED
    entry = ModerationAction.objects.get(action="remove")
    assert entry.target_label == f"campaign #{secret_draft.pk} by @olu"
    log = app.get(reverse("admin:forum_moderationaction_changelist"), user=moderator)
    assert_private(log.text)
