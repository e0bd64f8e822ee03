"""A member's copy of their data (accounts.exports, accounts.data_export): asked for on the
rendered page behind re-authentication, built by the task, downloadable by its owner alone until
it expires, then deleted by the retention rule."""

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from accounts.exports import data_export_build, data_export_request
from accounts.models import Affiliation, Block, DataExport, Notification, NotificationPreference
from accounts.retention import retention_run
from accounts.services import notification_send
from campaigns.models import CONTACT_CONSENT, SUPPORT_CONSENT
from conversations import services as conversations
from forum import services as forum
from forum.moderation import report_create
from tests.campaigns import factories as campaign_factories
from tests.conftest import PASSWORD, make_member
from tests.forum import factories as forum_factories
from tests.webforms import form_to, form_with

pytestmark = pytest.mark.django_db

PAGE = "/account/data/"


@pytest.fixture(autouse=True)
def _export_root(settings, tmp_path):
    # Exports go to a throwaway directory, never var/exports; campaign images likewise.
    settings.DATA_EXPORT_ROOT = tmp_path / "exports"
    settings.MEDIA_ROOT = tmp_path / "media"


def reauthenticate(app, user):
    """Give the password again, as allauth's page asks: the session then counts as freshly
    authenticated for ACCOUNT_REAUTHENTICATION_TIMEOUT."""
    page = app.get(reverse("account_reauthenticate") + f"?next={PAGE}", user=user)
    form = form_with(page, "password")
    form["password"] = PASSWORD
    assert form.submit().status_code == 302


@pytest.fixture
def everything(member, other_member, organiser, django_capture_on_commit_callbacks):
    """Alice with something of every kind, and Carol, who reports her."""
    carol = make_member("carol", display_name="Carol Reporter")
    with django_capture_on_commit_callbacks(execute=True):
        type(member).objects.filter(pk=member.pk).update(bio="I organise in Leeds.")
        member.refresh_from_db()
        Affiliation.objects.create(
            user=member,
            kind=Affiliation.Kind.UNION,
            name="Unite the Union",
            visibility="private",
            consented_at=timezone.now() - timedelta(days=3),
        )
        EmailAddress.objects.create(user=member, email="alice.work@example.org", verified=False)
        post = forum_factories.post(member, title="Open the books", body="First *draft* of it")
        forum.post_update(
            post=post,
            actor=member,
            section=post.section,
            title="Open the books",
            body="Second **version** of it",
        )
        bobs_post = forum_factories.post(other_member, title="Bob's thread", body="Bob writes")
        comment = forum_factories.comment(bobs_post, member, body="My first comment")
        forum.comment_update(comment=comment, actor=member, body="My comment, edited")
        bobs_comment = forum_factories.comment(bobs_post, other_member, body="Bob replies")
        forum.comment_vote(comment=bobs_comment, actor=member, value=1)
        forum.post_recommend(post=bobs_post, actor=member)
        report_create(actor=member, target=bobs_comment, reason="spam", detail="Alice's reason")
        report_create(actor=carol, target=post, reason="abuse", detail="Carol's secret reason")
        supported = campaign_factories.campaign(organiser, title="Save the Carnegie library")
        campaign_factories.support(supported, member, contact_ok=True)
        campaign_factories.campaign(member, title="Alice's own campaign")
        notification_send(recipients=[member], kind="moderation", message="A note for Alice")
        NotificationPreference.objects.create(user=member, category="mentions", delivery="off")
        Block.objects.create(blocker=member, blocked=carol)
        conversation = conversations.conversation_start(
            actor=other_member, recipients=[member], subject="Hello Alice", body="Bob to Alice"
        )
        conversations.message_send(conversation=conversation, actor=member, body="Alice to Bob")
    return member


def archive(response) -> tuple[dict, str]:
    with zipfile.ZipFile(io.BytesIO(response.body)) as zf:
        assert sorted(zf.namelist()) == ["README.txt", "data.json"]
        return json.loads(zf.read("data.json")), zf.read("README.txt").decode()


