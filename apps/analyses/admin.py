from django.contrib import admin

from apps.analyses.models import Finding, RuleFailure


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["rule_id", "severity", "outcome", "page_url", "job"]
    list_filter = ["severity", "outcome", "rule_id"]
    search_fields = ["rule_id", "page_url", "message"]
    raw_id_fields = ["job", "page"]


@admin.register(RuleFailure)
class RuleFailureAdmin(admin.ModelAdmin):
    list_display = ["rule_id", "error_type", "page_url", "job", "created_at"]
    list_filter = ["rule_id", "error_type"]
    raw_id_fields = ["job", "page"]
