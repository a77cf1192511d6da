"""Server-rendered pages: the dashboard, the new-analysis form, an analysis (live while
it runs, then its report), a page of an analysis, comparing two runs, share links.

The report is one template fragment (`analyses/_report.html`) rendered by
`report_context`; the owner's page, the shared page and the live page's swap when an
analysis ends (`job_report`) all render it, so what they show cannot drift apart.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from apps.accounts.models import ApiKey
from apps.analyses import outputs, services
from apps.analyses.analyzers.taxonomy import CATEGORIES, SEVERITIES, Outcome
from apps.analyses.charts import chart, gauge, violation_counts
from apps.analyses.compare import compare
from apps.analyses.models import Finding, PageContent, PersonaReview, Report, ShareLink
from apps.analyses.options import (
    AVAILABLE_KIND_VALUES,
    DEFAULT_VARIATIONS,
    AnalysisRequestSerializer,
    Kind,
)
from apps.analyses.personas.group import MAX_MEMBERS
from apps.analyses.personas.thresholds import (
    DEVICES,
    DIMENSIONS,
    EXPERIENCE_LEVELS,
    NEEDS,
    NETWORKS,
)
from apps.analyses.selectors import finding_counts, finding_counts_for, incomplete_rules_for
from apps.core.errors import ServiceError
from apps.jobs import services as jobs
from apps.jobs.models import TERMINAL, Job, JobEvent, Page, Status
from apps.jobs.usage import usage_report

FINDINGS_PER_PAGE = 50
PAGES_PER_PAGE = 100
LIVE_PAGES = 50  # the newest pages the status page lists before the report replaces it
PAGE_FILTER_CHOICES = 500  # pages offered in the findings' page filter (most findings first)


def _owned_job(request, job_id) -> Job:
    return get_object_or_404(Job.objects.owned_by(request.user), pk=job_id)


def _score_class(score) -> str:
    if score is None:
        return "none"
    return "good" if score >= 90 else "fair" if score >= 50 else "poor"


def _scores(scores: dict | None) -> list[dict]:
    scores = scores or {}
    return [{"category": c, "value": scores.get(c), "class": _score_class(scores.get(c))}
            for c in CATEGORIES]


# --------------------------------------------------------------------------- dashboard


@login_required
def dashboard(request):
    """My analyses, newest first, filtered by status and a URL search; live rows."""
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    analyses = Job.objects.owned_by(request.user).order_by("-created_at")
    if status in Status.values:
        analyses = analyses.filter(status=status)
    else:
        status = ""
    if query:
        analyses = analyses.filter(url__icontains=query)
    # Read before the rows: the live dashboard replays what happens after it.
    last_event_id = (JobEvent.objects.filter(job__owner=request.user).order_by("-id")
                     .values_list("id", flat=True).first()) or 0
    page = Paginator(analyses, 25).get_page(request.GET.get("page"))
    rows = _rows(list(page))
    filters = urlencode({k: v for k, v in (("status", status), ("q", query)) if v})
    return render(request, "analyses/dashboard.html", {
        "jobs": page, "rows": rows, "status": status, "q": query, "filters": filters,
        "last_event_id": last_event_id,
        "statuses": Status.choices, "has_any": bool(rows) or
        Job.objects.owned_by(request.user).exists()})


def _rows(analyses: list[Job]) -> list[dict]:
    """Dashboard rows in three queries, however many analyses."""
    counts = finding_counts_for(analyses)
    scores = dict(Report.objects.filter(job__in=analyses).values_list("job_id", "scores"))
    return [{"job": job, "counts": counts[job.pk], "scores": _scores(scores.get(job.pk)),
             "has_scores": job.pk in scores} for job in analyses]


@login_required
def dashboard_row(request, job_id):
    """One dashboard row, re-rendered when the live dashboard sees an analysis end."""
    job = _owned_job(request, job_id)
    return render(request, "analyses/_dashboard_row.html", {"row": _rows([job])[0]})


# --------------------------------------------------------------------------- new analysis

_TEXT_FIELDS = ("url", "max_pages", "max_depth", "webhook_url", "num_variations")
_PERSONA_FIELDS = ("role", "experience_level", "primary_goal", "context")
_DETAIL_FIELDS = ("device", "connection", "language", "notes")


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _form_values(post) -> dict:
    """What the form sent, as the form shows it again."""
    values = {name: post.get(name, "").strip() for name in _TEXT_FIELDS}
    values.update({f"persona_{name}": post.get(f"persona_{name}", "").strip()
                   for name in (*_PERSONA_FIELDS, *_DETAIL_FIELDS)})
    values["kind"] = post.get("kind", Kind.AUDIT.value)
    values["include"] = post.get("include", "")
    values["exclude"] = post.get("exclude", "")
    values["respect_robots"] = post.get("respect_robots") == "on"
    values["use_sitemap"] = post.get("use_sitemap") == "on"
    values["exports"] = post.getlist("exports")
    values["needs"] = post.getlist("persona_needs")
    return values


def _request_data(values: dict) -> dict:
    """The form's values in the API's request shape (one validation for both)."""
    data = {name: values[name] for name in _TEXT_FIELDS if values[name] != ""}
    data.update(kind=values["kind"], include=_lines(values["include"]),
                exclude=_lines(values["exclude"]), respect_robots=values["respect_robots"],
                use_sitemap=values["use_sitemap"], exports=values["exports"])
    if values["kind"] != Kind.FOCUS_GROUP:
        data.pop("num_variations", None)
    if values["kind"] in (Kind.SINGLE, Kind.FOCUS_GROUP):
        persona = {name: values[f"persona_{name}"] for name in _PERSONA_FIELDS
                   if values[f"persona_{name}"] != ""}
        details = {name: values[f"persona_{name}"] for name in _DETAIL_FIELDS
                   if values[f"persona_{name}"] != ""}
        details["accessibility_needs"] = values["needs"]
        persona["additional_details"] = details
        data["persona"] = persona
    return data


def _flat_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """Serializer errors keyed as the form's field names: persona.role -> persona_role."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, list):
        flat[prefix or "non_field_errors"] = [str(e) for e in errors]
        return flat
    for name, value in errors.items():
        if name == "additional_details":
            flat.update(_flat_errors(value, prefix))
            continue
        name = _FORM_NAMES.get(name, name)
        key = f"{prefix}{name}" if name != "non_field_errors" or not prefix else prefix[:-1]
        if isinstance(value, dict) and all(isinstance(i, int) for i in value):
            # A list field's errors by item index: the form shows them on the field.
            flat[key] = [str(e) for item in value.values() for e in _messages(item)]
        elif isinstance(value, dict):
            flat.update(_flat_errors(value, f"{key}_"))
        else:
            flat[key] = [str(e) for e in value]
    return flat


