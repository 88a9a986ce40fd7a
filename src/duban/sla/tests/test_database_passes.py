"""The root conftest's database plumbing: postgres-marked tests run only on PostgreSQL."""

import os

import pytest
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_marked_tests_run_on_postgresql() -> None:
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_pass_runs_on_the_promised_database() -> None:
    expected = {"postgres": "postgresql", "sqlite": "sqlite"}.get(
        os.environ.get("DUBAN_TEST_DB", "")
    )
    if expected:
        assert connection.vendor == expected


def test_tests_do_not_write_to_var(settings, tmp_var_dir) -> None:
    project_var = settings.PROJECT_DIR / "var"
    for path in (settings.VAR_DIR, settings.MEDIA_ROOT, settings.DUBAN["MODEL_DIR"]):
        assert path.is_relative_to(tmp_var_dir)
        assert not path.is_relative_to(project_var)
