from django.contrib import admin

from apps.analyses.models import Finding


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["rule_id", "severity", "category", "page_url", "job"]
    list_filter = ["severity", "category", "rule_id"]
    search_fields = ["rule_id", "page_url", "message"]
    raw_id_fields = ["job", "page"]
