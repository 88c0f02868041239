"""Production safeguards, headers, the health check and the CSP-friendly templates."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

SRC = Path(__file__).resolve().parents[1] / "src" / "ketacare"
PRODUCTION_ENV = {
    "KETACARE_ENV": "production",
    "SECRET_KEY": "x" * 64 + "-production-test-only-9f3k2",
    "AUDIT_CHAIN_KEY": "y" * 64,
    "ALLOWED_HOSTS": "clinic.example.test",
    "DATABASE_URL": "sqlite:///:memory:",
}


def _run(args: list[str], extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(extra_env)
    return subprocess.run(  # noqa: S603  (fixed argv, our own interpreter)
        [sys.executable, "-m", "ketacare.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_in_production_mode():
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _run(["check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_healthz_answers_503_when_the_database_is_unreachable():
    script = (
        "import django, os; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code, r.content.decode())"
    )
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="ketacare.settings",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/nothing",
        ALLOWED_HOSTS="testserver",
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.startswith("503"), result.stdout + result.stderr
    assert '"database": "unreachable"' in result.stdout


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy_and_no_store(nurse_client, practice_a):
    for url in ("/accounts/login/", "/patients/", f"/patients/{practice_a.patient.public_id}/"):
        client = nurse_client if url.startswith("/patients") else Client()
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy
        assert response["X-Frame-Options"] == "DENY"
        if url.startswith("/patients"):
            assert response["Cache-Control"] == "no-store"


def test_templates_hold_no_inline_script_or_style():
    offenders = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=", text):
            offenders.append(str(template))
        if re.search(r"\bhx-on|\|\s*safe\b|{%\s*autoescape\s+off", text):
            offenders.append(str(template))
    assert offenders == []


def test_every_asset_is_served_locally():
    for template in SRC.rglob("templates/**/*.html"):
        assert not re.search(r'(src|href)="(https?:)?//', template.read_text()), template


@pytest.mark.django_db
def test_the_stylesheet_and_htmx_are_served_locally():
    from django.contrib.staticfiles import finders

    assert finders.find("ketacare/app.css")
    assert finders.find("django_htmx/htmx-2.min.js")