_FORM_NAMES = {"accessibility_needs": "needs"}


def _messages(value) -> list:
    if isinstance(value, dict):
        return [e for item in value.values() for e in _messages(item)]
    return list(value)


@login_required
def new_analysis(request):
    """The form the API's POST /analyses validates the same way: field errors inline."""
    errors: dict = {}
    values = {name: "" for name in _TEXT_FIELDS} | {
        "kind": Kind.AUDIT.value, "max_pages": 50, "max_depth": 5, "include": "",
        "exclude": "", "respect_robots": True, "use_sitemap": True, "exports": [],
        "needs": [], **{f"persona_{n}": "" for n in (*_PERSONA_FIELDS, *_DETAIL_FIELDS)}}
    values["url"] = request.GET.get("url", "")
    if request.method == "POST":
        values = _form_values(request.POST)
        serializer = AnalysisRequestSerializer(data=_request_data(values))
        if serializer.is_valid():
            try:
                job, _ = services.analysis_create(user=request.user,
                                                  request=serializer.to_request())
            except ServiceError as exc:
                errors = _flat_errors(exc.details) if exc.details else {
                    "non_field_errors": [exc.message]}
            else:
                return redirect("job-detail", job_id=job.pk)
        else:
            errors = _flat_errors(serializer.errors)
    return render(request, "analyses/new.html", {
        "errors": errors, "values": values, "kinds": AVAILABLE_KIND_VALUES,
        "experience_levels": EXPERIENCE_LEVELS, "devices": DEVICES, "networks": list(NETWORKS),
        "needs": NEEDS, "formats": [outputs.get(name) for name in outputs.names()],
        "max_members": MAX_MEMBERS, "default_variations": DEFAULT_VARIATIONS,
    }, status=400 if errors else 200)


# --------------------------------------------------------------------------- one analysis


def _live_context(job: Job) -> dict:
    """The status page's starting point. The last event id is read before the counts and
    pages, so a page stored between the reads is replayed rather than lost (counted twice
    at worst until the report replaces the live view)."""
    last = (JobEvent.objects.filter(job=job).order_by("-id").values_list("id", flat=True)
            .first()) or 0
    counts = finding_counts(job)
    pages = list(Page.objects.filter(job=job).order_by("-id")
                 .values("id", "url", "status_code", "error", "fetch_ms")[:LIVE_PAGES])
    percent = 100 if job.status == Status.SUCCEEDED else (
        int(100 * job.pages_done / job.pages_total) if job.pages_total else 0)
    return {"counts": counts, "live_pages": pages, "last_event_id": last, "percent": percent}


