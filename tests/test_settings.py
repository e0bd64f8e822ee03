"""Settings fail loudly on bad values, and production settings pass the deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from grassroots.settings import database_from_url, env_bool, env_int

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("value", ["maybe", "2", "treu"])
def test_bad_boolean_raises(monkeypatch, value):
    monkeypatch.setenv("DEBUG", value)
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG", False)


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("off", False), ("YES", True)])
def test_good_booleans_parse(monkeypatch, value, expected):
    monkeypatch.setenv("DEBUG", value)
    assert env_bool("DEBUG", not expected) is expected


def test_bad_integer_raises(monkeypatch):
    monkeypatch.setenv("CONN_MAX_AGE", "sixty")
    with pytest.raises(ImproperlyConfigured, match="CONN_MAX_AGE"):
        env_int("CONN_MAX_AGE", 0)


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url", "postgres://localhost"])
def test_bad_database_url_raises(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url(url)


def test_postgres_url_gets_persistent_checked_connections():
    config = database_from_url("postgres://postgres@127.0.0.1:5432/grassroots")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "grassroots"
    assert config["CONN_MAX_AGE"] == 60
    assert config["CONN_HEALTH_CHECKS"] is True


def run_manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    # The parent's settings (and the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE) must not leak in.
    ours = {
        "DEBUG",
        "SECRET_KEY",
        "SITE_URL",
        "DATABASE_URL",
        "REDIS_URL",
        "TASKS_BACKEND",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_server_refuses_to_start_with_bad_debug_value():
    result = run_manage({"DEBUG": "maybe"}, "check")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_server_refuses_to_start_with_bad_database_url():
    result = run_manage({"DATABASE_URL": "mysql://root@localhost/x"}, "check")
    assert result.returncode != 0
    assert "only sqlite:/// and postgres:// URLs are supported" in result.stderr


def test_production_requires_a_secret_key():
    result = run_manage({"DEBUG": "0"}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.parametrize("redis", [{}, {"REDIS_URL": "redis://127.0.0.1:6379/0"}], ids=["", "rq"])
def test_production_settings_pass_the_deploy_check(redis):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "-production-only-test-key-" + "y" * 30,
        "ALLOWED_HOSTS": "forum.example.org",
        "SITE_URL": "https://forum.example.org",
        # The privacy notice's operator (accounts.checks warns when unset).
        "SITE_OPERATOR_NAME": "Example Branch Members' Association",
        "SITE_OPERATOR_CONTACT": "privacy@forum.example.org",
        **redis,
    }
    result = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


def show_setting(env: dict, name: str) -> subprocess.CompletedProcess:
    code = f"from django.conf import settings; print(repr(settings.{name}))"
    return run_manage(env, "shell", "--no-imports", "-c", code)


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_trusted():
    assert show_setting({}, "ALLAUTH_TRUSTED_PROXY_COUNT").stdout.strip() == "0"


def test_behind_the_tls_proxy_one_proxy_is_trusted():
    result = show_setting({"BEHIND_TLS_PROXY": "1"}, "ALLAUTH_TRUSTED_PROXY_COUNT")
    assert result.stdout.strip() == "1"
    result = show_setting(
        {"BEHIND_TLS_PROXY": "1", "TRUSTED_PROXY_COUNT": "2"}, "ALLAUTH_TRUSTED_PROXY_COUNT"
    )
    assert result.stdout.strip() == "2"


def test_a_bad_proxy_count_stops_the_server():
    result = run_manage({"TRUSTED_PROXY_COUNT": "one"}, "check")
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT='one' is not a whole number" in result.stderr


def test_redis_url_switches_the_cache_to_redis():
    # Django's RedisCache, degrading to misses while Redis is down (accounts/cache.py).
    result = show_setting({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "CACHES['default']['BACKEND']")
    assert result.stdout.strip() == "'accounts.cache.DegradingRedisCache'"
    result = show_setting({}, "CACHES['default']['BACKEND']")
    assert result.stdout.strip() == "'django.core.cache.backends.db.DatabaseCache'"


def show_settings(env: dict, expression: str) -> subprocess.CompletedProcess:
    code = f"from django.conf import settings; print(repr({expression}))"
    return run_manage(env, "shell", "--no-imports", "-c", code)


TASK_SETTINGS = "(settings.TASKS['default']['BACKEND'], 'django_rq' in settings.INSTALLED_APPS)"


def test_tasks_use_the_database_without_redis():
    result = show_settings({}, TASK_SETTINGS)
    assert result.stdout.strip() == "('django_tasks_db.DatabaseBackend', False)", result.stderr


def test_redis_url_switches_the_tasks_to_rq():
    result = show_settings({"REDIS_URL": "redis://127.0.0.1:6379/0"}, TASK_SETTINGS)
    assert result.stdout.strip() == "('django_tasks_rq.RQBackend', True)", result.stderr
    # Plain `manage.py rqworker` then runs django-tasks' jobs, and retries when they are due.
    result = show_settings(
        {"REDIS_URL": "redis://127.0.0.1:6379/0"}, "(settings.RQ, settings.RQ_QUEUES)"
    )
    assert result.stdout.strip() == (
        "({'JOB_CLASS': 'django_tasks_rq.Job'}, {'default': {'URL': "
        "'redis://127.0.0.1:6379/0?socket_connect_timeout=0.5', 'DEFAULT_TIMEOUT': 300}})"
    ), result.stderr


def test_tasks_backend_keeps_the_database_backend_with_redis():
    env = {"REDIS_URL": "redis://127.0.0.1:6379/0", "TASKS_BACKEND": "Database"}
    result = show_settings(env, TASK_SETTINGS)
    assert result.stdout.strip() == "('django_tasks_db.DatabaseBackend', False)", result.stderr
    # The cache stays on Redis.
    result = show_setting(env, "CACHES['default']['BACKEND']")
    assert result.stdout.strip() == "'accounts.cache.DegradingRedisCache'"


def test_a_bad_tasks_backend_stops_the_server():
    result = run_manage({"TASKS_BACKEND": "celery"}, "check")
    assert result.returncode != 0
    assert "TASKS_BACKEND='celery' is not a task backend; use database or rq" in result.stderr


def test_rq_without_redis_stops_the_server():
    result = run_manage({"TASKS_BACKEND": "rq"}, "check")
    assert result.returncode != 0
    assert "TASKS_BACKEND=rq needs REDIS_URL" in result.stderr


def test_rq_jobs_time_out_before_their_email_claims_do():
    env = {"REDIS_URL": "redis://127.0.0.1:6379/0", "EMAIL_CLAIM_TIMEOUT": "120"}
    result = show_setting(env, "RQ_QUEUES['default']['DEFAULT_TIMEOUT']")
    assert result.stdout.strip() == "60", result.stderr


def test_the_rq_set_up_passes_the_system_checks():
    result = run_manage({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "check")
    assert result.returncode == 0, result.stderr


def test_production_requires_the_sites_address_for_email_links():
    env = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "forum.example.org"}
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "SITE_URL='' must be the site's address" in result.stderr
    result = run_manage({"SITE_URL": "forum.example.org"}, "check")
    assert "SITE_URL='forum.example.org' must be the site's address" in result.stderr
    result = show_setting({"SITE_URL": "https://forum.example.org/"}, "SITE_URL")
    assert result.stdout.strip() == "'https://forum.example.org'"


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "-production-only-test-key-" + "y" * 30,
    "ALLOWED_HOSTS": "forum.example.org",
    "SITE_URL": "https://forum.example.org",
    "SITE_OPERATOR_NAME": "Example Branch Members' Association",
    "SITE_OPERATOR_CONTACT": "privacy@forum.example.org",
}


def test_logs_are_json_in_production_and_text_in_development():
    assert show_setting(PRODUCTION, "LOG_FORMAT").stdout.strip() == "'json'"
    assert show_setting({}, "LOG_FORMAT").stdout.strip() == "'text'"
    assert show_setting({"LOG_FORMAT": "JSON"}, "LOG_FORMAT").stdout.strip() == "'json'"
    result = run_manage({"LOG_FORMAT": "xml"}, "check")
    assert result.returncode != 0
    assert "LOG_FORMAT='xml': use json or text" in result.stderr


def test_cookies_are_secure_in_production_unless_make_serve_says_otherwise():
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        assert show_setting(PRODUCTION, name).stdout.strip() == "True"
        result = show_setting(PRODUCTION | {"SECURE_COOKIES": "0"}, name)
        assert result.stdout.strip() == "False"
    result = run_manage(PRODUCTION | {"SECURE_COOKIES": "sometimes"}, "check")
    assert "SECURE_COOKIES='sometimes' is not a boolean" in result.stderr


def test_static_files_are_hashed_and_compressed_only_in_production():
    name = "STORAGES['staticfiles']['BACKEND']"
    result = show_setting(PRODUCTION, name)
    assert result.stdout.strip() == "'whitenoise.storage.CompressedManifestStaticFilesStorage'"
    result = show_setting({}, name)
    assert result.stdout.strip() == "'django.contrib.staticfiles.storage.StaticFilesStorage'"


def test_a_csp_report_address_is_added_to_the_policy():
    name = "CONTENT_SECURITY_POLICY['DIRECTIVES'].get('report-uri')"
    assert show_setting({}, name).stdout.strip() == "None"
    result = show_setting({"CSP_REPORT_URI": "https://reports.example.org/csp"}, name)
    assert result.stdout.strip() == "['https://reports.example.org/csp']"


@pytest.mark.parametrize(("value", "message"), [("lots", "is not a number"), ("1.5", "between 0")])
def test_a_bad_trace_rate_stops_the_server(value, message):
    result = run_manage({"SENTRY_TRACES_SAMPLE_RATE": value}, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_the_deploy_check_stays_clean_with_error_reporting_and_a_trusted_request_id():
    env = PRODUCTION | {
        "SENTRY_DSN": "http://publickey@127.0.0.1:9/1",  # nothing is sent by a check
        "TRUSTED_REQUEST_ID_HEADER": "X-Request-ID",
        "LOG_FORMAT": "json",
    }
    result = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
