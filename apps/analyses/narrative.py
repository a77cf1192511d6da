"""The optional LLM reviewer: a narrative for each persona review, from the review alone.

Any OpenAI-compatible chat-completions endpoint (settings SITELENS_LLM_*). It runs as
its own task after the analysis has succeeded: it is given the persona, the scores
and the observations (no page content, no secrets), and what it writes is stored on
the review as generated text, apart from the deterministic result, which it never
changes. A failure or a timeout is recorded on the review and logged (without the
key); the analysis stays succeeded.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django_q.tasks import async_task

from apps.analyses.models import PersonaReview
from apps.jobs.models import Job
from apps.web.http.client import GuardedClient
from apps.web.http.errors import FetchError

logger = logging.getLogger(__name__)
MAX_NARRATIVE = 4000
SYSTEM = (
    "You are a usability reviewer. Write a short narrative (at most 150 words, plain prose, "
    "second person avoided) of how a website works for the persona described, using only the "
    "scores and observations given. Do not invent facts, numbers or pages. Do not give scores."
)


def enabled() -> bool:
    return bool(settings.SITELENS_LLM_URL)


def enqueue_narratives(job: Job) -> None:
    """After the job's final transaction commits, write the narratives (when enabled)."""
    if enabled():
        job_id = str(job.pk)
        transaction.on_commit(lambda: async_task("apps.analyses.narrative.write_narratives",
                                                 job_id, task_name=f"narrative-{job_id}"))


def prompt(review: PersonaReview) -> list[dict]:
    facts = {"persona": review.persona, "scores": review.scores, "overall": review.overall,
             "observations": [{"kind": o["kind"], "dimension": o["dimension"],
                               "message": o["message"]} for o in review.observations]}
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": json.dumps(facts, ensure_ascii=False, sort_keys=True)}]


def _complete(messages: list[dict]) -> str:
    """One chat completion. The endpoint is the operator's, so the guarded client is
    told to allow exactly its host (an internal address included); nothing else."""
    url = settings.SITELENS_LLM_URL.rstrip("/") + "/chat/completions"
    headers = {"Content-Type": "application/json"}
    if settings.SITELENS_LLM_API_KEY:
        headers["Authorization"] = f"Bearer {settings.SITELENS_LLM_API_KEY}"
    body = json.dumps({"model": settings.SITELENS_LLM_MODEL, "messages": messages,
                       "temperature": 0}).encode()
    timeout = settings.SITELENS_LLM_TIMEOUT
    with GuardedClient(allowed_targets=[urlsplit(url).netloc], connect_timeout=timeout,
                       read_timeout=timeout, total_timeout=timeout,
                       max_bytes=1024 * 1024) as client:
        result = client.post(url, body=body, headers=headers)
    if result.status >= 400:
        raise ValueError(f"HTTP {result.status}")
    text = json.loads(result.body)["choices"][0]["message"]["content"]
    if not isinstance(text, str) or not text.strip():
        raise ValueError("the answer has no text")
    return text.strip()[:MAX_NARRATIVE]


def write_narratives(job_id: str) -> int:
    """The task: a narrative for each review of the job; how many were written."""
    written = 0
    for review in PersonaReview.objects.filter(job_id=job_id).order_by("member"):
        try:
            text = _complete(prompt(review))
        except FetchError as exc:
            reason = exc.code
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            reason = str(exc) if str(exc).startswith("HTTP ") else type(exc).__name__
        else:
            reason = None
        if reason is not None:
            logger.warning("LLM narrative for job %s member %s failed: %s", job_id,
                           review.member, reason)
            PersonaReview.objects.filter(pk=review.pk).update(narrative_error=reason[:300])
            continue
        PersonaReview.objects.filter(pk=review.pk).update(
            narrative=text, narrative_model=settings.SITELENS_LLM_MODEL[:200], narrative_error="")
        written += 1
    return written
