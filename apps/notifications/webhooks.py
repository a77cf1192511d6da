"""Signed webhooks (Standard Webhooks v1) that never lose an event.

* An event becomes one `WebhookDelivery` row per subscribed endpoint, written in the
  transaction that makes the event happen (the job's transition, the export's
  completion), before anything is sent; a task sends it after commit. A worker that
  dies mid-way leaves the row pending, and the once-a-minute sweep (`dispatch_due`)
  queues a send for every row that is due, with the same `webhook-id` and body.
* One sender at a time: an attempt holds its row's lease (`leased_until`), which a
  redelivery, the sweep or another worker respects; a holder that died loses it after
  `LEASE`.
* Signing is the `standardwebhooks` library's (HMAC-SHA256 over "{id}.{timestamp}.{body}",
  `v1,<base64>`); while a secret is being rotated both signatures are sent.
* The URL goes through the crawler's SSRF guard when it is registered and again on
  every attempt, and no redirect is followed.
* 2xx is success. Anything else, a timeout (15 s) or a connection error is retried
  after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (±10 % jitter), later when the
  receiver's Retry-After asks for it; 410 Gone disables the endpoint at once, and an
  endpoint that has failed for 5 days is disabled; either way its owner is notified.
* Every attempt is logged: time, status code, latency, the first 2 KB of the answer
  (the rest is not read, however long the answer).
* A job's one-off `webhook_url` gets that job's events, signed with the owner's one-off
  secret (`one_off_secret`): the same rows and retries, but a failing one-off URL
  disables nothing.
* `analysis.progress` is sent at most once per SITELENS_WEBHOOK_PROGRESS_SECONDS per
  analysis (the receiver throttles it).
"""

from __future__ import annotations

import base64
import json
import logging
import random
import secrets as random_secrets
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_q.tasks import async_task
from prometheus_client.core import GaugeMetricFamily
from standardwebhooks.webhooks import Webhook

from apps.accounts.crypto import CredentialKeyError, decrypt, encrypt
from apps.accounts.models import User
from apps.core.errors import Conflict, ServiceError
from apps.core.outbound import allowed_targets, target_check
from apps.notifications import services
from apps.notifications.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from apps.web.http.client import GuardedClient
from apps.web.http.errors import FetchError
from apps.web.politeness import parse_retry_after

logger = logging.getLogger(__name__)

EVENT_TYPES = ("analysis.started", "analysis.progress", "analysis.completed",
               "analysis.failed", "analysis.cancelled", "export.ready", "ping")
RETRY_DELAYS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)  # seconds
INLINE_RETRY_SECONDS = 10  # a shorter wait is slept in the task; longer ones go to the sweep
TIMEOUT_SECONDS = 15
DISABLE_AFTER = timedelta(days=5)
ROTATION_OVERLAP = timedelta(hours=24)
LEASE = timedelta(minutes=2)  # an attempt holds its delivery at most this long
QUEUED_LEASE = timedelta(minutes=10)  # a send queued by the sweep holds it until it runs
EXCERPT = 2048  # of a receiver's answer, kept in the attempt log; no more is read
SWEEP_BATCH = 500


def new_secret() -> str:
    return "whsec_" + base64.b64encode(random_secrets.token_bytes(32)).decode()


def message_id() -> str:
    return "msg_" + random_secrets.token_urlsafe(18)


def _check_url(url: str) -> None:
    if not url.lower().startswith(("http://", "https://")):
        raise ServiceError("Webhook URLs must be http or https.",
                           details={"url": ["Only http and https URLs."]})
    target_check(url)  # the crawler's guard: blocked addresses, DNS, syntax


def endpoint_create(*, owner, url: str, description: str = "", events: list[str] | None = None
                    ) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (the only time the secret is returned), within the
    owner's plan allowance (decided under a lock on the owner, so a burst cannot pass it)."""
    _check_url(url)
    secret = new_secret()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=owner.pk).first()
        allowed = owner.get_plan().webhook_endpoints
        if WebhookEndpoint.objects.filter(owner=owner, one_off=False).count() >= allowed:
            raise ServiceError(f"Your plan allows {allowed} webhook endpoint(s); delete one "
                               "to add another.", code="plan_limit",
                               details={"limit": allowed}, status_code=403)
        endpoint = WebhookEndpoint.objects.create(
            owner=owner, url=url, description=description, events=sorted(set(events or ())),
            secret_encrypted=encrypt({"secret": secret}))
    return endpoint, secret


