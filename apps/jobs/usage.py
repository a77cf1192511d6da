"""This month's usage against the plan: the numbers of GET /usage and the account page."""

from __future__ import annotations

from django.db.models import Sum
from django.utils import timezone

from apps.accounts import usage
from apps.accounts.models import User
from apps.jobs.models import Job


def usage_report(user: User) -> dict:
    now = timezone.now()
    plan = user.get_plan()
    counted = usage.this_month(user, now)
    start = usage.month_start(now)
    pages = Job.objects.filter(owner=user, created_at__date__gte=start) \
        .aggregate(pages=Sum("pages_done"))["pages"] or 0
    return {
        "month": f"{start:%Y-%m}",
        "resets_at": usage.next_reset(now).isoformat(),
        "analyses": counted.analyses,
        "analyses_remaining": max(plan.analyses_per_month - counted.analyses, 0),
        "active_analyses": Job.objects.filter(owner=user).active().count(),
        "pages_crawled": pages,
        "exports": counted.exports,
        "plan": {"name": plan.name, "analyses_per_month": plan.analyses_per_month,
                 "max_pages_per_analysis": plan.max_pages_per_analysis,
                 "max_concurrent_analyses": plan.max_concurrent_analyses,
                 "api_rate_per_minute": plan.api_rate_per_minute,
                 "export_retention_days": plan.export_retention_days,
                 "webhook_endpoints": plan.webhook_endpoints},
    }
