"""Server-rendered pages: dashboard, new analysis, live status, result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.models import ApiKey
from apps.analyses import services
from apps.analyses.analyzers.taxonomy import Outcome
from apps.analyses.models import Finding
from apps.analyses.options import AnalysisRequestSerializer
from apps.analyses.selectors import finding_counts, finding_counts_for, incomplete_rules_for
from apps.core.errors import ServiceError
from apps.jobs import services as jobs
from apps.jobs.models import Job, Page
from apps.jobs.usage import usage_report

FORM_FIELDS = ("url", "max_pages", "max_depth")


def _owned_job(request, job_id) -> Job:
    return get_object_or_404(Job.objects.owned_by(request.user), pk=job_id)


@login_required
def dashboard(request):
    jobs_page = Paginator(Job.objects.owned_by(request.user), 25).get_page(request.GET.get("page"))
    counts = finding_counts_for(list(jobs_page))
    rows = [(job, counts[job.pk]) for job in jobs_page]
    return render(request, "analyses/dashboard.html", {"jobs": jobs_page, "rows": rows})


@login_required
def new_analysis(request):
    errors: dict = {}
    values = {"url": "", "max_pages": 50, "max_depth": 5}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in FORM_FIELDS}
        serializer = AnalysisRequestSerializer(data={k: v for k, v in values.items() if v != ""})
        if serializer.is_valid():
            try:
                job, _ = services.analysis_create(user=request.user,
                                                  request=serializer.to_request())
            except ServiceError as exc:
                errors = {"url": [exc.message]} if not exc.details else exc.details
            else:
                return redirect("job-detail", job_id=job.pk)
        else:
            errors = serializer.errors
    return render(request, "analyses/new.html", {"errors": errors, "values": values},
                  status=400 if errors else 200)


@login_required
def job_detail(request, job_id):
    job = _owned_job(request, job_id)
    findings = Finding.objects.filter(job=job).order_by("id")
    severity = request.GET.get("severity")
    if severity == Outcome.NEEDS_REVIEW:  # the counts' last entry links here too
        findings = findings.filter(outcome=Outcome.NEEDS_REVIEW)
    elif severity:
        findings = findings.filter(severity=severity, outcome=Outcome.VIOLATION)
    rule = request.GET.get("rule")
    if rule:
        findings = findings.filter(rule_id=rule)
    rules = (Finding.objects.filter(job=job).values("rule_id", "severity")
             .annotate(n=Count("id")).order_by("rule_id"))
    context = {
        "job": job,
        "counts": finding_counts(job),
        "incomplete_rules": incomplete_rules_for([job])[job.pk],
        "pages": Page.objects.filter(job=job).order_by("id")[:1000],
        "findings": Paginator(findings, 100).get_page(request.GET.get("page")),
        "rules": rules,
        "severity": severity or "",
        "rule": rule or "",
    }
    return render(request, "analyses/detail.html", context)


@login_required
@require_POST
def job_cancel(request, job_id):
    job = _owned_job(request, job_id)
    try:
        jobs.job_cancel(job=job)
    except ServiceError as exc:
        messages.info(request, exc.message)
    return redirect("job-detail", job_id=job.pk)


@login_required
def account(request):
    """My plan, this month's usage against it, and my API keys (never their secret)."""
    return render(request, "analyses/account.html", {
        "usage": usage_report(request.user),
        "api_keys": ApiKey.objects.owned_by(request.user).filter(revoked_at__isnull=True)})
