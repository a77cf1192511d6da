"""Server-rendered pages: my exports, newest first, with their state and downloads.

The Download link is the API's own `GET /api/v1/exports/{id}/download`, which accepts
the browser's session (DRF's SessionAuthentication; a GET needs no CSRF token), so the
file is served, owner-scoped and checked for readiness and expiry, in one place.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.exports import services
from apps.exports.models import Export

EXPORTS_PER_PAGE = 25


@login_required
@require_GET
def export_list(request):
    exports = Export.objects.owned_by(request.user).select_related("job").order_by(
        "-created_at", "-pk")
    page = Paginator(exports, EXPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "exports/list.html", {"exports": page, "now": timezone.now()})


@login_required
@require_POST
def export_delete(request, export_id):
    """Delete an export and (after commit) its file."""
    export = get_object_or_404(Export.objects.owned_by(request.user), pk=export_id)
    services.export_delete(export)
    messages.success(request, f"The {export.format} export was deleted.")
    page = request.POST.get("page", "")
    return redirect(reverse("exports") + (f"?page={page}" if page.isdigit() else ""))
