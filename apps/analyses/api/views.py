"""/api/v1/analyses: create, validate, estimate, list, read; pages and findings.

The job-level endpoints (status, cancel, retry, delete, events, logs, the event
stream) come from `apps.jobs.api.views.JobViewSet`.
"""

from __future__ import annotations

import functools
import hashlib
import uuid

from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, OuterRef, Subquery
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apps.analyses import services
from apps.analyses.analyzers.taxonomy import CATEGORIES, OUTCOMES, SEVERITIES
from apps.analyses.api.filters import AnalysisFilter, FindingFilter
from apps.analyses.api.renderers import MarkdownRenderer
from apps.analyses.api.serializers import (
    AnalysisSerializer,
    FindingSerializer,
    PageDetailSerializer,
    PageSerializer,
    PersonaReviewSerializer,
)
from apps.analyses.compare import compare as compare_analyses
from apps.analyses.content_export import site_markdown
from apps.analyses.models import Finding, PersonaReview, Report
from apps.analyses.options import AnalysisRequestSerializer
from apps.analyses.selectors import finding_counts_for, incomplete_rules_for
from apps.core.api.schema import ERRORS
from apps.core.compiled import CompiledShape
from apps.jobs.api.views import JobViewSet
from apps.jobs.models import Job, Page

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Retrying a create with the same key returns the analysis the first call made.",
)


# This process's memo of ended analyses' answers (`representation_version`).
representations = caches["representations"]
_ANALYSIS_LOOKUP = CompiledShape("analysis")


def representation_version(job: Job) -> str:
    """What an ended analysis's answer depends on, as a digest: every column of its
    row (status, times, error, options, credential, `pruned`...) and the set of analyses
    that retry it. Its findings, rule failures and report are written before it ends and
    never change afterwards, so a change to the answer changes this digest; a cached
    answer is never served for another. `job` comes `with_retries_seen`."""
    values = [getattr(job, field.attname) for field in Job._meta.concrete_fields]
    values += [job.retries_count or 0, job.retries_newest]
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()


@functools.cache
def _with_retries_seen():
    return with_retries_seen(Job.objects.all())


def with_retries_seen(queryset):
    """Analyses with how many analyses retry them and when the newest was created, in
    the same statement. Together they change whenever a retry is made (it is the newest)
    or deleted (one fewer), which is all `representation_version` needs of them."""
    retries = Job.objects.filter(retry_of=OuterRef("pk")).order_by().values("retry_of")
    return queryset.annotate(
        retries_count=Subquery(retries.annotate(n=Count("pk")).values("n")),
        retries_newest=Subquery(retries.annotate(newest=Max("created_at")).values("newest")))


def _request(data):
    serializer = AnalysisRequestSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.to_request()


