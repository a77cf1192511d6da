from django.contrib import admin, messages

from apps.core.errors import ServiceError
from apps.jobs.models import Job, JobEvent, Page
from apps.jobs.services import RETRYABLE, job_cancel, job_retry


class PageInline(admin.TabularInline):
    model = Page
    fields = ["url", "status_code", "depth", "title", "error"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    show_change_link = False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "url", "owner", "status", "stage", "pages_done", "attempt", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["url", "owner__email", "id"]
    raw_id_fields = ["owner", "credential", "retry_of"]
    readonly_fields = ["id", "created_at", "started_at", "finished_at", "heartbeat_at", "worker",
                       "attempt", "pages_done", "pages_total"]
    actions = ["cancel_jobs", "retry_jobs"]

    def has_cancel_any_permission(self, request) -> bool:
        return request.user.has_perm("jobs.cancel_any_job")

    def has_retry_any_permission(self, request) -> bool:
        return request.user.has_perm("jobs.retry_any_job")

    @admin.action(description="Retry selected failed or cancelled analyses",
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
            job_cancel(job=job)
            cancelled += 1
        self.message_user(request, f"Cancellation requested for {cancelled} analyses.", messages.INFO)


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["url", "job", "status_code", "depth", "size_bytes", "fetch_ms"]
    search_fields = ["url"]
    raw_id_fields = ["job"]


@admin.register(JobEvent)
class JobEventAdmin(admin.ModelAdmin):
    list_display = ["id", "job", "type", "created_at"]
    list_filter = ["type"]
    raw_id_fields = ["job"]