def _earlier_run(job: Job) -> Job | None:
    return (Job.objects.filter(owner_id=job.owner_id, url=job.url, status=Status.SUCCEEDED,
                               created_at__lt=job.created_at)
            .exclude(pk=job.pk).order_by("-created_at").first())


CATEGORY_LABELS = {"seo": "SEO"}
_SEVERITY_RANK = Case(*[When(severity=s, then=Value(i)) for i, s in enumerate(SEVERITIES)],
                      default=Value(len(SEVERITIES)))


def _finding_filters(job: Job, params) -> tuple:
    """The findings the filters select, violations before those to review, the most
    severe first."""
    findings = (Finding.objects.filter(job=job)
                .annotate(rank=_SEVERITY_RANK).order_by("-outcome", "rank", "id"))
    severity, rule, page = params.get("severity", ""), params.get("rule", ""), params.get("page_id", "")
    if severity == Outcome.NEEDS_REVIEW:
        findings = findings.filter(outcome=Outcome.NEEDS_REVIEW)
    elif severity in SEVERITIES:
        findings = findings.filter(severity=severity, outcome=Outcome.VIOLATION)
    else:
        severity = ""
    if rule:
        findings = findings.filter(rule_id=rule)
    if page.isdigit():
        findings = findings.filter(page_id=int(page))
    else:
        page = ""
    return findings, {"severity": severity, "rule": rule, "page_id": page}


def report_context(job: Job, params, *, base: str, shared: bool) -> dict:
    """Everything the report fragment shows; `base` is the URL the fragment's links and
    filters are relative to (the owner's analysis page or the share link)."""
    report = Report.objects.filter(job=job).first()
    scores = report.scores if report else {}
    findings, chosen = _finding_filters(job, params)
    filters = urlencode({k: v for k, v in chosen.items() if v})
    reviews = list(PersonaReview.objects.filter(job=job).order_by("member"))
    page_choices = list(
        Finding.objects.filter(job=job, page__isnull=False).values("page_id", "page_url")
        .annotate(n=Count("id")).order_by("-n", "page_id")[:PAGE_FILTER_CHOICES])
    pages = Paginator(
        Page.objects.filter(job=job).order_by("id").annotate(
            n_findings=Count("findings", filter=Q(findings__outcome=Outcome.VIOLATION))),
        PAGES_PER_PAGE).get_page(params.get("pages"))
    focus_group = report.personas if report and report.personas else None
    counts = finding_counts(job)
    return {
        "job": job, "shared": shared, "base": base, "report": report,
        "counts": counts,
        "count_items": [(sev, sev.replace("_", " "), n) for sev, n in counts.items()],
        "gauges": [(CATEGORY_LABELS.get(c, c.capitalize()),
                    mark_safe(gauge(CATEGORY_LABELS.get(c, c), scores.get(c))))
                   for c in CATEGORIES],
        "chart": mark_safe(chart(violation_counts(job))),
        "has_scores": bool(scores),
        "incomplete_rules": incomplete_rules_for([job])[job.pk],
        "findings": Paginator(findings, FINDINGS_PER_PAGE).get_page(params.get("fpage")),
        "filters": filters, **chosen,
        "rules": (Finding.objects.filter(job=job).values("rule_id").annotate(n=Count("id"))
                  .order_by("rule_id")),
        "page_choices": page_choices, "pages": pages,
        "reviews": reviews, "focus_group": focus_group, "dimensions": DIMENSIONS,
        "matrix": [{"review": r, "cells": [{"value": r.scores.get(d),
                                            "class": _score_class(r.scores.get(d))}
                                           for d in DIMENSIONS]} for r in reviews],
        "earlier": None if shared else _earlier_run(job),
        "share_links": [] if shared else list(ShareLink.objects.filter(job=job)),
        "now": timezone.now(),
    }


@login_required
def job_detail(request, job_id):
    """An analysis: live progress while it runs, its report once it has ended."""
    job = _owned_job(request, job_id)
    base = reverse("job-detail", args=[job.pk])
    context = {"job": job, "terminal": job.is_terminal, **_live_context(job)}
    if job.is_terminal:
        context.update(report_context(job, request.GET, base=base, shared=False))
    return render(request, "analyses/detail.html", context)


@login_required
def job_report(request, job_id):
    """The report fragment alone: the live page swaps it in when the analysis ends."""
    job = _owned_job(request, job_id)
    base = reverse("job-detail", args=[job.pk])
    return render(request, "analyses/_report.html",
                  report_context(job, request.GET, base=base, shared=False))