def test_a_member_asks_is_told_and_downloads_everything(
    app, everything, other_member, organiser, django_capture_on_commit_callbacks
):
    member = everything
    settings_page = app.get(reverse("accounts:profile-edit"), user=member)
    page = settings_page.click("Your data", href=PAGE)
    assert "Prepare my data" in page.text
    assert "You have not asked for a copy yet." in page.text
    with django_capture_on_commit_callbacks(execute=True):
        asked = form_to(page, PAGE).submit()
        # The log-in is not recent: allauth asks for the password, then replays the POST.
        assert asked.status_code == 302
        assert asked.headers["Location"].startswith(reverse("account_reauthenticate"))
        form = form_with(asked.follow(), "password")
        form["password"] = PASSWORD
        done = form.submit()
    assert done.status_code == 302 and done.headers["Location"] == PAGE
    export = DataExport.objects.get(user=member)
    assert export.status == DataExport.Status.READY
    assert export.ready_at is not None
    assert export.expires_at == export.ready_at + timedelta(hours=24)
    # Written under DATA_EXPORT_ROOT, nowhere near MEDIA_ROOT, and no temporary file left.
    assert Path(export.file.path).parent == Path(export.file.storage.location)
    assert [p.name for p in Path(export.file.storage.location).iterdir()] == [
        Path(export.file.name).name
    ]

    told = Notification.objects.get(user=member, kind="data_export")
    assert told.url == PAGE

    page = done.follow()
    assert "We are preparing a copy of your data" in page.text
    assert "Ready since" in page.text
    download = page.click("Download your data")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    assert download.headers["Cache-Control"] == "private, no-store"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    data, readme = archive(download)
    sections = data["sections"]

    assert data["member"] == "alice"
    assert sections["profile"]["username"] == "alice"
    assert sections["profile"]["display_name"] == "Alice Okafor"
    assert sections["profile"]["bio"] == "I organise in Leeds."
    assert sections["affiliations"] == [
        {
            "kind": "union",
            "kind_label": "Trade union",
            "name": "Unite the Union",
            "visibility": "private",
            "visibility_label": "Only me",
            "consented_at": Affiliation.objects.get(user=member).consented_at.isoformat(),
        }
    ]
    assert sections["email_addresses"] == [
        {"email": "alice@example.org", "verified": True, "primary": True},
        {"email": "alice.work@example.org", "verified": False, "primary": False},
    ]
    # Her campaign's discussion is a post of hers too.
    (post,) = [p for p in sections["posts"] if p["title"] == "Open the books"]
    assert post["body"] == "Second **version** of it"
    assert [v["body"] for v in post["earlier_versions"]] == ["First *draft* of it"]
    (comment,) = sections["comments"]
    assert comment["body"] == "My comment, edited"
    assert comment["post_title"] == "Bob's thread"
    assert [v["body"] for v in comment["earlier_versions"]] == ["My first comment"]
    assert [v["value"] for v in sections["comment_votes"]] == [1]
    assert len(sections["recommendations"]) == 1
    (report,) = sections["reports_made"]
    assert report["reason"] == "spam" and report["detail"] == "Alice's reason"
    assert report["status"] == "open"
    assert sections["reports_about_your_content"] == {
        "count": 1,
        "by_kind": {"post": 1},
        "outcomes": {"open": 1},
    }
    (support,) = sections["campaign_supports"]
    assert support["campaign"] == "Save the Carnegie library"
    assert support["support_consent"] == {
        "version": SUPPORT_CONSENT.version,
        "wording": SUPPORT_CONSENT.text,
    }
    assert support["contact_ok"] is True
    assert support["contact_consent"] == {
        "version": CONTACT_CONSENT.version,
        "wording": CONTACT_CONSENT.text,
    }
    assert support["contact_consented_at"]
    (organised,) = sections["campaigns_organised"]
    assert organised["title"] == "Alice's own campaign" and organised["role"] == "owner"
    assert "A note for Alice" in [n["message"] for n in sections["notifications"]]
    assert sections["notification_preferences"]["mentions"]["delivery"] == "off"
    assert sections["notification_preferences"]["replies"]["delivery"] == "email"
    assert sections["blocks"][0]["username"] == "carol"
    (conversation,) = sections["conversations"]
    assert conversation["subject"] == "Hello Alice"
    assert sorted(conversation["participants"]) == ["alice", "bob"]
    assert [(m["from"], m["body"], m["sent_by_you"]) for m in conversation["messages"]] == [
        ("bob", "Bob to Alice", False),
        ("alice", "Alice to Bob", True),
    ]

    text = json.dumps(data)
    # Nobody else's address, and nothing of who reported her or what they said.
    for other in ("bob@example.org", "carol@example.org", "olu@example.org"):
        assert other not in text
    assert "Carol's secret reason" not in text
    assert "Carol Reporter" not in text
    assert "reporter" not in text

    assert "Prepared for @alice" in readme
    assert "deleted from the site 24 hours" in readme
    assert "- reports_about_your_content:" in readme


def _ready_export(member, django_capture_on_commit_callbacks) -> DataExport:
    with django_capture_on_commit_callbacks(execute=True):
        export = data_export_request(actor=member)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    return export


