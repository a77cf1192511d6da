"""The accounts app's part of /api/v1/system/stats."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.accounts.models import User


def users() -> dict:
    month_ago = timezone.now() - timedelta(days=30)
    return {"total": User.objects.count(),
            "active": User.objects.filter(is_active=True).count(),
            "joined_last_30_days": User.objects.filter(date_joined__gte=month_ago).count()}