class AnalysisViewSet(mixins.ListModelMixin, JobViewSet):
    serializer_class = AnalysisSerializer
    filterset_class = AnalysisFilter

    def get_queryset(self):
        queryset = super().get_queryset()
        # The list shows `retries`; the analysis itself reads what they are when its
        # answer is looked up (`representation_version`), in its own statement, and its
        # report and retries only when the answer is built; sub-resources need neither.
        if self.action in ("list", "create"):
            return queryset.select_related("report").prefetch_related("retries")
        return queryset

    def get_unscoped_queryset(self):
        if self.action == "retrieve":
            return _with_retries_seen().all()  # annotated once (0.35 ms), then cloned
        return super().get_unscoped_queryset()

    def get_object(self):
        if self.action != "retrieve":
            return super().get_object()
        # The analysis by its id, scoped as every lookup (get_queryset), its statement
        # compiled once (the most polled URL of the API).
        try:
            found = _ANALYSIS_LOOKUP.fetch(
                self.get_queryset().filter(pk=self.kwargs[self.lookup_field])[:1])
        except (TypeError, ValueError, ValidationError):  # as DRF's get_object_or_404
            found = []
        if not found:
            raise NotFound
        self.check_object_permissions(self.request, found[0])
        return found[0]

    def filter_queryset(self, queryset):
        # `?status=` narrows the list; an analysis is found by its id alone, as by the
        # other detail actions (`filterset_class=None`).
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)

    def _with_counts(self, jobs: list[Job]) -> list[Job]:
        """Counts for many jobs in a fixed number of queries (no N+1)."""
        counts, incomplete = finding_counts_for(jobs), incomplete_rules_for(jobs)
        for job in jobs:
            job.finding_counts, job.incomplete = counts[job.pk], incomplete[job.pk]
        return jobs

    def serialize(self, job: Job) -> dict:
        return AnalysisSerializer(self._with_counts([job])[0]).data

    @extend_schema(responses={200: AnalysisSerializer(many=True), **ERRORS(400, 401)})
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            AnalysisSerializer(self._with_counts(list(page)), many=True).data)

    @extend_schema(responses={200: AnalysisSerializer, 304: OpenApiResponse(
        description="Not modified: `If-None-Match` names the analysis's current `ETag` "
                    "(given once it has ended)."), **ERRORS(401, 404)})
    def retrieve(self, request, *args, **kwargs):
        """An ended analysis's answer is built and rendered once and cached, and comes
        with an `ETag`; `If-None-Match` with it answers 304. The owner check runs on
        every request."""
        job = self.get_object()
        if not job.is_terminal:
            return Response(self.serialize(job))
        version = representation_version(job)
        # Weak: the same answer in any JSON indent (and gzip keeps it valid).
        etag = f'W/"{version}-{request.accepted_renderer.format}"'
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            not_modified["ETag"] = etag
            return not_modified
        renderer, media_type = request.accepted_renderer, request.accepted_media_type
        if type(renderer) is not JSONRenderer:  # the browsable API: rendered for each reader
            return Response(self.serialize(job), headers={"ETag": etag})
        # Kept as the bytes DRF's renderer writes, which differ only by the indent that
        # Accept may ask for (`application/json; indent=4`).
        context = self.get_renderer_context()
        key = f"analysis:{job.pk}:{version}:{renderer.get_indent(media_type, context)}"
        body = representations.get(key)
        if body is None:
            body = renderer.render(self.serialize(job), media_type, context)
            representations.set(key, body)
        return HttpResponse(body, content_type=renderer.media_type, headers={"ETag": etag})

    @extend_schema(
        request=AnalysisRequestSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: AnalysisSerializer, 200: AnalysisSerializer,
                   202: OpenApiResponse(AnalysisSerializer, description="`wait` ran out: "
                                        "the analysis is still queued or running."),
                   **ERRORS(400, 401, 429)},
        description="Queue an audit. 201 when created; 200 when an Idempotency-Key replays "
                    "an earlier request. With `wait`, the answer comes when the analysis ends "
                    "(201, finished) or when the wait runs out (202).",
    )
    def create(self, request):
        analysis = _request(request.data)
        key = request.headers.get("Idempotency-Key", "").strip()[:255]
        job, created = services.analysis_create(user=request.user, request=analysis,
                                                idempotency_key=key)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        if analysis.wait:
            job = services.analysis_wait(job, seconds=analysis.wait)
            if not job.is_terminal:
                code = status.HTTP_202_ACCEPTED
        return Response(self.serialize(job), status=code)

    @extend_schema(request=AnalysisRequestSerializer,
                   responses={200: OpenApiTypes.OBJECT, **ERRORS(400, 401)})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def validate(self, request):
        """Would this analysis be accepted and able to start? Checks the options, DNS and
        the address, robots.txt for the start page, the sitemap (URL count) and the plan's
        limits, and creates nothing. A refusal names its reason in the error shape."""
        return Response(services.analysis_validate(user=request.user,
                                                   request=_request(request.data)))

    @extend_schema(request=AnalysisRequestSerializer,
                   responses={200: OpenApiTypes.OBJECT, **ERRORS(400, 401)})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def estimate(self, request):
        """Pages likely to be crawled (sitemap and first-level links, capped by max_pages),
        an estimated duration from the start page's measured fetch time and the politeness
        settings, and whether it fits the plan. Creates nothing."""
        return Response(services.analysis_estimate(user=request.user,
                                                   request=_request(request.data)))

    @extend_schema(responses={200: PageSerializer(many=True), **ERRORS(401, 404)})
    @action(detail=True, methods=["get"], filterset_class=None)
    def pages(self, request, pk=None):
        job = self.get_object()
        page = self.paginate_queryset(Page.objects.filter(job=job).order_by("id"))
        return self.get_paginated_response(PageSerializer(page, many=True).data)

    @extend_schema(responses={200: PageDetailSerializer, **ERRORS(401, 404)})
    @action(detail=True, methods=["get"], url_path=r"pages/(?P<page_id>[0-9]+)",
            filterset_class=None, pagination_class=None)
    def page_detail(self, request, pk=None, page_id=None):
        """One page: what the list shows, plus its outlinks and its main content as
        Markdown."""
        job = self.get_object()
        page = (Page.objects.filter(job=job, pk=int(page_id)).select_related("content")
                .first())
        if page is None:
            raise NotFound("No such page in this analysis.")
        return Response(PageDetailSerializer(page).data)

    @extend_schema(responses={200: inline_serializer("PersonaReviews", fields={
        "kind": serializers.CharField(),
        "members": PersonaReviewSerializer(many=True),
        "summary": serializers.JSONField(allow_null=True, help_text=(
            "Focus groups: consensus, majority and divergent problems (with the members who "
            "saw them and the axis that explains a split) and the spread of each dimension.")),
        "versions": serializers.JSONField(allow_null=True, help_text=(
            "Versions of what decides the numbers (libraries, score formula, thresholds).")),
    }), **ERRORS(401, 404)})
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def personas(self, request, pk=None):
        """The persona reviews of a `single` or `focus_group` analysis (empty for an
        audit, and until the analysis has succeeded)."""
        job = self.get_object()
        reviews = PersonaReview.objects.filter(job=job).order_by("member")
        report = Report.objects.filter(job=job).only("personas", "versions").first()
        return Response({"kind": job.kind,
                         "members": PersonaReviewSerializer(reviews, many=True).data,
                         "summary": report.personas if report is not None else None,
                         "versions": report.versions if report is not None else None})

    @extend_schema(
        parameters=[OpenApiParameter("with", OpenApiTypes.UUID, required=True,
                                     description="The other analysis (yours).")],
        responses={200: OpenApiTypes.OBJECT, **ERRORS(400, 401, 404)})
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def compare(self, request, pk=None):
        """This analysis against another of yours: findings new, fixed and unchanged
        (matched by rule, page URL relative to the site and selector), score deltas per
        category, pages added and removed. Lists stop at 500 per bucket; counts do not."""
        job = self.get_object()
        raw = request.query_params.get("with", "")
        try:
            other_id = uuid.UUID(raw)
        except ValueError:
            raise serializers.ValidationError({"with": ["Give the id of another analysis."]}) \
                from None
        if other_id == job.pk:
            raise serializers.ValidationError({"with": ["Compare with another analysis, not "
                                                        "with itself."]})
        other = self.get_queryset().filter(pk=other_id).first()
        if other is None:
            raise NotFound("No such analysis to compare with.")
        return Response(compare_analyses(job, other))

    @extend_schema(responses={200: FindingSerializer, **ERRORS(401, 404)})
    @action(detail=True, methods=["get"], url_path=r"findings/(?P<finding_id>[0-9]+)",
            filterset_class=None, pagination_class=None)
    def finding_detail(self, request, pk=None, finding_id=None):
        """One finding (persona observations cite findings by these ids)."""
        job = self.get_object()
        finding = Finding.objects.filter(job=job, pk=int(finding_id)).first()
        if finding is None:
            raise NotFound("No such finding in this analysis.")
        return Response(FindingSerializer(finding).data)

    @extend_schema(
        responses={(200, "text/markdown"): OpenApiTypes.STR, **ERRORS(401, 404)},
        description="The site's main content as one Markdown document: a short header, then "
                    "one section per page in crawl order (its title, its URL, its main "
                    "content), streamed as it is read.")
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None,
            renderer_classes=[MarkdownRenderer, JSONRenderer])
    def content(self, request, pk=None):
        job = self.get_object()
        response = StreamingHttpResponse(site_markdown(job),
                                         content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="sitelens-{job.pk}.md"'
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("rule", OpenApiTypes.STR, description="Rule id, e.g. image-alt"),
            OpenApiParameter("severity", OpenApiTypes.STR, many=True, enum=[*SEVERITIES]),
            OpenApiParameter("category", OpenApiTypes.STR, enum=[*CATEGORIES],
                             description="Findings of every rule that counts in the category."),
            OpenApiParameter("outcome", OpenApiTypes.STR, enum=[*OUTCOMES]),
            OpenApiParameter("page_id", OpenApiTypes.INT),
            OpenApiParameter("page_url", OpenApiTypes.STR),
        ],
        responses={200: FindingSerializer(many=True), **ERRORS(400, 401, 404)},
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def findings(self, request, pk=None):
        job = self.get_object()
        filterset = FindingFilter(request.query_params, queryset=Finding.objects.filter(job=job))
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs.order_by("id"))
        return self.get_paginated_response(FindingSerializer(page, many=True).data)
