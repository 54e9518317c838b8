"""Settings come from the environment; production settings pass `check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VEIL_", "DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "SECRET_KEY": "k" * 20 + "-production-like-secret-with-enough-entropy-123456",
    "ALLOWED_HOSTS": "veil.example.org",
    "DATABASE_URL": "postgres://veil@db.example.org/veil",
}


def test_check_deploy_reports_nothing_with_production_settings() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_is_off_unless_asked() -> None:
    code = (
        "from django.conf import settings; "
        "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'])"
    )
    result = run_manage("shell", "-c", code, env=PRODUCTION)
    assert result.stdout.split()[-2:] == ["False", "django.db.backends.postgresql"], result.stderr


def test_a_missing_secret_key_is_refused_in_production() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_bad_values_are_refused() -> None:
    result = run_manage("check", env={**PRODUCTION, "DEBUG": "maybe"})
    assert result.returncode != 0 and "DEBUG must be one of" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("file-secret-" + "x" * 50)
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"} | {
        "SECRET_KEY_FILE": str(key_file)
    }
    result = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY[:12])", env=env
    )
    assert result.stdout.strip().endswith("file-secret-"), result.stderr


def test_sqlite_is_the_zero_setup_default() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "DATABASE_URL"}
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = run_manage("shell", "-c", code, env=env)
    assert result.stdout.strip().endswith("sqlite3"), result.stderr


def test_former_secret_keys_come_from_the_environment() -> None:
    old = "o" * 20 + "-former-production-secret-with-enough-entropy-987654"
    older = "p" * 20 + "-even-older-production-secret-with-entropy-456789"
    code = "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS == [%r, %r])"
    result = run_manage("shell", "--no-imports", "-c", code % (old, older),
                        env={**PRODUCTION, "SECRET_KEY_FALLBACKS": f"{old},\n{older}"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")
