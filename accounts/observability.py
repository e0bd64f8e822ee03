"""Following one request from the app server to the worker: request ids, task ids, structured logs
and (optionally) error reports.

- RequestIdMiddleware gives each request an id. It takes the id a trusted proxy sent
  (TRUSTED_REQUEST_ID_HEADER) or makes a new one. The id goes into a context variable and into the
  X-Request-ID response header, and the middleware logs one line per request.
- ContextFilter sits on the log handler and stamps every record with the ids of the request and
  the task it was logged in, so every line carries them.
- The task signals log each enqueue, naming the task and its id; that line carries the id of the
  request that enqueued it. Inside a worker they set the task id while the task runs.
  To follow a request to the worker: its request_id gives the enqueue line, whose enqueued_task_id
  gives the worker's lines.
- JsonFormatter writes one JSON object per line (LOG_FORMAT=json); TextFormatter is for people.

Members' identity is sensitive: a request line names the member by id only. It never holds a
username, a query string or (unless LOG_CLIENT_IP) an address. Error reports get the same
treatment (sentry_before_send).

This module is imported by the settings and by logging's configuration, before the apps are
ready: it imports no models, and django_tasks only inside functions.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase
    from django_tasks import TaskResult
    from sentry_sdk.types import Event, Hint

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
task_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_id", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
# An id from a proxy is logged and echoed back, so only plain, short ones are taken: a UUID,
# nginx's $request_id (32 hex digits), HAProxy's unique-id. Anything else gets a new id.
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

request_log = logging.getLogger("grassroots.request")
task_log = logging.getLogger("grassroots.tasks")


# Logging ---------------------------------------------------------------------------------------


class ContextFilter(logging.Filter):
    """Stamps each record with the current request id and task id (None outside either)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A record passes every handler: the first stamp wins, and that one was made in the
        # context where the record was logged.
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        if not hasattr(record, "task_id"):
            record.task_id = task_id_var.get()
        return True


# Attributes every LogRecord has; any others came from `extra=` and go into the JSON line.
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "task_id",
    "taskName",
}
_SCALARS = (str, int, float, bool, type(None))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, task_id, any
    scalar `extra=` fields, and the traceback if there is one.

    Other `extra=` values are left out: Django's own loggers pass the request object, whose
    repr would print the query string.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "task_id": getattr(record, "task_id", None),
        }
        for key, value in vars(record).items():
            extra = key not in _RECORD_ATTRIBUTES and not key.startswith("_")
            if extra and key not in entry and isinstance(value, _SCALARS):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Django's usual text lines, ending with [request_id=… task_id=…] when there are any."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        tags = [
            f"{name}={value}"
            for name in ("request_id", "task_id")
            if (value := getattr(record, name, None))
        ]
        return f"{line} [{' '.join(tags)}]" if tags else line


# Requests --------------------------------------------------------------------------------------


def _user_id(request: HttpRequest) -> int | None:
    """The member's id if this request already looked them up, else None.

    It never looks them up itself. That would read the session, and cost a query, on pages
    that never needed the user (/healthz).
    """
    user = request.__dict__.get("user")
    if user is None:
        return None
    # django-csp checks its lazy nonce the same way; django-stubs doesn't declare _wrapped.
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:  # type: ignore[attr-defined]
        return None
    return user.pk if user.is_authenticated else None


def _client_ip(request: HttpRequest) -> str | None:
    """The address allauth's rate limits use (TRUSTED_PROXY_COUNT, TRUSTED_CLIENT_IP_HEADER)."""
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import PermissionDenied

    try:
        return str(get_adapter(request).get_client_ip(request))
    except PermissionDenied:
        return None


