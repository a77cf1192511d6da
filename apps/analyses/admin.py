"""What analyses found, in admin (all view-only: the pipeline wrote it), and the job page
with its findings.

The job page with findings: apps.jobs may not import this app, so its `JobAdmin`
cannot show findings. Here (analyses may import jobs) `AnalysisJobAdmin` extends it
with a findings inline and replaces it on the admin site. That does not depend on
the order admin modules are loaded in: the import of `apps.jobs.admin` below has
registered `JobAdmin` by the time `unregister` runs (whether admin.autodiscover
loaded it first, as it does since apps.jobs comes before apps.analyses in
INSTALLED_APPS, or this import does), and autodiscover never runs a module twice.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html, format_html_join

from apps.analyses.analyzers.taxonomy import SEVERITIES
from apps.analyses.models import Finding, PageContent, PersonaReview, Report, RuleFailure, ShareLink
from apps.analyses.services import share_link_revoke
from apps.core.admin import (
    CappedInlineFormSet,
    ViewOnlyAdmin,
    ViewOnlyTabularInline,
    changelist_link,
)
from apps.jobs.admin import JobAdmin
from apps.jobs.models import Job

FINDINGS_SHOWN = 50


class FirstFindingsFormSet(CappedInlineFormSet):
    limit = FINDINGS_SHOWN


class FindingInline(ViewOnlyTabularInline):
    """The job's first findings; all of them are the linked finding changelist."""

    model = Finding
    formset = FirstFindingsFormSet
    fields = ["severity", "rule_id", "outcome", "page_url", "message"]
    readonly_fields = fields
    verbose_name_plural = f"Findings (the first {FINDINGS_SHOWN})"


class AnalysisJobAdmin(JobAdmin):
    """`JobAdmin` with what the analysis found: counts by severity, a link to every
    finding, and the first ones inline."""

    fieldsets = [*JobAdmin.fieldsets,
                 ("What it found", {"fields": ["findings_by_severity", "incomplete_rules"]})]
    readonly_fields = [*JobAdmin.readonly_fields, "findings_by_severity", "incomplete_rules"]
    inlines = [*JobAdmin.inlines, FindingInline]

    @admin.display(description="Findings")
    def findings_by_severity(self, job: Job) -> str:
        counts = dict(job.findings.values_list("severity").annotate(n=Count("id")))
        summary = format_html_join(", ", "{} {}", ((counts.get(severity, 0), severity)
                                                    for severity in SEVERITIES))
        return format_html("{} in all ({}); {}", sum(counts.values()), summary, changelist_link(
            "admin:analyses_finding_changelist", "every finding", job__id__exact=job.pk))

    @admin.display(description="Rules that could not finish")
    def incomplete_rules(self, job: Job) -> str:
        return changelist_link("admin:analyses_rulefailure_changelist",
                               f"{job.rule_failures.count()} rule failures",
                               job__id__exact=job.pk)


admin.site.unregister(Job)
admin.site.register(Job, AnalysisJobAdmin)


@admin.register(Finding)
class FindingAdmin(ViewOnlyAdmin):
    list_display = ["rule_id", "severity", "outcome", "page_url", "job", "created_at"]
    list_select_related = ["job"]
    list_filter = ["severity", "outcome", "rule_id"]
    search_fields = ["rule_id", "page_url", "message"]
    raw_id_fields = ["job", "page"]
    show_full_result_count = False  # a large table: filter by job (the job page links it)


@admin.register(RuleFailure)
class RuleFailureAdmin(ViewOnlyAdmin):
    list_display = ["rule_id", "error_type", "page_url", "job", "created_at"]
    list_select_related = ["job"]
    list_filter = ["rule_id", "error_type"]
    search_fields = ["rule_id", "page_url", "message"]
    raw_id_fields = ["job", "page"]


@admin.register(Report)
class ReportAdmin(ViewOnlyAdmin):
    list_display = ["job", "created_at"]
    list_select_related = ["job"]
    search_fields = ["job__url", "job__owner__email"]
    date_hierarchy = "created_at"


@admin.register(PageContent)
class PageContentAdmin(ViewOnlyAdmin):
    list_display = ["page", "job"]
    list_select_related = ["page", "job"]
    search_fields = ["page__url"]
    raw_id_fields = ["page", "job"]
    show_full_result_count = False


@admin.register(PersonaReview)
class PersonaReviewAdmin(ViewOnlyAdmin):
    list_display = ["job", "member", "overall", "thresholds_version", "narrative_model"]
    list_select_related = ["job"]
    list_filter = ["thresholds_version"]
    search_fields = ["job__url"]
    raw_id_fields = ["job"]


@admin.register(ShareLink)
class ShareLinkAdmin(ViewOnlyAdmin):
    """Never the token or its hash (it opens the report): the prefix tells links apart."""

    list_display = ["prefix", "label", "job", "created_at", "expires_at", "revoked_at", "views",
                    "last_viewed_at"]
    list_select_related = ["job"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "label", "job__url", "job__owner__email"]
    fields = ["prefix", "label", "job", "created_at", "expires_at", "revoked_at", "views",
              "last_viewed_at"]
    actions = ["revoke_links"]

    def has_revoke_permission(self, request) -> bool:
        # View-only (has_change_permission is False): the action asks for it itself.
        return request.user.has_perm("analyses.change_sharelink")

    @admin.action(description="Revoke selected share links (they answer 404 from now on)",
                  permissions=["revoke"])
    def revoke_links(self, request, queryset):
        links = list(queryset.filter(revoked_at__isnull=True))
        for link in links:
            share_link_revoke(link=link)
        self.message_user(request, f"{len(links)} share links revoked.", messages.INFO)
