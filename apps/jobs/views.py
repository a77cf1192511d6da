"""Server-rendered pages: dashboard, new analysis, live status, result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.analyses.models import Finding
from apps.analyses.selectors import finding_counts, finding_counts_for
from apps.core.errors import ServiceError
from apps.jobs import services
from apps.jobs.api.serializers import AnalysisCreateSerializer
from apps.jobs.models import Job, Page


def _owned_job(request, job_id) -> Job:
    return get_object_or_404(Job.objects.owned_by(request.user), pk=job_id)


@login_required
def dashboard(request):
    jobs = Paginator(Job.objects.owned_by(request.user), 25).get_page(request.GET.get("page"))
    counts = finding_counts_for(list(jobs))
    rows = [(job, counts[job.pk]) for job in jobs]
    return render(request, "jobs/dashboard.html", {"jobs": jobs, "rows": rows})


@login_required
def new_analysis(request):
    errors: dict = {}
    values = {"url": "", "max_pages": 50, "max_depth": 5}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in ("url", "max_pages", "max_depth")}
        serializer = AnalysisCreateSerializer(data={k: v for k, v in values.items() if v != ""})
        if serializer.is_valid():
            try:
                job, _ = services.job_create(
                    user=request.user, url=serializer.validated_data["url"],
                    kind=serializer.validated_data["kind"], options=serializer.to_options(),
                )
            except ServiceError as exc:
                errors = {"url": [exc.message]} if not exc.details else exc.details
            else:
                return redirect("job-detail", job_id=job.pk)
        else:
            errors = serializer.errors
    return render(request, "jobs/new.html", {"errors": errors, "values": values},
                  status=400 if errors else 200)


@login_required
def job_detail(request, job_id):
    job = _owned_job(request, job_id)
    findings = Finding.objects.filter(job=job).order_by("id")
    severity = request.GET.get("severity")
    if severity:
        findings = findings.filter(severity=severity)
    rule = request.GET.get("rule")
    if rule:
        findings = findings.filter(rule_id=rule)
    rules = (Finding.objects.filter(job=job).values("rule_id", "severity")
             .annotate(n=Count("id")).order_by("rule_id"))
    context = {
        "job": job,
        "counts": finding_counts(job),
        "pages": Page.objects.filter(job=job).order_by("id")[:1000],
        "findings": Paginator(findings, 100).get_page(request.GET.get("page")),
        "rules": rules,
        "severity": severity or "",
        "rule": rule or "",
    }
    return render(request, "jobs/detail.html", context)


@login_required
@require_POST
def job_cancel(request, job_id):
    job = _owned_job(request, job_id)
    try:
        services.job_cancel(job=job)
    except ServiceError as exc:
        messages.info(request, exc.message)
    return redirect("job-detail", job_id=job.pk)
