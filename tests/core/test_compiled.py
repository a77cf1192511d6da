"""A shape's statement is compiled once and run with new values; what comes back is
what Django gives for the same queryset."""

import pytest
from django.db.models import Value
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from apps.accounts.models import ApiKey, User
from apps.core.compiled import CompiledShape
from apps.jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def setups(monkeypatch):
    """How many times Django set up a statement (it does once per compilation)."""
    calls = []
    original = SQLCompiler.pre_sql_setup

    def counted(self, *args, **kwargs):
        calls.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "pre_sql_setup", counted)
    return calls


def _keys(key_hash):
    return ApiKey.objects.select_related("user__plan").filter(
        key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)[:1]


def _as_django_gives(rows):
    return [(key.pk, key.name, key.created_at, key.last_used_at, key.user.pk,
             key.user.email, key.user.is_active, key.user.get_plan().pk,
             key.user.get_plan().api_rate_per_minute) for key in rows]


def test_one_compilation_serves_every_value_with_django_s_results(setups, user):
    other = User.objects.create_user(email="other@example.com", password=None)
    mine, mine_raw = ApiKey.generate(user=user, name="mine")
    theirs, theirs_raw = ApiKey.generate(user=other, name="theirs", rate_per_minute=7)
    ApiKey.objects.filter(pk=theirs.pk).update(last_used_at=timezone.now())
    revoked, revoked_raw = ApiKey.generate(user=user, name="revoked")
    revoked.revoke()
    shape = CompiledShape("keys")
    hashes = [ApiKey.hash(raw) for raw in (mine_raw, theirs_raw, revoked_raw, "nope")]
    expected = [_as_django_gives(list(_keys(h))) for h in hashes]
    setups.clear()
    got = [_as_django_gives(shape.fetch(_keys(h))) for h in hashes]
    assert got == expected
    assert [len(rows) for rows in got] == [1, 1, 0, 0]
    assert got[1][0][3] is not None and timezone.is_aware(got[1][0][3])
    assert [model for model in setups if model is ApiKey] == [ApiKey]  # the first value


def test_another_shape_or_other_parameters_are_never_reused(setups, user):
    job = Job.objects.create(owner=user, url="http://example.com/", options={})
    shape = CompiledShape("jobs")
    plain = shape.fetch(Job.objects.filter(owner=user, pk=job.pk)[:1])
    narrowed = shape.fetch(Job.objects.filter(owner=user, pk=job.pk).only("id", "url")[:1])
    assert plain[0].url == narrowed[0].url and narrowed[0].get_deferred_fields()
    assert len(setups) == 2  # the same WHERE clause, another statement
    setups.clear()
    for _ in range(2):  # a parameter outside the WHERE clause: compiled every time
        annotated = shape.fetch(Job.objects.annotate(five=Value(5)).filter(pk=job.pk)[:1])
        assert annotated[0].five == 5
    assert len(setups) == 3  # twice, plus the first time's check
    assert shape.fetch(Job.objects.none()) == []


def test_a_call_site_keeps_a_bounded_number_of_statements(user):
    shape = CompiledShape("ids")
    jobs = [Job.objects.create(owner=user, url=f"http://example.com/{n}", options={})
            for n in range(40)]
    for n in range(1, 41):  # `pk__in` of n ids: another WHERE clause each time
        found = shape.fetch(Job.objects.filter(pk__in=[j.pk for j in jobs[:n]]))
        assert {j.pk for j in found} == {j.pk for j in jobs[:n]}
    assert len(shape._compiled) == CompiledShape.MAX_STATEMENTS
