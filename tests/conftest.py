from __future__ import annotations

import os
from typing import Any

import pytest
import redis
from django.conf import settings


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.db import connection

    lines = []
    try:
        # A raw connection of its own: pytest-django blocks the ORM's connection here.
        raw = connection.get_new_connection(connection.get_connection_params())
        try:
            cursor = raw.cursor()
            if connection.vendor == "postgresql":
                cursor.execute("SHOW server_version")
            else:
                cursor.execute("select sqlite_version()")
            version = cursor.fetchone()[0]
        finally:
            raw.close()
        where = connection.settings_dict["HOST"] or "local file"
        lines.append(f"database: {connection.display_name} {version} ({where})")
    except Exception as exc:  # the header must not hide the real failure below
        lines.append(f"database: {connection.vendor}, unreachable ({type(exc).__name__})")
    try:
        info = redis.Redis.from_url(settings.REDIS_URL).info("server")
        lines.append(f"redis: {info['redis_version']} at {settings.REDIS_URL}")
    except redis.RedisError as exc:
        lines.append(f"redis: unreachable at {settings.REDIS_URL} ({type(exc).__name__})")
    return lines


@pytest.fixture(autouse=True)
def migration_defaults(request: pytest.FixtureRequest) -> None:
    """What the data migrations install (role groups, rule set v1, the `default` policy), again
    for each transactional test: the flush after every such test empties all tables, and only
    permissions come back by themselves (post_migrate). The same functions as the migration."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    # Models and services once pytest-django has set Django up, as the fixtures below do.
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    from anonymizer.defaults import install_default_policy, install_first_ruleset
    from anonymizer.roles import ensure_groups

    ensure_groups(Group, Permission)
    install_first_ruleset(apps)
    install_default_policy(apps)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Tests make many users; PBKDF2's deliberate slowness would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db: Any) -> Any:
    from anonymizer.batches import services

    def make(username: str, role: str, password: str = "correct horse battery") -> Any:
        return services.user_create_with_role(username=username, password=password, role=role)

    return make


@pytest.fixture
def admin_user(make_user: Any) -> Any:
    return make_user("alice_admin", "admin")


@pytest.fixture
def officer(make_user: Any) -> Any:
    return make_user("oscar_officer", "privacy_officer")


@pytest.fixture
def reviewer(make_user: Any) -> Any:
    return make_user("rita_reviewer", "reviewer")


@pytest.fixture
def outsider(make_user: Any) -> Any:
    """A reviewer who is not assigned to any batch."""
    return make_user("uma_unassigned", "reviewer")


SAMPLE_CSV = (
    b"ticket_id,body,postcode,plan\n"
    b'T1,"Hi, I\'m Jane Roe, order ORD-123456 is late.",SW1A 1AA,pro\n'
    b"T2,My card was charged twice.,90210,free\n"
    b'T3,"Line one\nline two, with a comma",M5V 2T6,basic\n'
)


@pytest.fixture
def batch(admin_user: Any, reviewer: Any) -> Any:
    from anonymizer.batches import services

    b = services.batch_import(
        actor=admin_user,
        data=SAMPLE_CSV,
        name="Sample tickets",
        data_class="personal",
        purpose="theme_analysis",
        source_format="csv",
        text_columns=["body"],
        id_column="ticket_id",
    )
    services.batch_assign_reviewers(actor=admin_user, batch=b, reviewers=[reviewer])
    return b


@pytest.fixture
def redis_conn() -> redis.Redis:
    """The real Redis the run uses. Fails (never skips) when it is not there."""
    conn = redis.Redis.from_url(os.environ.get("REDIS_URL", settings.REDIS_URL))
    conn.ping()
    return conn


from tests.workers import workers  # noqa: E402, F401  (fixture: real rq worker processes)
