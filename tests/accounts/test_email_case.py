"""One account per e-mail address, whatever its case, however it signs up or logs in."""

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.test import Client

from apps.accounts.models import Plan, User

pytestmark = pytest.mark.django_db


def test_the_web_sign_up_stores_the_address_lower_cased():
    response = Client().post("/accounts/signup/", {"email": " Alice@X.com ",
                                                   "password1": "a long passphrase 1",
                                                   "password2": "a long passphrase 1"})
    assert response.status_code == 302
    assert list(User.objects.values_list("email", flat=True)) == ["alice@x.com"]


def test_the_web_sign_up_refuses_an_address_that_differs_only_by_case(user):
    response = Client().post("/accounts/signup/", {"email": "ALICE@example.com",
                                                   "password1": "a long passphrase 1",
                                                   "password2": "a long passphrase 1"})
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_the_api_refuses_an_address_that_differs_only_by_case(anon_api, user):
    response = anon_api.post("/api/v1/auth/register", {"email": "Alice@Example.COM",
                                                       "password": "a long passphrase"},
                             format="json")
    assert response.status_code == 400 and "email" in response.json()["error"]["details"]


def test_jwt_login_ignores_the_case_of_the_address(anon_api, user):
    response = anon_api.post("/api/v1/auth/token", {"email": "ALICE@example.COM",
                                                    "password": "correct horse battery"},
                             format="json")
    assert response.status_code == 200 and "access" in response.json()


def test_the_web_login_ignores_the_case_of_the_address(user):
    client = Client()
    response = client.post("/accounts/login/", {"username": "Alice@Example.com",
                                                "password": "correct horse battery"})
    assert response.status_code == 302 and client.get("/").status_code == 200


def test_the_database_refuses_a_second_account_in_another_case(user):
    other = User.objects.create_user("bob@example.com", "a long passphrase")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=other.pk).update(email="ALICE@example.com")  # around save()


def test_the_migration_lower_cases_addresses_and_renames_duplicates():
    from importlib import import_module

    from django.apps import apps as registry

    migration = import_module("apps.accounts.migrations.0002_credentials_email_ci_default_plan")
    older = User.objects.create_user("carol@example.com", "a long passphrase")
    # The state before the migration. DDL is transactional on SQLite and PostgreSQL: the
    # test's own transaction, rolled back at its end, brings the index back.
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX unique_user_email_ci")
    User.objects.filter(pk=older.pk).update(email="Carol@Example.com")
    newer = User.objects.create_user("x@example.com", "a long passphrase")
    User.objects.filter(pk=newer.pk).update(email="CAROL@example.com")
    migration.normalise_emails(registry, None)
    assert User.objects.get(pk=older.pk).email == "carol@example.com"
    assert User.objects.get(pk=newer.pk).email == f"carol+duplicate-{newer.pk}@example.com"


def test_the_default_plan_is_seeded_from_the_settings():
    plan = Plan.objects.get(name="free")  # made by the migration
    for field, value in settings.SITELENS_DEFAULT_PLAN.items():
        assert getattr(plan, field) == value
    assert plan.max_pages_per_analysis >= 2000  # a self-hosted install audits big sites
