"""Server-rendered pages: the notifications inbox, and my webhook endpoints with their
deliveries log.

The webhook pages go through the same services as the API (`webhooks.endpoint_create`,
`endpoint_update`, `ping`, `rotate_secret`, `redeliver`) and validate input with the
API's own serializer, so a refusal reads the same in the browser as in the API. A
signing secret is rendered only in the answer to the POST that made it (creation,
rotation), with `Cache-Control: no-store`; no GET page ever contains it.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.errors import ServiceError
from apps.notifications import services, webhooks
from apps.notifications.api.webhooks import EndpointWriteSerializer
from apps.notifications.models import (
    Notification,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

DELIVERIES_PER_PAGE = 25
CREATE_FIELDS = ("url", "description")


# -- notifications ------------------------------------------------------------------------

def _analysis_id(data: dict) -> uuid.UUID | None:
    """The analysis a notification is about, when its data names one (a blank or
    malformed id links nowhere rather than breaking the page)."""
    try:
        return uuid.UUID(str(data.get("analysis") or ""))
    except ValueError:
        return None


def _webhook_id(data: dict) -> int | None:
    value = str(data.get("webhook") or "")
    return int(value) if value.isdigit() else None


def _page_query(value: str | None) -> str:
    """`?page=N` to return to the page a form was posted from (only a number)."""
    return f"?page={value}" if value and value.isdigit() else ""


@login_required
def inbox(request):
    page = Paginator(Notification.objects.owned_by(request.user), 50).get_page(
        request.GET.get("page"))
    rows = [(n, _analysis_id(n.data), _webhook_id(n.data)) for n in page]
    return render(request, "notifications/inbox.html", {"page": page, "rows": rows})


@login_required
@require_POST
def mark_all_read(request):
    services.mark_read(request.user, everything=True)
    return redirect("notifications")


@login_required
@require_POST
def mark_one_read(request, notification_id):
    notification = get_object_or_404(Notification.objects.owned_by(request.user),
                                     pk=notification_id)
    services.mark_read(request.user, ids=[notification.pk])
    return redirect(reverse("notifications") + _page_query(request.POST.get("page")))


# -- webhooks -----------------------------------------------------------------------------

def _my_endpoints(user):
    """The endpoints a user manages: the one-off signer (jobs' own webhook_url) is not
    one of them, as in the API."""
    return WebhookEndpoint.objects.owned_by(user).filter(one_off=False)


def _owned_endpoint(request, endpoint_id) -> WebhookEndpoint:
    return get_object_or_404(_my_endpoints(request.user), pk=endpoint_id)


def _flat(found) -> list[str]:
    """A field's messages, flat: a list's items are per-item ({index: [...]}) errors."""
    if isinstance(found, dict):
        return [m for value in found.values() for m in _flat(value)]
    if isinstance(found, list):
        return [m for value in found for m in _flat(value)]
    return [str(found)]


def _errors(detail) -> dict:
    """A serializer's or a ServiceError's details as {field: [message, ...]}."""
    return {name: _flat(found) for name, found in detail.items()}


def _service_errors(exc: ServiceError, fields) -> dict:
    """Field messages stay by their field; anything else (the plan limit) is shown at the
    top of the form, in the API's words."""
    errors = {k: v for k, v in _errors(exc.details).items() if k in fields}
    if not errors:
        errors["non_field_errors"] = [exc.message]
    return errors


def _no_store(response):
    """A page holding a secret must not be kept by the browser or a proxy (no-store)."""
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    """My endpoints, and the form that registers one (GET lists, POST creates)."""
    errors: dict = {}
    values = {"url": "", "description": "", "events": []}
    status = 200
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in CREATE_FIELDS}
        values["events"] = request.POST.getlist("events")
        body = EndpointWriteSerializer(data=values)
        if body.is_valid():
            try:
                endpoint, secret = webhooks.endpoint_create(owner=request.user,
                                                            **body.validated_data)
            except ServiceError as exc:
                errors, status = _service_errors(exc, CREATE_FIELDS), exc.status_code
            else:
                return _no_store(_render_endpoint(request, endpoint, new_secret=secret,
                                                  created=True, status=201))
        else:
            errors, status = _errors(body.errors), 400
    endpoints = _my_endpoints(request.user)
    return render(request, "notifications/webhooks.html", {
        "endpoints": endpoints, "errors": errors, "values": values,
        "event_types": webhooks.EVENT_TYPES,
        "allowed": request.user.get_plan().webhook_endpoints}, status=status)


