"""Deployment settings (docs/deploy.md): the documented production environment passes
`duban check --deploy` without a warning, a known secret key is refused, every page carries
a Content-Security-Policy with no inline script, every 500 is logged with its traceback,
and /healthz answers load balancers."""

from __future__ import annotations

import json
import logging
import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from duban.core.logging import JsonFormatter, TextFormatter

ROOT = Path(settings.BASE_DIR).parent.parent
ENV_FILE = ROOT / "deploy" / "duban.env"


def documented_env(tmp_path: Path) -> dict[str, str]:
    """deploy/duban.env as a reader fills it in (a real secret key, a scratch var dir)."""
    env = {}
    for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    env["DUBAN_SECRET_KEY"] = secrets.token_urlsafe(50)
    env["DUBAN_DATA_KEY"] = "k1:" + secrets.token_urlsafe(32)
    env["DUBAN_LOOKUP_KEY"] = secrets.token_urlsafe(48)
    env["DUBAN_VAR_DIR"] = str(tmp_path)
    env["DUBAN_BACKUP_DIR"] = str(tmp_path / "backups")
    return env


def test_the_documented_production_environment_passes_check_deploy(tmp_path):
    env = documented_env(tmp_path)
    assert env["DUBAN_HTTPS"] == "1" and env["DUBAN_DEBUG"] == "0"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT / "src"), **env}
    done = subprocess.run(
        [sys.executable, "-m", "duban.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNINGS" not in done.stdout + done.stderr


def load_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> dict:
    for key in ("DUBAN_SECRET_KEY", "DUBAN_DEBUG", "DUBAN_HTTPS", "DUBAN_DATA_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DUBAN_VAR_DIR", str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(Path(settings.BASE_DIR) / "settings.py"))


def test_debug_off_with_the_default_or_a_short_key_refuses_to_start(monkeypatch, tmp_path):
    for key in ("dev-only-insecure-key-change-me", "short"):
        with pytest.raises(ImproperlyConfigured, match="refusing to start"):
            load_settings(monkeypatch, tmp_path, DUBAN_DEBUG="0", DUBAN_SECRET_KEY=key)
    # In production every process must share an explicit key.
    with pytest.raises(ImproperlyConfigured, match="DUBAN_SECRET_KEY is not set"):
        load_settings(monkeypatch, tmp_path, DUBAN_DEBUG="0", DUBAN_HTTPS="1")


def test_without_a_key_a_single_machine_install_gets_its_own(monkeypatch, tmp_path):
    first = load_settings(monkeypatch, tmp_path)["SECRET_KEY"]
    assert len(first) >= 50 and first == (tmp_path / "secret-key").read_text().strip()
    assert oct((tmp_path / "secret-key").stat().st_mode & 0o777) == "0o600"
    assert load_settings(monkeypatch, tmp_path)["SECRET_KEY"] == first


def test_https_turns_on_hsts_redirect_secure_cookies_and_the_proxy_header(monkeypatch, tmp_path):
    conf = load_settings(
        monkeypatch,
        tmp_path,
        DUBAN_HTTPS="1",
        DUBAN_SECRET_KEY=secrets.token_urlsafe(50),
        DUBAN_DATA_KEY="k1:" + secrets.token_urlsafe(32),
        DUBAN_LOOKUP_KEY=secrets.token_urlsafe(48),
        DUBAN_ALLOWED_HOSTS="duban.example.gov.cn",
    )
    assert conf["SECURE_SSL_REDIRECT"] and conf["SECURE_HSTS_SECONDS"] >= 31536000
    assert conf["SESSION_COOKIE_SECURE"] and conf["CSRF_COOKIE_SECURE"]
    assert conf["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert conf["CSRF_TRUSTED_ORIGINS"] == ["https://duban.example.gov.cn"]


@pytest.mark.django_db
def test_pages_carry_a_csp_without_inline_scripts(client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert script_src.strip() == "'self'"
    assert "frame-ancestors 'none'" in policy


def test_no_template_has_inline_script_code_or_event_handlers():
    """What the policy would block: `<script>` with code in it, `onclick=` and the like."""
    wrong = []
    for path in sorted(Path(settings.BASE_DIR).rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>", text):
            attrs = match.group(1)
            if "src=" not in attrs and "application/json" not in attrs:
                wrong.append(f"{path.relative_to(settings.BASE_DIR)}: inline <script>")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            line = text.count("\n", 0, match.start()) + 1
            wrong.append(f"{path.relative_to(settings.BASE_DIR)}:{line}: event handler")
    assert wrong == []


@pytest.mark.django_db
@pytest.mark.urls("duban.jobs.tests.urls_boom")
def test_every_500_is_logged_with_its_traceback(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/")
    assert response.status_code == 500
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1 and records[0].exc_info is not None
    text = TextFormatter().format(records[0])
    first = text.splitlines()[0]
    assert re.match(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d ERROR django.request ", first
    )
    assert "/boom/" in first and "[500 GET]" in first
    assert "Traceback (most recent call last)" in text and "ZeroDivisionError" in text
    data = json.loads(JsonFormatter().format(records[0]))
    assert (data["level"], data["status"], data["path"]) == ("ERROR", 500, "/boom/")
    assert "ZeroDivisionError: a bug in a page" in data["exc"]


def test_the_settings_log_500s_to_the_console_with_the_structured_format():
    conf = settings.LOGGING
    assert conf["loggers"]["django.request"]["handlers"] == ["console"]
    formatter = conf["handlers"]["console"]["formatter"]
    assert conf["formatters"][formatter]["()"].startswith("duban.core.logging.")


@pytest.mark.django_db
def test_healthz_answers_json_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_a_check_fails(client, monkeypatch):
    from duban.web import health

    def down() -> None:
        raise ConnectionError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": {"ok": False}, "cache": response.json()["checks"]["cache"]},
    }
    assert "refused" not in response.content.decode()