def test_only_the_owner_downloads_not_another_member_nor_staff(
    app, member, other_member, moderator, superuser, django_capture_on_commit_callbacks
):
    export = _ready_export(member, django_capture_on_commit_callbacks)
    url = reverse("accounts:data-export-download", args=[export.pk])
    for someone in (other_member, moderator):
        app.reset()
        reauthenticate(app, someone)
        app.get(url, user=someone, status=404)
    app.reset()
    app.get(url, status=302)  # anonymous: to the log-in page
    app.reset()
    reauthenticate(app, member)
    assert app.get(url, user=member).status_code == 200


def test_an_expired_export_is_gone_and_the_retention_rule_deletes_it(
    app, member, django_capture_on_commit_callbacks
):
    export = _ready_export(member, django_capture_on_commit_callbacks)
    path = Path(export.file.path)
    assert path.exists()
    url = reverse("accounts:data-export-download", args=[export.pk])
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        reauthenticate(app, member)
        app.get(url, user=member, status=404)
        page = app.get(PAGE, user=member)
        assert "has been deleted from the site" in page.text
        (outcome,) = [o for o in retention_run(apply=False) if o.rule.name == "data-exports"]
        assert outcome.count == 1
        with django_capture_on_commit_callbacks(execute=True):
            retention_run(apply=True)
    assert not DataExport.objects.filter(pk=export.pk).exists()
    assert not path.exists()


def test_deleting_a_member_deletes_their_export_files(member, django_capture_on_commit_callbacks):
    path = Path(_ready_export(member, django_capture_on_commit_callbacks).file.path)
    with django_capture_on_commit_callbacks(execute=True):
        DataExport.objects.filter(user=member).delete()
    assert not path.exists()


def test_a_stale_login_must_give_the_password_again(app, member):
    reauthenticate(app, member)
    page = app.get(PAGE, user=member)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        asked = form_to(page, PAGE).submit()
    assert asked.status_code == 302
    assert asked.headers["Location"].startswith(reverse("account_reauthenticate"))
    assert not DataExport.objects.filter(user=member).exists()


def test_a_second_request_while_one_is_pending_is_refused(app, member, settings):
    # The worker has not got to it yet.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    reauthenticate(app, member)
    page = app.get(PAGE, user=member)
    first = form_to(page, PAGE).submit().follow()
    assert "We are preparing a copy of your data" in first.text
    assert "Being prepared since" in first.text
    second = form_to(first, PAGE).submit().follow()
    assert "Your data is already being prepared" in second.text
    assert DataExport.objects.filter(user=member).count() == 1


def test_a_new_copy_is_refused_within_the_hour_then_replaces_the_old(
    app, member, django_capture_on_commit_callbacks
):
    first = _ready_export(member, django_capture_on_commit_callbacks)
    reauthenticate(app, member)
    page = form_to(app.get(PAGE, user=member), PAGE).submit().follow()
    assert "less than an hour ago" in page.text
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        second = _ready_export(member, django_capture_on_commit_callbacks)
    assert list(DataExport.objects.filter(user=member)) == [second]
    assert not Path(first.file.path).exists()


def _write(member, other_member, n: int) -> None:
    post = forum_factories.post(other_member, title="Thread")
    for i in range(n):
        mine = forum_factories.post(member, title=f"Post {i}", body=f"Body {i}")
        forum.post_update(
            post=mine, actor=member, section=mine.section, title=f"Post {i}", body=f"Edit {i}"
        )
        comment = forum_factories.comment(post, member, body=f"Comment {i}")
        forum.comment_update(comment=comment, actor=member, body=f"Comment {i} edited")
        notification_send(recipients=[member], kind="moderation", message=f"Note {i}")


def test_building_takes_a_bounded_number_of_queries(
    member, other_member, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with django_capture_on_commit_callbacks(execute=True):
        _write(member, other_member, 5)
    export = DataExport.objects.create(user=member)
    with CaptureQueriesContext(connection) as few:
        data_export_build.call(export.pk)
    with django_capture_on_commit_callbacks(execute=True):
        _write(member, other_member, 45)
        DataExport.objects.all().delete()  # as it was for the first: no earlier copy to delete
    export = DataExport.objects.create(user=member)
    with django_assert_max_num_queries(len(few)):
        data_export_build.call(export.pk)
    with zipfile.ZipFile(DataExport.objects.get(pk=export.pk).file.path) as zf:
        data = json.loads(zf.read("data.json"))
    assert len(data["sections"]["posts"]) == 50
    assert len(data["sections"]["comments"]) == 50
    assert all(len(p["earlier_versions"]) == 1 for p in data["sections"]["posts"])


def test_the_privacy_notice_points_to_the_page(app):
    page = app.get(reverse("accounts:privacy"))
    access = page.html.find(id="right-access").find_next("p")
    assert access.find("a", href=PAGE).text == "Your data"
    assert "contact the operator" not in access.text