def endpoint_update(endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    if "url" in changes:
        _check_url(changes["url"])
    if "events" in changes:
        changes["events"] = sorted(set(changes["events"]))
    if changes.get("active"):
        changes.update(disabled_reason="", failing_since=None)
    for name, value in changes.items():
        setattr(endpoint, name, value)
    endpoint.save()
    return endpoint


def rotate_secret(endpoint: WebhookEndpoint) -> str:
    """A new secret; the old one keeps signing (a second signature) for a day."""
    secret = new_secret()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = timezone.now() + ROTATION_OVERLAP
    endpoint.secret_encrypted = encrypt({"secret": secret})
    endpoint.save(update_fields=["secret_encrypted", "previous_secret_encrypted",
                                 "previous_secret_expires_at"])
    return secret


def signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    found = [decrypt(endpoint.secret_encrypted)["secret"]]
    if endpoint.previous_secret_encrypted and endpoint.previous_secret_expires_at \
            and endpoint.previous_secret_expires_at > timezone.now():
        found.append(decrypt(endpoint.previous_secret_encrypted)["secret"])
    return found


def emit(owner, event_type: str, data: dict, *, one_off_url: str = ""
         ) -> list[WebhookDelivery]:
    """Queue `event_type` for every active endpoint of `owner` subscribed to it, and for
    `one_off_url` (a job's own webhook_url) when given."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(owner=owner, active=True,
                                                           one_off=False)
                 if not e.events or event_type in e.events]
    queued = [_queue(endpoint, event_type, data) for endpoint in endpoints]
    if one_off_url:
        queued.append(_queue(_one_off_signer(owner), event_type, data, url=one_off_url))
    return queued


def _queue(endpoint: WebhookEndpoint, event_type: str, data: dict, *, url: str = ""
           ) -> WebhookDelivery:
    body = json.dumps({"type": event_type, "timestamp": timezone.now().isoformat(),
                       "data": data}, ensure_ascii=False, separators=(",", ":"))
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, message_id=message_id(), event_type=event_type, body=body,
            url=url, next_attempt_at=timezone.now())
        _enqueue(delivery)
    return delivery


def _one_off_signer(owner) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(owner=owner, one_off=True).first()
    if endpoint is None:
        endpoint, _ = WebhookEndpoint.objects.get_or_create(
            owner=owner, one_off=True,
            defaults={"secret_encrypted": encrypt({"secret": new_secret()}),
                      "description": "Signs jobs' one-off webhook_url deliveries."})
    return endpoint


def one_off_secret(owner) -> tuple[str, datetime | None]:
    """A new one-off secret for `owner` (shown this once) and until when the previous
    one still signs (None: there was none)."""
    endpoint = WebhookEndpoint.objects.filter(owner=owner, one_off=True).first()
    if endpoint is None:
        secret = new_secret()
        endpoint, created = WebhookEndpoint.objects.get_or_create(
            owner=owner, one_off=True,
            defaults={"secret_encrypted": encrypt({"secret": secret}),
                      "description": "Signs jobs' one-off webhook_url deliveries."})
        if created:
            return secret, None
    return rotate_secret(endpoint), endpoint.previous_secret_expires_at


def _enqueue(delivery: WebhookDelivery) -> None:
    delivery_id = delivery.pk
    transaction.on_commit(lambda: async_task("apps.notifications.webhooks.send", delivery_id,
                                             task_name=f"webhook-{delivery_id}"))


def ping(endpoint: WebhookEndpoint) -> WebhookDelivery:
    return _queue(endpoint, "ping", {"endpoint": endpoint.pk,
                                     "message": "A test event from Sitelens."})


def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, with its id and body (after a fix on the receiver).
    Conflict while it is being sent, or while its endpoint is disabled."""
    if not delivery.endpoint.active:
        raise Conflict("This endpoint is disabled; re-activate it first.",
                       code="endpoint_disabled")
    now = timezone.now()
    if not WebhookDelivery.objects.filter(_unleased(now), pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, next_attempt_at=now):
        raise Conflict("This delivery is being sent right now; redeliver it once the attempt "
                       "has ended.", code="delivery_in_progress")
    delivery.refresh_from_db()
    transaction.on_commit(lambda: async_task("apps.notifications.webhooks.send", delivery.pk))
    return delivery


def _unleased(now: datetime) -> Q:
    return Q(leased_until__isnull=True) | Q(leased_until__lte=now)


def _claim(delivery_id: int, *, after_attempt: int | None = None,
           lease: datetime | None = None) -> WebhookDelivery | None:
    """Take a pending delivery's lease for one attempt: when it is due and nobody holds
    it; for the task's own short retry, when nobody attempted it since `after_attempt`;
    for a send the sweep queued, when the sweep's `lease` is still the one on the row."""
    now = timezone.now()
    rows = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
    if lease is not None:
        rows = rows.filter(leased_until=lease)
    elif after_attempt is None:
        rows = rows.filter(_unleased(now), next_attempt_at__lte=now)
    else:
        rows = rows.filter(_unleased(now), attempts=after_attempt,
                           next_attempt_at__lte=now + timedelta(seconds=1))
    claimed = rows.update(leased_until=now + LEASE)
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id) \
        if claimed else None


