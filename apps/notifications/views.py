"""The notifications inbox page (server-rendered)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.notifications import services
from apps.notifications.models import Notification


@login_required
def inbox(request):
    page = Paginator(Notification.objects.owned_by(request.user), 50).get_page(
        request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_all_read(request):
    services.mark_read(request.user, everything=True)
    return redirect("notifications")
