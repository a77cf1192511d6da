from __future__ import annotations

from django.db.models import Count

from apps.analyses.models import Finding, Severity
from apps.jobs.models import Job


def finding_counts(job: Job) -> dict[str, int]:
    """{"critical": n, "serious": n, "moderate": n, "minor": n} for one job."""
    counts = {severity.value: 0 for severity in Severity}
    rows = Finding.objects.filter(job=job).values("severity").annotate(n=Count("id"))
    for row in rows:
        counts[row["severity"]] = row["n"]
    return counts


def finding_counts_for(jobs) -> dict:
    """The same for many jobs in one query (list endpoints must not do N+1)."""
    result = {job.pk: {severity.value: 0 for severity in Severity} for job in jobs}
    rows = (Finding.objects.filter(job__in=list(result)).values("job_id", "severity")
            .annotate(n=Count("id")))
    for row in rows:
        result[row["job_id"]][row["severity"]] = row["n"]
    return result