def headers_for(delivery: WebhookDelivery, secrets: list[str], when: datetime) -> dict:
    signatures = " ".join(Webhook(secret).sign(delivery.message_id, when, delivery.body)
                          for secret in secrets)
    return {"Content-Type": "application/json", "webhook-id": delivery.message_id,
            "webhook-timestamp": str(int(when.timestamp())), "webhook-signature": signatures,
            "User-Agent": "Sitelens-Webhooks/1"}


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, str, dict, int]:
    """One attempt: (status, excerpt, error, headers, latency ms)."""
    endpoint = delivery.endpoint
    started = time.monotonic()
    try:
        url = delivery.url or endpoint.url
        _check_url(url)  # again: the name may point elsewhere now
        headers = headers_for(delivery, signing_secrets(endpoint), timezone.now())
        with GuardedClient(allowed_targets=allowed_targets(), connect_timeout=TIMEOUT_SECONDS,
                           read_timeout=TIMEOUT_SECONDS, total_timeout=TIMEOUT_SECONDS,
                           max_bytes=EXCERPT, truncate=True) as client:
            result = client.post(url, body=delivery.body.encode(), headers=headers)
    except ServiceError as exc:
        return None, "", exc.code, {}, _ms(started)
    except CredentialKeyError:
        # This process lacks the key the secret was encrypted with (SITELENS_CREDENTIAL_KEYS
        # must be the same on every process): logged as an attempt and retried.
        logger.error("webhook %s: its secret's key is not configured here", endpoint.pk)
        return None, "", "secret_key_missing", {}, _ms(started)
    except FetchError as exc:
        return None, "", exc.code, {}, _ms(started)
    excerpt = result.body.decode("utf-8", "replace")
    return result.status, excerpt, "", result.headers, _ms(started)


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _retry_after(headers: dict) -> int | None:
    """Retry-After in whole seconds, from delay-seconds or an HTTP date (RFC 9110
    §10.2.3), read as the crawler reads it."""
    seconds = parse_retry_after(headers.get("retry-after"))
    return None if seconds is None else int(seconds)


def send(delivery_id: int, lease: datetime | None = None) -> str:
    """The task: attempt a delivery (sleeping through a short first retry); returns the
    delivery's status afterwards. `lease`: the sweep's, when the sweep queued it."""
    delivery = _claim(delivery_id, lease=lease)
    while delivery is not None:
        wait = _attempt(delivery)
        if wait is None or wait > INLINE_RETRY_SECONDS:
            return delivery.status
        _pause(wait)
        delivery = _claim(delivery_id, after_attempt=delivery.attempts)
    return "skipped"