def _deliveries(endpoint: WebhookEndpoint, page_number):
    """Newest first, each with its last attempt's duration and error (one query)."""
    last = WebhookAttempt.objects.filter(delivery=OuterRef("pk")).order_by("-number")
    rows = WebhookDelivery.objects.filter(endpoint=endpoint).annotate(
        last_latency_ms=Subquery(last.values("latency_ms")[:1]),
        last_error=Subquery(last.values("error")[:1])).order_by("-created_at", "-id")
    return Paginator(rows, DELIVERIES_PER_PAGE).get_page(page_number)


def _render_endpoint(request, endpoint, *, new_secret: str = "", created: bool = False,
                     errors: dict | None = None, values: dict | None = None, status: int = 200):
    values = values or {"description": endpoint.description, "events": endpoint.events,
                        "active": endpoint.active}
    rotating_until = endpoint.previous_secret_expires_at
    if rotating_until and rotating_until <= timezone.now():
        rotating_until = None
    return render(request, "notifications/webhook_detail.html", {
        "endpoint": endpoint, "new_secret": new_secret, "created": created,
        "rotating_until": rotating_until,
        "errors": errors or {}, "values": values, "event_types": webhooks.EVENT_TYPES,
        "deliveries": _deliveries(endpoint, request.GET.get("page"))}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_detail(request, endpoint_id):
    """An endpoint's settings and deliveries log (GET); POST saves the edit form."""
    endpoint = _owned_endpoint(request, endpoint_id)
    if request.method == "GET":
        return _render_endpoint(request, endpoint)
    active = request.POST.get("active") == "on"
    values = {"description": request.POST.get("description", "").strip(),
              "events": request.POST.getlist("events")}
    changes = dict(values)
    # Only a real toggle is sent on: re-activating clears the failure state, and saving
    # a description must not restart an active endpoint's five-day failure clock.
    if active != endpoint.active:
        changes["active"] = active
    body = EndpointWriteSerializer(data=changes, partial=True)
    if not body.is_valid():
        return _render_endpoint(request, endpoint, errors=_errors(body.errors),
                                values={**values, "active": active}, status=400)
    try:
        webhooks.endpoint_update(endpoint, **body.validated_data)
    except ServiceError as exc:
        return _render_endpoint(request, endpoint, values={**values, "active": active},
                                errors=_service_errors(exc, ("description", "events")),
                                status=exc.status_code)
    messages.success(request, "The endpoint's settings were saved.")
    return redirect("webhook-detail", endpoint_id=endpoint.pk)


@login_required
@require_POST
def webhook_ping(request, endpoint_id):
    endpoint = _owned_endpoint(request, endpoint_id)
    webhooks.ping(endpoint)
    messages.success(request, "A signed test ping was queued; it shows in the deliveries log.")
    return redirect("webhook-detail", endpoint_id=endpoint.pk)


@login_required
@require_POST
def webhook_rotate_secret(request, endpoint_id):
    """A new secret, shown in this answer only; the old one keeps signing for a day."""
    endpoint = _owned_endpoint(request, endpoint_id)
    secret = webhooks.rotate_secret(endpoint)
    return _no_store(_render_endpoint(request, endpoint, new_secret=secret))


@login_required
@require_POST
def webhook_delete(request, endpoint_id):
    endpoint = _owned_endpoint(request, endpoint_id)
    url = endpoint.url
    endpoint.delete()
    messages.success(request, f"The endpoint {url} was deleted.")
    return redirect("webhooks")


@login_required
@require_POST
def webhook_redeliver(request, endpoint_id, delivery_id):
    """Send a delivery again (same webhook-id and body); a refusal (an attempt under way,
    the endpoint disabled) is told as a message."""
    endpoint = _owned_endpoint(request, endpoint_id)
    delivery = get_object_or_404(
        WebhookDelivery.objects.owned_by(request.user).filter(endpoint=endpoint),
        pk=delivery_id)
    try:
        webhooks.redeliver(delivery)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The {delivery.event_type} delivery was queued again.")
    return redirect(reverse("webhook-detail", kwargs={"endpoint_id": endpoint.pk})
                    + _page_query(request.POST.get("page")))
