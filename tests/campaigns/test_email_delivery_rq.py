"""The RQ set-up delivers a campaign update (PostgreSQL, Redis, the real worker command in its own
process, Django's SMTP backend against a mail server on loopback): the organiser posts it through
the form, the request only enqueues, and `manage.py rqworker default --with-scheduler` sends each
supporter exactly one message, even though the mail server turned the first attempt away and the
batch was retried after its back-off. test_email_delivery_at_scale.py is the database backend's
version (5,000 supporters, a worker killed half-way)."""

import pytest
from django.urls import reverse

from accounts.models import OutboundEmail
from campaigns.models import CampaignUpdate, SupporterSend
from tests.conftest import make_member, requires_postgres
from tests.rq_setup import (
    make_scheduled_jobs_due,
    requires_rq,
    run_worker,
    scheduled_job_ids,
    use_rq,
    worker_env,
)
from tests.smtp_sink import SmtpSink

from . import factories

pytestmark = [
    requires_postgres,
    requires_rq,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SUPPORTERS = 25
BATCH = 10  # three batches: three SMTP connections once the server takes mail


@pytest.fixture
def rq(settings):
    """The site's RQ (REDIS_URL), emptied before and after: queued jobs, schedules, results."""
    import django_rq

    use_rq(settings, settings.RQ_QUEUES["default"]["URL"].split("?")[0])
    redis = django_rq.get_connection()
    redis.flushdb()
    yield django_rq.get_queue("default")
    redis.flushdb()


def test_an_update_posted_through_the_form_reaches_each_supporter_once_after_a_retry(
    app, rq, settings, tmp_path
):
    owner = make_member("olu")
    campaign = factories.campaign(owner)
    supporters = [make_member(f"sup{i}") for i in range(SUPPORTERS)]
    for member in supporters:
        factories.support(campaign, member)

    form = app.get(reverse("campaigns:update-create", args=[campaign.slug]), user=owner).forms[
        "update-form"
    ]
    form["title"] = "We met the Treasurer"
    form["body"] = "She agreed to publish the accounts.\n\n.A line starting with a dot."
    page = form.submit("action", value="send").follow()
    assert "Your update is posted" in page.text
    assert "We met the Treasurer" in page.text
    update = CampaignUpdate.objects.get()
    # The request only enqueued the fan-out, after its transaction committed: one job in Redis,
    # no email in the outbox yet, and the send recorded until the worker has filled it.
    assert rq.count == 1
    [job] = rq.get_jobs()
    assert job.func_name == "campaigns.tasks.campaign_tell_supporters"
    assert job.args[1] == f"campaign:{campaign.pk}:update:{update.pk}"
    assert not OutboundEmail.objects.exists()
    assert SupporterSend.objects.filter(key=job.args[1]).exists()

    log_path = tmp_path / "worker.log"
    with SmtpSink(refuse=1) as sink, log_path.open("ab") as log:
        env = worker_env(
            settings.RQ_QUEUES["default"]["URL"].split("?")[0],
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(sink.port),
            EMAIL_USE_TLS="0",
            EMAIL_BATCH_SIZE=str(BATCH),
        )
        run_worker(env, log)
        # The fan-out filled the outbox; the first batch found the server refusing, so nothing
        # went, and its retry waits for its back-off in RQ's schedule.
        assert sink.messages == []
        assert sink.connections == 1
        assert OutboundEmail.objects.count() == SUPPORTERS
        assert not SupporterSend.objects.exists()
        retried = OutboundEmail.objects.filter(attempts=1, sent_at=None)
        assert retried.count() == BATCH
        assert "421" in retried.order_by("pk")[0].last_error
        assert len(scheduled_job_ids()) == 1

        run_worker(env, log)  # the back-off isn't over: the retry stays where it is
        assert sink.messages == []
        assert make_scheduled_jobs_due() == 1
        run_worker(env, log)

    recipients = [message["To"] for message in sink.messages]
    assert sorted(recipients) == sorted(member.email for member in supporters), log_path.read_text()
    assert sink.connections == 1 + 3  # the refusal, then one connection per batch
    assert len({message["Message-ID"] for message in sink.messages}) == SUPPORTERS
    message = sink.messages[0]
    assert message["Subject"] == f"[Grassroots] {campaign.title}: We met the Treasurer"
    # Text and HTML alternatives; the text part carries the body unchanged, dot-stuffing undone.
    assert message.get_content_type() == "multipart/alternative"
    [text_part] = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    payload = text_part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode()
    assert "She agreed to publish the accounts." in body
    assert "\n.A line starting with a dot." in body
    assert not OutboundEmail.objects.filter(sent_at=None).exists()
    assert scheduled_job_ids() == []
    assert rq.failed_job_registry.count == 0
