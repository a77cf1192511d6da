"""Analysis API shapes: the analysis (a job plus what it found), pages, findings."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from apps.analyses.models import Finding, PageContent, PersonaReview, Report
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
    scores = serializers.SerializerMethodField(
        help_text="0-100 per category (seo, accessibility, content, links, weight): the mean of "
        "the pages' scores; null until the analysis has succeeded, or for a category no rule "
        "applied to. README \"Scores\" gives the formula.")
    content = serializers.SerializerMethodField(
        help_text="The main content in numbers: pages measured, words, thin pages, detected "
        "languages, near-duplicate pairs (page, duplicate_of, similarity %); null until the "
        "analysis has succeeded.")
    versions = serializers.SerializerMethodField(
        help_text="Versions of what decides the numbers (extractor, language model, formula).")

    class Meta(JobSerializer.Meta):
        fields = [*JOB_FIELDS, "options", "credential", "findings", "incomplete_rules",
                  "scores", "content", "versions"]
        read_only_fields = fields

    @staticmethod
    def _report(job) -> Report | None:
        try:
            return job.report
        except Report.DoesNotExist:
            return None

    def get_scores(self, job) -> dict[str, int | None] | None:
        report = self._report(job)
        return report.scores if report is not None else None

    def get_content(self, job) -> dict | None:
        report = self._report(job)
        return report.content if report is not None else None

    def get_versions(self, job) -> dict[str, str] | None:
        report = self._report(job)
        return report.versions if report is not None else None

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
            "resources", "weight", "content", "scores",
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

    content = serializers.SerializerMethodField(
        help_text="Measures of the main content: words, sentences, language (detected), "
        "language_declared, language_matches, reading_ease (Flesch, per language), grade "
        "(Flesch-Kincaid, English), lix, thin, simhash; null for a page without HTML."
    )
    scores = serializers.SerializerMethodField(
        help_text="0-100 per category for this page; null until the analysis has succeeded "
        "and for pages that did not answer 2xx HTML."
    )

    def get_content(self, page) -> dict | None:
        return page.facts.get("content")

    def get_scores(self, page) -> dict[str, int | None] | None:
        return page.facts.get("scores")

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


class PageDetailSerializer(PageSerializer):
    markdown = serializers.SerializerMethodField(
        help_text="The page's main content as Markdown (boilerplate removed); null for a page "
        "without HTML.")

    class Meta(PageSerializer.Meta):
        fields = [*PageSerializer.Meta.fields, "links", "markdown"]
        read_only_fields = fields

    def get_markdown(self, page) -> str | None:
        try:
            return page.content.markdown
        except PageContent.DoesNotExist:
            return None


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["id", "rule_id", "categories", "severity", "outcome", "tags", "page_id",
                  "page_url", "selector", "snippet", "message", "help", "help_url"]
        read_only_fields = fields


class PersonaReviewSerializer(serializers.ModelSerializer):
    """One persona's review: scores per dimension, the overall score and its weights,
    the goal's pages and click path (page ids), and observations with their evidence."""

    class Meta:
        model = PersonaReview
        fields = ["member", "persona", "varied", "scores", "overall", "weights", "goal_pages",
                  "path", "observations", "thresholds_version", "narrative"]
        read_only_fields = fields

    narrative = serializers.SerializerMethodField(
        help_text="Generated by the optional LLM reviewer from this review (null when off or "
        "when it failed); it never changes a score.")

    def get_narrative(self, review) -> dict | None:
        if not review.narrative:
            return None
        return {"text": review.narrative, "model": review.narrative_model, "generated": True}