def _attempt(delivery: WebhookDelivery) -> float | None:
    """One attempt and its consequences; the seconds until the next one (None: done)."""
    endpoint = delivery.endpoint
    if not endpoint.active:
        _finish(delivery, DeliveryStatus.FAILED)
        return None
    status, excerpt, error, headers, latency = _post(delivery)
    delivery.attempts += 1
    WebhookAttempt.objects.create(delivery=delivery, number=delivery.attempts,
                                  status_code=status, latency_ms=latency,
                                  response_excerpt=excerpt, error=error)
    delivery.last_status_code = status
    if status is not None and 200 <= status < 300:
        _finish(delivery, DeliveryStatus.SUCCEEDED)
        if not delivery.url:  # the database's value, whatever this copy says
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False) \
                .update(failing_since=None)
        return None
    if status == 410:
        if not delivery.url:  # a one-off URL disables nothing; it is just not retried
            endpoint_disable(endpoint, "the receiver answered 410 Gone")
        _finish(delivery, DeliveryStatus.FAILED)
        return None
    now = timezone.now()
    if not delivery.url and _failing_too_long(endpoint, now):  # one-off URLs disable nothing
        endpoint_disable(endpoint, "it failed for 5 days")
        _finish(delivery, DeliveryStatus.FAILED)
        return None
    if delivery.attempts > len(RETRY_DELAYS):
        _finish(delivery, DeliveryStatus.FAILED)
        return None
    wait = RETRY_DELAYS[delivery.attempts - 1] * random.uniform(0.9, 1.1)
    wait = max(wait, min(_retry_after(headers) or 0, 24 * 3600))
    delivery.next_attempt_at = now + timedelta(seconds=wait)
    delivery.leased_until = None
    delivery.save(update_fields=["attempts", "last_status_code", "next_attempt_at",
                                 "leased_until"])
    return wait


def _failing_too_long(endpoint: WebhookEndpoint, now: datetime) -> bool:
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True) \
        .update(failing_since=now)  # starts the clock unless another delivery did
    since = WebhookEndpoint.objects.filter(pk=endpoint.pk) \
        .values_list("failing_since", flat=True).first() or now
    return now - since >= DISABLE_AFTER


def _finish(delivery: WebhookDelivery, status: str) -> None:
    delivery.status = status
    delivery.next_attempt_at = delivery.leased_until = None
    if status == DeliveryStatus.SUCCEEDED:
        delivery.delivered_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "last_status_code", "next_attempt_at",
                                 "leased_until", "delivered_at"])


def endpoint_disable(endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop sending to `endpoint`: its pending deliveries fail and its owner is told why
    (a receiver that keeps failing, answers 410, or an administrator)."""
    updated = WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).update(
        active=False, disabled_reason=reason[:200])
    endpoint.active = False
    if updated:
        WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING) \
            .update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        services.webhook_disabled(endpoint.owner, endpoint_id=endpoint.pk, url=endpoint.url,
                                  reason=reason)


def dispatch_due() -> int:
    """The once-a-minute sweep: queue a send task for every pending delivery whose time
    has come (retries, and deliveries whose worker died), so the workers send them side
    by side and a slow receiver holds up only its own; how many were queued.

    Each row is leased to its task (`QUEUED_LEASE`) so the next sweep does not queue it
    again; a task that runs after its lease was given to another finds it gone and
    does nothing."""
    now = timezone.now()
    pending = WebhookDelivery.objects.filter(_unleased(now), status=DeliveryStatus.PENDING,
                                             next_attempt_at__lte=now)
    queued = 0
    for delivery_id in pending.order_by("next_attempt_at").values_list("pk", flat=True)[
            :SWEEP_BATCH]:
        lease = now + QUEUED_LEASE
        if pending.filter(pk=delivery_id).update(leased_until=lease):
            async_task("apps.notifications.webhooks.send", delivery_id, lease=lease,
                       task_name=f"webhook-{delivery_id}-sweep-{int(now.timestamp())}")
            queued += 1
    return queued


def stats() -> dict:
    """For /api/v1/system/stats: deliveries by status and the share that succeeded among
    those that ended."""
    counts = dict(WebhookDelivery.objects.values_list("status").annotate(n=Count("id")))
    ended = counts.get(DeliveryStatus.SUCCEEDED, 0) + counts.get(DeliveryStatus.FAILED, 0)
    return {"endpoints": WebhookEndpoint.objects.filter(one_off=False).count(),
            "deliveries": {status.value: counts.get(status.value, 0)
                           for status in DeliveryStatus},
            "success_rate": round(counts.get(DeliveryStatus.SUCCEEDED, 0) / ended, 4)
            if ended else None}


def metrics():
    """For /metrics: deliveries by status (pending, succeeded, failed) and attempts by
    outcome."""
    deliveries = GaugeMetricFamily("sitelens_webhook_deliveries",
                                   "Webhook deliveries stored, by status", labels=["status"])
    for status, count in stats()["deliveries"].items():
        deliveries.add_metric([status], count)
    yield deliveries