def _page_context(job: Job, page_id: int, *, base: str, shared: bool) -> dict:
    page = get_object_or_404(Page.objects.filter(job=job), pk=page_id)
    content = PageContent.objects.filter(page=page).only("markdown").first()
    return {"job": job, "page": page, "base": base, "shared": shared,
            "findings": Finding.objects.filter(page=page).annotate(rank=_SEVERITY_RANK)
            .order_by("-outcome", "rank", "id"),
            "markdown": content.markdown if content else None,
            "facts": page.facts or {},
            "scores": _scores((page.facts or {}).get("scores"))}


@login_required
def job_page(request, job_id, page_id):
    """One page of an analysis: its findings, timings, facts and extracted Markdown."""
    job = _owned_job(request, job_id)
    return render(request, "analyses/page.html", _page_context(
        job, page_id, base=reverse("job-detail", args=[job.pk]), shared=False))


@login_required
def job_compare(request, job_id):
    """This run against an earlier one of mine (`?with=<id>`, default the last before it)."""
    job = _owned_job(request, job_id)
    other_id = request.GET.get("with")
    if other_id:
        try:
            other_pk = uuid.UUID(other_id)
        except ValueError:  # a malformed id is as unknown as a missing one
            raise Http404("No such analysis.") from None
        other = get_object_or_404(Job.objects.owned_by(request.user), pk=other_pk)
    else:
        other = _earlier_run(job)
        if other is None:
            raise Http404("No earlier run of this site to compare with.")
    result = compare(job, other)
    deltas = [{"category": c, "now": (result["scores"]["analysis"] or {}).get(c),
               "before": (result["scores"]["with"] or {}).get(c),
               "delta": result["scores"]["delta"].get(c)} for c in CATEGORIES]
    return render(request, "analyses/compare.html", {
        "job": job, "other": other, "result": result, "deltas": deltas})


@login_required
@require_POST
def job_cancel(request, job_id):
    job = _owned_job(request, job_id)
    try:
        jobs.job_cancel(job=job)
    except ServiceError as exc:
        messages.info(request, exc.message)
    return redirect("job-detail", job_id=job.pk)


# --------------------------------------------------------------------------- sharing


def _expiry(value: str) -> datetime | None:
    """`YYYY-MM-DD` from the form: the link works until the end of that day."""
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise ServiceError("Enter the expiry as a date (YYYY-MM-DD).",
                           details={"expires_at": ["Enter a date (YYYY-MM-DD)."]}) from None
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@login_required
@require_POST
def share_create(request, job_id):
    """A read-only link to this analysis's report, shown once on the page that follows."""
    job = _owned_job(request, job_id)
    if not job.is_terminal:
        messages.error(request, "An analysis can be shared once it has ended.")
        return redirect("job-detail", job_id=job.pk)
    try:
        link, token = services.share_link_create(
            job=job, label=request.POST.get("label", "")[:100],
            expires_at=_expiry(request.POST.get("expires_at", "").strip()))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("job-detail", args=[job.pk]) + "#sharing")
    response = render(request, "analyses/share_created.html", {
        "job": job, "link": link,
        "url": request.build_absolute_uri(reverse("share", args=[token]))})
    add_never_cache_headers(response)  # the only page that ever shows the token
    return response


@login_required
@require_POST
def share_revoke(request, job_id, link_id):
    job = _owned_job(request, job_id)
    link = get_object_or_404(ShareLink.objects.filter(job=job), pk=link_id)
    services.share_link_revoke(link=link)
    messages.success(request, f"Share link {link.prefix}… revoked: it no longer opens the report.")
    return redirect(reverse("job-detail", args=[job.pk]) + "#sharing")


def _shared_job(token: str) -> Job:
    link = services.share_link_open(token)
    if link is None or link.job.status not in TERMINAL:
        raise Http404("This link is not valid: it may have been revoked or have expired.")
    return link.job


def shared_report(request, token):
    """A report through its share link: no owner data, no actions, no login."""
    job = _shared_job(token)
    base = reverse("share", args=[token])
    response = render(request, "analyses/shared.html",
                      report_context(job, request.GET, base=base, shared=True))
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to other sites
    return response


def shared_page(request, token, page_id):
    job = _shared_job(token)
    response = render(request, "analyses/page.html", _page_context(
        job, page_id, base=reverse("share", args=[token]), shared=True))
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --------------------------------------------------------------------------- account


@login_required
def account(request):
    """My plan, this month's usage against it, and my API keys (never their secret)."""
    return render(request, "analyses/account.html", {
        "usage": usage_report(request.user),
        "api_keys": ApiKey.objects.owned_by(request.user).filter(revoked_at__isnull=True)})
