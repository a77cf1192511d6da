"""Monthly usage: counted when it happens, read for the quota and for /usage."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.db.models import F
from django.utils import timezone

from apps.accounts.models import MonthlyUsage, User


def month_start(now: datetime | None = None) -> date:
    now = now or timezone.now()
    return now.astimezone(UTC).date().replace(day=1)


def next_reset(now: datetime | None = None) -> datetime:
    """When the monthly quota resets: the first instant of next month, UTC."""
    first = month_start(now)
    year, month = (first.year + 1, 1) if first.month == 12 else (first.year, first.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def analyses_this_month(user: User, now: datetime | None = None) -> int:
    return MonthlyUsage.objects.filter(user=user, month=month_start(now)) \
        .values_list("analyses", flat=True).first() or 0


def this_month(user: User, now: datetime | None = None) -> MonthlyUsage:
    return MonthlyUsage.objects.filter(user=user, month=month_start(now)).first() \
        or MonthlyUsage(user=user, month=month_start(now))


def count_analysis(user: User, now: datetime | None = None) -> None:
    """One more analysis this month (call inside the admission transaction)."""
    _count(user, "analyses", now)


def count_export(user: User, now: datetime | None = None) -> None:
    _count(user, "exports", now)


def _count(user: User, field: str, now: datetime | None) -> None:
    month = month_start(now)
    if not MonthlyUsage.objects.filter(user=user, month=month).update(**{field: F(field) + 1}):
        _, created = MonthlyUsage.objects.get_or_create(user=user, month=month,
                                                        defaults={field: 1})
        if not created:  # made by a concurrent first count
            MonthlyUsage.objects.filter(user=user, month=month).update(**{field: F(field) + 1})
