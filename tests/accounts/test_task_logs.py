"""One request followed from the app server to the worker: the enqueue is logged with the
request's id and the new task's id, and every line the worker logs while running that task
carries the task's id. The database backend and its real worker (`db_worker`, in this process),
with real commits (transactional test), as in production."""

import io
import json
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.observability import JsonFormatter
from accounts.tasks import email_message_send
from tests.conftest import DATABASE_TASKS

# Real commits; the migrations' rows (sections, the Moderators group) are put back afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def log_output():
    [handler] = [h for h in logging.getLogger().handlers if h.name == "console"]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    old_stream, old_formatter = handler.setStream(stream), handler.formatter
    handler.setFormatter(JsonFormatter())
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(old_stream)
    handler.setFormatter(old_formatter)


def run_worker() -> None:
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=1)


def enqueued(lines):
    return [line for line in lines if line["logger"] == "grassroots.tasks"]


def test_a_request_is_followed_into_the_worker(client, member, settings, log_output):
    settings.TASKS = DATABASE_TASKS
    response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == 302
    request_id = response["X-Request-ID"]
    assert not mail.outbox  # the request only enqueued it

    [line] = enqueued(log_output())
    assert line["request_id"] == request_id
    assert line["task_name"] == email_message_send.module_path
    task_id = line["enqueued_task_id"]
    assert str(DBTaskResult.objects.get().id) == task_id
    assert line["task_id"] is None  # enqueued by a request, not by a task

    before = len(log_output())
    run_worker()
    worker = log_output()[before:]
    assert len(mail.outbox) == 1
    in_the_task = [line for line in worker if line["task_id"] == task_id]
    finished = [line for line in in_the_task if line["logger"] == "django_tasks"]
    assert finished and "SUCCESSFUL" in finished[-1]["message"]
    # The worker's own lines outside any task (start, "no more tasks") have no task id, and no
    # line in the worker has a request's id.
    assert [line for line in worker if line["task_id"] is None]
    assert all(line["request_id"] is None for line in worker)


def test_the_tasks_own_lines_and_its_retry_carry_its_id(client, member, settings, log_output):
    settings.TASKS = DATABASE_TASKS
    settings.EMAIL_BACKEND = "tests.campaigns.failing_mail.Backend"  # the mail server is down
    response = client.post(reverse("account_reset_password"), {"email": member.email})
    [first] = enqueued(log_output())
    assert first["request_id"] == response["X-Request-ID"]
    task_id = first["enqueued_task_id"]

    before = len(log_output())
    run_worker()
    in_the_task = [line for line in log_output()[before:] if line["task_id"] == task_id]
    [failure] = [line for line in in_the_task if line["logger"] == "accounts.tasks"]
    assert failure["level"] == "WARNING"
    assert "SMTP server down" in failure["message"]
    # The task enqueued its own retry: that line names both, so the chain can be followed.
    [retry] = enqueued(in_the_task)
    assert retry["enqueued_task_id"] != task_id
    assert DBTaskResult.objects.filter(id=retry["enqueued_task_id"], status="READY").exists()


def test_a_task_run_inside_the_request_has_both_ids_then_the_request_line_only_its_own(
    client, member, settings, log_output
):
    # The immediate backend (the tests' default) runs the task inside the request: its lines
    # carry the request id and the task id, and the task id is gone again once it is done.
    settings.EMAIL_BACKEND = "tests.campaigns.failing_mail.Backend"
    response = client.post(reverse("account_reset_password"), {"email": member.email})
    request_id = response["X-Request-ID"]
    lines = log_output()
    [line] = enqueued(lines)
    task_id = line["enqueued_task_id"]
    [given_up] = [line for line in lines if line["logger"] == "accounts.tasks"]
    assert (given_up["request_id"], given_up["task_id"]) == (request_id, task_id)
    [request_line] = [line for line in lines if line["logger"] == "grassroots.request"]
    assert (request_line["request_id"], request_line["task_id"]) == (request_id, None)
