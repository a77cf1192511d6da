"""Writes and checks for analyses: create (with plan limits and credentials),
validate and estimate (nothing is created), and waiting for a small one.

An analysis is a job of one of the analysis kinds; the job runtime admits it
(`apps.jobs.services.job_create`, the atomic plan decision) and runs it (the
pipelines in `apps.analyses.pipeline`).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import Credential, Plan, User, credential_headers
from apps.analyses.models import ShareLink
from apps.analyses.options import AnalysisRequest
from apps.analyses.preflight import Preflight, run_preflight
from apps.core.errors import ServiceError
from apps.core.outbound import target_check
from apps.jobs import services as jobs
from apps.jobs.models import Job
from apps.web.urls import origin


def _check_plan(user: User, request: AnalysisRequest) -> Plan:
    plan = user.get_plan()
    if request.options.max_pages > plan.max_pages_per_analysis:
        raise ServiceError(
            f"max_pages may be at most {plan.max_pages_per_analysis} on the {plan.name} plan.",
            code="invalid",
            details={"max_pages": [f"Ensure this value is less than or equal to "
                                   f"{plan.max_pages_per_analysis}."]},
        )
    return plan


def _saved_credential(user: User, request: AnalysisRequest) -> Credential | None:
    if request.credential_id is None:
        return None
    credential = Credential.objects.owned_by(user).listed().filter(pk=request.credential_id).first()
    if credential is None:
        raise ServiceError("No such credential.", code="invalid",
                           details={"credential": ["No such credential."]})
    if credential.origin != origin(request.url):
        raise ServiceError(
            f"The credential is for {credential.origin}; the analysis starts at "
            f"{origin(request.url)}. Credentials are only ever sent to their own origin.",
            code="invalid", details={"credential": ["Origin does not match the URL."]})
    return credential


def _inline_credential(user: User, request: AnalysisRequest) -> Credential | None:
    if request.auth is None:
        return None
    credential = Credential(owner=user, name=f"inline for {origin(request.url)}",
                            origin=origin(request.url), kind=request.auth["kind"], inline=True)
    credential.set_secret(request.auth["secret"])
    credential.save()
    return credential


def analysis_create(*, user: User, request: AnalysisRequest, idempotency_key: str = "",
                    enqueue: bool = True) -> tuple[Job, bool]:
    """Check the request against the plan and the target, then admit it; (job, created).

    Nothing is left behind when it is refused: an inline credential is created in the
    same transaction as the job.
    """
    existing = jobs.job_by_idempotency_key(user, idempotency_key)
    if existing is not None:
        return existing, False
    _check_plan(user, request)
    target_check(request.url)
    if request.options.webhook_url:
        target_check(request.options.webhook_url, field="webhook_url")
    with transaction.atomic():
        credential = _saved_credential(user, request) or _inline_credential(user, request)
        return jobs.job_create(owner=user, kind=request.kind, url=request.url,
                               options=request.options.to_json(), credential=credential,
                               idempotency_key=idempotency_key, enqueue=enqueue)


def analysis_wait(job: Job, *, seconds: float, interval: float = 0.1) -> Job:
    """Poll until `job` ends or `seconds` pass (the worker runs it; this only waits)."""
    deadline = time.monotonic() + seconds
    job.refresh_from_db()
    while not job.is_terminal and time.monotonic() < deadline:
        time.sleep(interval)
        job.refresh_from_db()
    return job


@dataclass(frozen=True)
class Checked:
    preflight: Preflight
    plan: Plan


def _preflight(user: User, request: AnalysisRequest, *, fetch_start: bool) -> Checked:
    plan = _check_plan(user, request)
    address = target_check(request.url)
    if request.options.webhook_url:
        target_check(request.options.webhook_url, field="webhook_url")
    credential = _saved_credential(user, request)
    if credential is not None:
        headers = credential.request_headers()
    elif request.auth is not None:
        headers = credential_headers(request.auth["kind"], request.auth["secret"])
    else:
        headers = None
    result = run_preflight(request.url, request.options, address=address,
                           credential_headers=headers, fetch_start=fetch_start)
    return Checked(preflight=result, plan=plan)


def _limits(user: User, plan: Plan) -> dict:
    active = Job.objects.filter(owner=user).active().count()
    return {"plan": plan.name, "max_pages_per_analysis": plan.max_pages_per_analysis,
            "max_concurrent_analyses": plan.max_concurrent_analyses,
            "active_analyses": active, "analyses_per_month": plan.analyses_per_month}


def analysis_validate(*, user: User, request: AnalysisRequest) -> dict:
    """Would this analysis be accepted and able to start? Nothing is created.

    Refusals (invalid options, over the plan, a blocked or unresolvable address,
    a site that does not answer, robots.txt disallowing the start page) raise
    ServiceError naming the reason.
    """
    checked = _preflight(user, request, fetch_start=False)
    found = checked.preflight
    if found.robots_unreachable:
        raise ServiceError(f"The site could not be reached ({found.robots.error}) when "
                           f"{found.robots.robots_url} was requested.", code=found.robots.error,
                           details={"url": ["The site did not answer."]})
    if request.options.respect_robots and not found.start_allowed:
        raise ServiceError(f"robots.txt does not allow the start page ({found.robots.description}).",
                           code="robots_disallowed",
                           details={"url": ["Disallowed by robots.txt."]})
    return {"valid": True, "url": request.url, **found.as_dict(),
            "limits": _limits(user, checked.plan)}


def analysis_estimate(*, user: User, request: AnalysisRequest) -> dict:
    """Pages likely to be crawled and how long it would take; nothing is created.

    Pages: the start page plus the distinct same-site URLs of the sitemap and of the
    start page's links that the options admit, capped by max_pages. Duration: the
    measured fetch time of the start page spread over `concurrency`, but never faster
    than the politeness gap (delay_ms, or robots.txt's Crawl-delay) allows.
    """
    checked = _preflight(user, request, fetch_start=True)
    found, options = checked.preflight, request.options
    pages = min(options.max_pages, found.candidate_pages)
    per_page = max((found.start_fetch_ms or 0) / 1000 / max(options.concurrency, 1),
                   found.gap_seconds)
    limits = _limits(user, checked.plan)
    fits = (options.max_pages <= checked.plan.max_pages_per_analysis
            and limits["active_analyses"] < checked.plan.max_concurrent_analyses)
    return {"url": request.url, "pages": pages, "max_pages": options.max_pages,
            "estimated_seconds": round(pages * per_page, 1),
            "start_page": found.start_dict(), "sitemap_urls": found.sitemap_count,
            "first_level_links": found.first_level_links, "gap_seconds": found.gap_seconds,
            "fits_plan": fits, "limits": limits}


# --------------------------------------------------------------------------- share links

SHARE_TOKEN_BYTES = 24  # 192 bits: not guessable, not enumerable


def _share_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_link_create(*, job: Job, label: str = "", expires_at: datetime | None = None
                      ) -> tuple[ShareLink, str]:
    """A read-only link to `job`'s report; returns the link and its token, which is
    not stored (only its hash) and so can be shown this once."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ServiceError("The expiry must be in the future.",
                           details={"expires_at": ["The expiry must be in the future."]})
    token = secrets.token_urlsafe(SHARE_TOKEN_BYTES)
    link = ShareLink.objects.create(job=job, token_hash=_share_hash(token), prefix=token[:8],
                                    label=label.strip(), expires_at=expires_at)
    return link, token


def share_link_revoke(*, link: ShareLink) -> None:
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now())


def share_link_open(token: str) -> ShareLink | None:
    """The usable link with this token (counted as a view), or None: unknown, revoked
    and expired tokens, and links of a deactivated account, look the same to the visitor."""
    now = timezone.now()
    link = (ShareLink.objects.usable(now).select_related("job")
            .filter(token_hash=_share_hash(token), job__owner__is_active=True).first())
    if link is not None:
        ShareLink.objects.filter(pk=link.pk).update(views=F("views") + 1, last_viewed_at=now)
    return link
