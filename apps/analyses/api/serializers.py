"""Analysis API shapes: the analysis (a job plus what it found), pages, findings."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from apps.analyses.models import Finding
from apps.analyses.selectors import finding_counts, incomplete_rules_for
from apps.jobs.api.serializers import JOB_FIELDS, JobSerializer
from apps.jobs.models import Page


class IncompleteRuleSerializer(serializers.Serializer):
    rule_id = serializers.CharField()
    error_type = serializers.CharField()
    pages = serializers.IntegerField(help_text="Pages (or the site) where the rule raised.")
    page_urls = serializers.ListField(child=serializers.CharField(allow_null=True),
                                      help_text="The first of them; null for a site rule.")


class AnalysisSerializer(JobSerializer):
    findings = serializers.SerializerMethodField(
        help_text="Violations by severity, and `needs_review`: findings a person must judge.")
    incomplete_rules = serializers.SerializerMethodField(
        help_text="Rules that raised: their findings are missing where they did.")
    credential = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta(JobSerializer.Meta):
        fields = [*JOB_FIELDS, "options", "credential", "findings", "incomplete_rules"]
        read_only_fields = fields

    def get_findings(self, job) -> dict[str, int]:
        counts = getattr(job, "finding_counts", None)
        return counts if counts is not None else finding_counts(job)

    @staticmethod
    def _incomplete(job) -> list:
        rules = getattr(job, "incomplete", None)
        return rules if rules is not None else incomplete_rules_for([job])[job.pk]

    def get_incomplete_rules(self, job) -> list[dict]:
        return IncompleteRuleSerializer(self._incomplete(job), many=True).data


class PageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Page
        fields = [
            "id", "url", "final_url", "depth", "status_code", "content_type", "redirect_chain",
            "size_bytes", "fetch_ms", "encoding", "title", "error", "source", "fetched_at",
            "findings_dropped", "findings_cap", "description", "h1", "canonical", "noindex",
            "resources", "weight",
        ]
        read_only_fields = fields

    findings_cap = serializers.SerializerMethodField(
        help_text="Most findings one page keeps; findings_dropped counts the rest."
    )
    description = serializers.SerializerMethodField(help_text="The meta description.")
    h1 = serializers.SerializerMethodField(help_text="Text of each <h1>, in order.")
    canonical = serializers.SerializerMethodField(
        help_text="The canonical URL (<link> in <head>, else the Link header)."
    )
    noindex = serializers.SerializerMethodField(
        help_text="Whether every search engine is told not to index the page."
    )
    resources = serializers.SerializerMethodField(
        help_text="How many images, scripts, stylesheets and preloaded fonts it references."
    )
    weight = serializers.SerializerMethodField(
        help_text="html_bytes, resources, resources_sized and total_bytes (HTML plus the "
        "resources whose size a HEAD request learnt); null until the link check ran."
    )

    def get_findings_cap(self, page) -> int:
        return settings.SITELENS_MAX_FINDINGS_PER_PAGE

    def get_description(self, page) -> str | None:
        return page.facts.get("description")

    def get_h1(self, page) -> list[str]:
        return page.facts.get("h1") or []

    def get_canonical(self, page) -> str | None:
        return page.facts.get("canonical")

    def get_noindex(self, page) -> bool | None:
        return page.facts.get("noindex")

    def get_resources(self, page) -> dict[str, int]:
        found = page.facts.get("resources") or {}
        return {kind: len(found.get(kind) or []) for kind in
                ("images", "scripts", "stylesheets", "fonts")}

    def get_weight(self, page) -> dict[str, int] | None:
        return page.facts.get("weight")


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["id", "rule_id", "categories", "severity", "outcome", "tags", "page_url",
                  "selector", "snippet", "message", "help", "help_url"]
        read_only_fields = fields
