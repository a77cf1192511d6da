"""What an analysis found: findings, and the rules that could not finish on a page."""

from __future__ import annotations

from django.db import models

from apps.analyses.analyzers.taxonomy import Outcome, Severity, choices
from apps.core.models import OwnedQuerySet
from apps.jobs.models import Job, Page
from apps.web.urls import MAX_URL_LENGTH


class FindingQuerySet(OwnedQuerySet):
    owner_field = "job__owner"

    def violations(self) -> FindingQuerySet:
        return self.filter(outcome=Outcome.VIOLATION)


class Finding(models.Model):
    """One problem a rule found, on one page (or site-wide, when page is empty)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="findings")
    page = models.ForeignKey(Page, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="findings")
    page_url = models.URLField(max_length=MAX_URL_LENGTH, blank=True)
    rule_id = models.CharField(max_length=80, db_index=True)
    # Every category the rule counts in, as the rule said when it ran (for display;
    # the ?category= filter asks the registry which rules count in a category).
    categories = models.JSONField(default=list)
    severity = models.CharField(max_length=10, choices=choices(Severity), db_index=True)
    outcome = models.CharField(max_length=20, choices=choices(Outcome), default=Outcome.VIOLATION.value)
    tags = models.JSONField(default=list, blank=True)
    selector = models.TextField(blank=True)
    snippet = models.TextField(blank=True)
    message = models.TextField()
    help = models.TextField(blank=True)
    help_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["job", "rule_id"]), models.Index(fields=["job", "severity"])]

    def __str__(self) -> str:
        return f"{self.rule_id} on {self.page_url}"


class RuleFailure(models.Model):
    """A rule that raised on a page (or on the site): its findings there are missing.

    Recorded so the page does not look clean when it was not checked; the analysis
    detail shows them as `incomplete_rules`.
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="rule_failures")
    page = models.ForeignKey(Page, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="rule_failures")
    page_url = models.URLField(max_length=MAX_URL_LENGTH, blank=True)  # "" for a site rule
    rule_id = models.CharField(max_length=80)
    error_type = models.CharField(max_length=100)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["job", "rule_id"])]

    def __str__(self) -> str:
        return f"{self.rule_id} failed on {self.page_url or 'the site'} ({self.error_type})"


class PageContent(models.Model):
    """A page's main content as Markdown (its measures are in `Page.facts["content"]`)."""

    page = models.OneToOneField(Page, primary_key=True, on_delete=models.CASCADE,
                                related_name="content")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="page_contents")
    markdown = models.TextField(blank=True)

    class Meta:
        ordering = ["page_id"]

    def __str__(self) -> str:
        return f"content of page {self.page_id}"


class Report(models.Model):
    """What an analysis concluded as a whole: scores per category, the content summary
    (near-duplicate pairs), and for persona kinds the reviews' summary. Written in the
    job's final transaction."""

    job = models.OneToOneField(Job, primary_key=True, on_delete=models.CASCADE,
                               related_name="report")
    scores = models.JSONField(default=dict)  # category -> 0..100 or None
    content = models.JSONField(default=dict)
    versions = models.JSONField(default=dict)  # libraries whose versions affect the numbers
    personas = models.JSONField(null=True, blank=True)  # the focus-group summary
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"report of job {self.job_id}"


class PersonaReview(models.Model):
    """One persona's review of an analysed site (a focus group has one per member)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="persona_reviews")
    member = models.PositiveSmallIntegerField(default=0)  # 0: the template
    persona = models.JSONField()
    varied = models.JSONField(default=dict)  # axis -> value, {} for the template
    scores = models.JSONField()  # dimension -> 0..100
    overall = models.PositiveSmallIntegerField()
    weights = models.JSONField()
    goal_pages = models.JSONField(default=list)  # page ids
    path = models.JSONField(default=list)  # page ids, start page first
    observations = models.JSONField(default=list)
    thresholds_version = models.CharField(max_length=40)
    # Written by the optional LLM reviewer from the review above; never changes a score.
    narrative = models.TextField(blank=True)
    narrative_model = models.CharField(max_length=200, blank=True)
    narrative_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["job", "member"]
        constraints = [models.UniqueConstraint(fields=["job", "member"],
                                               name="one_review_per_member")]

    def __str__(self) -> str:
        return f"member {self.member} of job {self.job_id}"


class ShareLinkQuerySet(OwnedQuerySet):
    owner_field = "job__owner"

    def usable(self, now) -> ShareLinkQuerySet:
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ShareLink(models.Model):
    """A read-only link to one analysis's report, for someone without an account.

    Only the SHA-256 of the token is stored, as for API keys: the owner sees the link
    once, when it is made, and a database leak does not open anyone's reports. The
    prefix lets the owner tell links apart. Revoking or expiring a link makes it 404.
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    views = models.PositiveIntegerField(default=0)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"share link {self.prefix}… of job {self.job_id}"
