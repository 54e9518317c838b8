"""Deployment: `manage.py check --deploy` is clean under production-like settings (DEBUG off, a
real host, the secret from the environment or a file, VEIL_DEV left on by mistake); a weak or
development secret is refused at start on such a site; development keys are kept apart from
the database file. Each in a subprocess with its own environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG = "Zq3" + "x7-PrOdUcTiOn-secret-from-the-environment-9f2c4e1b8a7d6" * 2


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """manage.py with only `env` on top of a clean environment (no VEIL_*, DEBUG, secrets)."""
    dropped = ("VEIL_", "DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "DJANGO_ALLOW")
    base = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "ALLOWED_HOSTS": "veil.example.org",
    "DATABASE_URL": "postgres://veil@db.example.org/veil",
    "CSRF_TRUSTED_ORIGINS": "https://veil.example.org",
}


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return manage("check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, **env})


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"DEBUG": "0", "VEIL_DEV": "0"},
        {"VEIL_BEHIND_PROXY": "1"},
        # `make run` exports VEIL_DEV=1: on a real host it must not turn HTTPS settings off.
        {"VEIL_DEV": "1"},
    ],
    ids=["plain", "explicit-off", "behind-proxy", "veil-dev-left-on"],
)
def test_check_deploy_is_clean_under_production_settings(extra: dict[str, str]) -> None:
    result = check_deploy({"SECRET_KEY": STRONG, **extra})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_check_deploy_is_clean_with_the_secret_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text(STRONG + "\n")
    result = check_deploy({"SECRET_KEY_FILE": str(secret)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


@pytest.mark.parametrize(
    "secret",
    [
        "insecure-dev-only-key-set-SECRET_KEY-in-production",
        "django-insecure-" + "a1b2c3d4e5" * 6,
        "t",
        "a-short-but-not-public-secret",
        "ab" * 40,
    ],
    ids=["veil-dev-default", "django-placeholder", "test-value", "short", "few-characters"],
)
def test_a_weak_secret_is_refused_at_start_on_a_real_host(secret: str) -> None:
    result = manage("check", env={**PRODUCTION, "SECRET_KEY": secret})
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is" in result.stderr
    assert "ALLOWED_HOSTS beyond loopback" in result.stderr
    if len(secret) > 1:
        assert secret not in result.stderr  # never quoted back


def test_veil_dev_gives_no_default_secret_on_a_real_host() -> None:
    result = manage("check", env={**PRODUCTION, "VEIL_DEV": "1"})
    assert result.returncode != 0 and "Set the environment variable SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"SECRET_KEY": "t", "VEIL_DEV": "1"},
        {"SECRET_KEY": "t", "ALLOWED_HOSTS": "localhost,127.0.0.1,[::1]"},
        {"SECRET_KEY": "t", "DEBUG": "1", "ALLOWED_HOSTS": "veil.example.org"},
    ],
    ids=["dev-on-loopback", "loopback-hosts", "debug"],
)
def test_a_development_secret_still_works_on_loopback_or_with_debug(env: dict[str, str]) -> None:
    result = manage("check", env=env)
    assert result.returncode == 0, result.stderr


def test_development_keys_default_apart_from_the_database_file(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings; "
        "print(settings.VEIL_KEY_DIR); print(settings.DATABASES['default']['NAME'])"
    )
    env = {"SECRET_KEY": "t", "VEIL_DEV": "1", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = manage("shell", "-c", code, env=env)
    key_dir, database = (Path(line) for line in result.stdout.split()[-2:])
    assert key_dir == tmp_path / "config" / "veil" / "keys", result.stderr
    assert not key_dir.is_relative_to(database.parent)


@pytest.mark.parametrize("setting", ["VEIL_KEY_DIR", "SECRET_KEY_FILE"])
def test_keys_next_to_the_database_file_are_refused(setting: str, tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "keys").mkdir(parents=True)
    (var / "secret_key").write_text("dev-secret")
    place = var / "keys" if setting == "VEIL_KEY_DIR" else var / "secret_key"
    env = {"VEIL_DEV": "1", "VEIL_VAR_DIR": str(var), setting: str(place)}
    if setting == "VEIL_KEY_DIR":
        env["SECRET_KEY"] = "t"
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{setting} ({place}) is in the database file's directory" in result.stderr