# A path is decoded (%0A is a newline): escaped, it can't forge a second line in a text log.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RequestIdMiddleware:
    """Gives each request an id, returns it in X-Request-ID, and logs the request in one line.

    It is first in MIDDLEWARE, so that every response gets the header and a log line, whoever
    answers it: a redirect to https, whitenoise's static files, a 400 for a malformed request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        header = settings.TRUSTED_REQUEST_ID_HEADER
        self.meta_key = "HTTP_" + header.upper().replace("-", "_") if header else None
        self.log_ip = settings.LOG_CLIENT_IP

    def request_id(self, request: HttpRequest) -> str:
        incoming = request.META.get(self.meta_key, "") if self.meta_key else ""
        if WELL_FORMED_REQUEST_ID.fullmatch(incoming):
            return str(incoming)
        return uuid.uuid4().hex

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = self.request_id(request)
        path = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", request.path)
        # Set here and cleared when the response is closed (clear_request_id), not when this
        # returns: Django logs a 4xx or 5xx ("Not Found: /x") after the middleware is done.
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        fields: dict[str, Any] = {
            "method": request.method,
            "path": path,  # never the query string: searches, tokens
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": _user_id(request),
        }
        if self.log_ip:
            fields["client_ip"] = _client_ip(request)
        request_log.info(
            "%s %s %s %sms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra=fields,
        )
        return response


def clear_request_id(sender: object, **kwargs: Any) -> None:
    """On request_finished: the lines logged after this belong to no request."""
    request_id_var.set(None)


# Tasks -----------------------------------------------------------------------------------------

# The context-variable tokens of the tasks running in this process, so each task's end restores
# what was there before it started (the request's context, under the immediate backend).
_running: dict[str, contextvars.Token[str | None]] = {}


def log_task_enqueued(sender: type, task_result: TaskResult[Any], **kwargs: Any) -> None:
    task_log.info(
        "Task %s enqueued: %s",
        task_result.id,
        task_result.task.module_path,
        extra={"enqueued_task_id": task_result.id, "task_name": task_result.task.module_path},
    )


def tag_task_started(sender: type, task_result: TaskResult[Any], **kwargs: Any) -> None:
    _running[task_result.id] = task_id_var.set(task_result.id)


def untag_task_finished(sender: type, task_result: TaskResult[Any], **kwargs: Any) -> None:
    token = _running.pop(task_result.id, None)
    if token is None:
        return
    try:
        task_id_var.reset(token)
    except ValueError:  # started in another context (another thread): just clear it
        task_id_var.set(None)


def connect_signals() -> None:
    """Called once the apps are ready (AccountsConfig.ready)."""
    from django.core.signals import request_finished
    from django_tasks.signals import task_enqueued, task_finished, task_started

    request_finished.connect(clear_request_id, dispatch_uid="accounts.observability.request")
    task_enqueued.connect(log_task_enqueued, dispatch_uid="accounts.observability.enqueued")
    task_started.connect(tag_task_started, dispatch_uid="accounts.observability.started")
    task_finished.connect(untag_task_finished, dispatch_uid="accounts.observability.finished")


# Error reporting -------------------------------------------------------------------------------

# Anything that looks like an email address, wherever it is in a report: an exception's message
# ("duplicate key (email)=(...)"), a log line that became a breadcrumb.
_EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return _EMAIL_ADDRESS.sub("[email]", value)
    if isinstance(value, dict):
        return {key: _redact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(item) for item in value]
    return value


# The request headers an error report keeps. All others are dropped: Cookie, Authorization,
# X-Forwarded-For, Referer (a profile's address names the member).
_REPORTED_HEADERS = {"host", "user-agent", "accept", "content-type", "content-length"}


def sentry_before_send(event: Event, hint: Hint) -> Event:
    """Strip from an error report what could name a member, and add the request and task ids.

    send_default_pii=False already leaves out cookies and the user. But the SDK still sends
    request bodies (a sign-up form holds the username and email), query strings and some
    headers. Those are removed here whatever the SDK's defaults become, and email addresses are
    masked wherever they appear (the release, name@version, is left alone).
    """
    report = cast("dict[str, Any]", event)
    request = report.get("request")
    if isinstance(request, dict):
        for key in ("cookies", "data", "query_string", "env"):
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                k: v for k, v in headers.items() if k.lower() in _REPORTED_HEADERS
            }
        url = request.get("url")
        if isinstance(url, str):
            request["url"] = url.split("?", 1)[0]
    report.pop("user", None)
    tags = report.setdefault("tags", {})
    if isinstance(tags, dict):
        for name, var in (("request_id", request_id_var), ("task_id", task_id_var)):
            if (value := var.get()) is not None:
                tags[name] = value
    release = report.pop("release", None)
    redacted: dict[str, Any] = _redact(report)
    if release is not None:
        redacted["release"] = release
    return cast("Event", redacted)


def init_sentry(*, dsn: str, environment: str, release: str | None, traces: float) -> None:
    """Report errors to Sentry (or any server that speaks its protocol).

    Nothing that names a member is sent: no PII, no local variables (a frame's `email`), no
    request bodies, and sentry_before_send removes the rest.
    """
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces,
        before_send=sentry_before_send,
    )
