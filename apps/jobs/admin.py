"""Jobs in admin: view-only (state changes only through the actions, which call the same
services as the API), with the last events inline and links to the rest.

apps.analyses.admin extends `JobAdmin` with the job's findings (this app knows no
analysis) and registers that subclass in its place.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html

from apps.core.admin import (
    CappedInlineFormSet,
    ViewOnlyAdmin,
    ViewOnlyTabularInline,
    changelist_link,
)
from apps.core.errors import ServiceError
from apps.jobs.models import Job, JobEvent, Page
from apps.jobs.services import RETRYABLE, job_cancel, job_delete, job_retry

EVENTS_SHOWN = 50


class LastEventsFormSet(CappedInlineFormSet):
    limit = EVENTS_SHOWN
    newest_last = True


class EventInline(ViewOnlyTabularInline):
    """The job's last events, newest last; its whole log is the linked event changelist."""

    model = JobEvent
    formset = LastEventsFormSet
    fields = ["created_at", "type", "data"]
    readonly_fields = fields
    verbose_name_plural = f"Events (the last {EVENTS_SHOWN})"


@admin.register(Job)
class JobAdmin(ViewOnlyAdmin):
    """An analysis, to read. Jobs are made through the API or the web pages (admission
    checks the owner's plan, and queues the run); statuses move only through the
    model's transitions, so there is no add or change form here: cancel and retry are
    actions, and deleting goes through `job_delete` like the API's DELETE."""

    list_display = ["id", "kind", "url", "owner", "status", "stage", "pages_done", "attempt",
                    "created_at", "finished_at"]
    list_select_related = ["owner"]
    list_filter = ["status", "kind", "cancel_requested"]
    search_fields = ["url", "owner__email", "id"]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["id", "kind", "url", "owner", "status", "stage", "error_code",
                           "error"]}),
        ("Progress", {"fields": ["pages_done", "pages_total", "attempt", "cancel_requested",
                                 "worker", "heartbeat_at", "enqueued_at", "created_at",
                                 "started_at", "finished_at"]}),
        ("Request", {"fields": ["options", "credential", "retry_of", "pruned"]}),
        ("Everything it recorded", {"fields": ["event_log", "crawled_pages", "retried_as"]}),
    ]
    readonly_fields = ["event_log", "crawled_pages", "retried_as"]
    inlines = [EventInline]
    actions = ["cancel_jobs", "retry_jobs"]

    @admin.display(description="Event log")
    def event_log(self, job: Job) -> str:
        count = job.events.count()
        return format_html("{} events; {}", count, changelist_link(
            "admin:jobs_jobevent_changelist", "the whole log", job__id__exact=job.pk))

    @admin.display(description="Pages")
    def crawled_pages(self, job: Job) -> str:
        return changelist_link("admin:jobs_page_changelist", f"{job.pages.count()} pages",
                               job__id__exact=job.pk)

    @admin.display(description="Retried as")
    def retried_as(self, job: Job) -> str:
        return changelist_link("admin:jobs_job_changelist", f"{job.retries.count()} retries",
                               retry_of__id__exact=job.pk)

    def has_cancel_any_permission(self, request) -> bool:
        return request.user.has_perm("jobs.cancel_any_job")

    def has_retry_any_permission(self, request) -> bool:
        return request.user.has_perm("jobs.retry_any_job")

    @admin.action(description="Retry selected failed or cancelled analyses (a new analysis "
                              "each, on its owner's plan)",
                  permissions=["retry_any"])
    def retry_jobs(self, request, queryset):
        retried = 0
        for job in queryset.filter(status__in=RETRYABLE):
            try:
                job_retry(job=job)
                retried += 1
            except ServiceError as exc:  # the owner's plan said no (quota, concurrency)
                self.message_user(request, f"{job.url}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{retried} analyses queued again.", messages.INFO)

    @admin.action(description="Cancel selected analyses", permissions=["cancel_any"])
    def cancel_jobs(self, request, queryset):
        cancelled = 0
        for job in queryset.active():
            try:
                job_cancel(job=job)
                cancelled += 1
            except ServiceError as exc:  # it ended since the list was shown
                self.message_user(request, f"{job.url}: {exc.message}", messages.WARNING)
        self.message_user(request, f"Cancellation requested for {cancelled} analyses.", messages.INFO)

    def delete_model(self, request, obj: Job) -> None:
        job_delete(job=obj)  # stops a running one, and deletes its inline credential

    def delete_queryset(self, request, queryset) -> None:
        for job in queryset:
            job_delete(job=job)


@admin.register(Page)
class PageAdmin(ViewOnlyAdmin):
    """A URL a job crawled, as the crawler recorded it."""

    list_display = ["url", "job", "status_code", "depth", "size_bytes", "fetch_ms", "error",
                    "fetched_at"]
    list_select_related = ["job"]
    search_fields = ["url", "final_url"]
    show_full_result_count = False  # the table is large; a second full count is wasted


@admin.register(JobEvent)
class JobEventAdmin(ViewOnlyAdmin):
    """A job's event log: what its WebSocket and event-stream clients were sent."""

    list_display = ["id", "job", "type", "created_at"]
    list_select_related = ["job"]
    list_filter = ["type"]
    ordering = ["-id"]
    show_full_result_count = False  # the largest table: filter by job (the job page links it)
