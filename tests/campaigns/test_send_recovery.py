"""A campaign send is recorded (SupporterSend) with the update that makes it, enqueued only once
that commits, on RQ as on the database backend, and enqueued again by `manage.py email_resume`
if its task never ran: never twice while it is still queued, and never once its emails are in
the outbox."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from accounts.models import OutboundEmail
from campaigns import services
from campaigns.models import SupporterSend
from campaigns.tasks import campaign_tell_supporters
from tests.conftest import DATABASE_TASKS, make_member
from tests.redis_server import RedisServer, requires_redis_server
from tests.rq_setup import use_rq

from . import factories

FANOUT = campaign_tell_supporters.module_path


def announce(campaign, owner, title="News"):
    return services.campaign_announce(campaign=campaign, actor=owner, title=title, body="Body.")


@pytest.fixture
def with_supporters(campaign):
    for n in range(3):
        factories.support(campaign, make_member(f"s{n}"))
    campaign.refresh_from_db()
    return campaign


# Database backend ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_send_whose_task_was_lost_is_enqueued_again_once(
    with_supporters, owner, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_TASKS
    with django_capture_on_commit_callbacks(execute=False):  # the process dies before enqueueing
        update = announce(with_supporters, owner)
    [send] = SupporterSend.objects.all()
    assert send.key == f"campaign:{with_supporters.pk}:update:{update.pk}"
    assert not DBTaskResult.objects.exists()

    call_command("email_resume", stale_after=0, verbosity=0)
    call_command("email_resume", stale_after=0, verbosity=0)  # already queued: not again
    [queued] = DBTaskResult.objects.all()
    assert (queued.task_path, queued.args_kwargs["args"][1]) == (FANOUT, send.key)

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        campaign_tell_supporters.enqueue(*queued.args_kwargs["args"])
    assert len(mail.outbox) == 3
    assert not SupporterSend.objects.exists()  # gone with the outbox filled, in one transaction
    settings.TASKS = DATABASE_TASKS
    call_command("email_resume", stale_after=0, verbosity=0)
    assert DBTaskResult.objects.count() == 1  # nothing more to do


@pytest.mark.django_db
def test_a_recent_send_is_left_to_its_task(with_supporters, owner, settings, on_commit):
    settings.TASKS = DATABASE_TASKS
    with on_commit():
        announce(with_supporters, owner)
    DBTaskResult.objects.all().delete()  # as if lost, but only just made
    call_command("email_resume", verbosity=0)  # default: EMAIL_CLAIM_TIMEOUT (600 s) ago
    assert not DBTaskResult.objects.exists()
    assert SupporterSend.objects.count() == 1


# RQ --------------------------------------------------------------------------------------------


@pytest.fixture
def rq(settings):
    """RQ (and the cache) on a redis-server of the test's own."""
    import django_rq

    server = RedisServer()
    server.start()
    use_rq(settings, server.url())
    yield django_rq.get_queue("default")
    server.kill()


@requires_redis_server
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_rq_a_send_is_enqueued_only_once_its_transaction_commits(rq, campaign, owner):
    for n in range(2):
        factories.support(campaign, make_member(f"s{n}"))
    with transaction.atomic():
        update = announce(campaign, owner)
        assert rq.count == 0  # RQ would otherwise run it before the update exists
        assert SupporterSend.objects.count() == 1
    [job] = rq.get_jobs()
    assert (job.func_name, job.args[1]) == (FANOUT, f"campaign:{campaign.pk}:update:{update.pk}")

    with pytest.raises(RuntimeError), transaction.atomic():
        announce(campaign, owner, title="Rolled back")
        raise RuntimeError
    assert rq.count == 1
    assert SupporterSend.objects.count() == 1

    call_command("email_resume", stale_after=0, verbosity=0)  # it is queued: not again
    assert rq.count == 1
    assert not OutboundEmail.objects.exists()
