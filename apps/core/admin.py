"""The admin site's name and the admin bits every app shares.

Admin is how staff run the service: everything is registered (each app's admin.py),
rows the service writes itself (events, findings, counters, deliveries) are view-only,
and state changes go through the same services the API uses, as admin actions.
"""

from __future__ import annotations

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from apps.core.models import MetricCounter

admin.site.site_header = "Sitelens administration"
admin.site.site_title = "Sitelens administration"
admin.site.index_title = "Run the service"


class ViewOnlyAdmin(admin.ModelAdmin):
    """For rows the service records (events, findings, counters, deliveries): seen in
    admin, never made or edited there, so they stay what actually happened. Deleting
    still follows the model's delete permission."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ViewOnlyTabularInline(admin.TabularInline):
    """A read-only inline: no blank rows, no adding, editing or deleting."""

    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CappedInlineFormSet(BaseInlineFormSet):
    """An inline that shows at most `limit` rows (the last ones, in order, when
    `newest_last`), for a parent that may have thousands (a job's events or findings).

    Django cannot be told to slice an inline's queryset: the formset filters the
    inline's queryset by its parent after `InlineModelAdmin.get_queryset`, and a sliced
    queryset cannot be filtered. So the slice is taken here, where the formset reads
    its rows. Use it only for view-only inlines: a bound formset would not know the
    rows beyond the cap. Link the rest (a changelist filtered by the parent).
    """

    limit = 50
    newest_last = False

    def get_queryset(self):
        if not hasattr(self, "_capped_rows"):
            rows = super().get_queryset()  # filtered by the parent and ordered
            if self.newest_last:
                self._capped_rows = list(rows.reverse()[: self.limit])[::-1]
            else:
                self._capped_rows = list(rows[: self.limit])
        return self._capped_rows


def changelist_link(url_name: str, text: str, **filters) -> str:
    """A link to an admin changelist (by its URL name, e.g. "admin:jobs_jobevent_changelist")
    filtered by `filters` (lookups the changelist allows, e.g. job__id__exact=...).

    By URL name, not by import: a lower app can link to a higher app's changelist
    without an import arrow pointing up."""
    return format_html('<a href="{}?{}">{}</a>', reverse(url_name), urlencode(filters), text)


@admin.register(MetricCounter)
class MetricCounterAdmin(ViewOnlyAdmin):
    """Counters that /metrics exports; any process adds to them (apps.core.metrics)."""

    list_display = ["name", "labels", "value"]
    search_fields = ["name", "labels"]
    ordering = ["name", "labels"]
