"""/api/v1/analyses: create, list, read, cancel, delete; pages, findings, events."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.analyses.api.serializers import FindingSerializer
from apps.analyses.models import Finding
from apps.analyses.selectors import finding_counts_for
from apps.core.api.schema import ERRORS
from apps.core.api.views import OwnedViewSet
from apps.jobs import services
from apps.jobs.api.filters import AnalysisFilter, FindingFilter
from apps.jobs.api.serializers import (
    AnalysisCreateSerializer,
    AnalysisSerializer,
    EventSerializer,
    PageSerializer,
)
from apps.jobs.events import events_after
from apps.jobs.models import Job, Page

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Retrying a create with the same key returns the analysis the first call made.",
)

EventPage = inline_serializer(
    name="EventPage",
    fields={"results": EventSerializer(many=True), "next_after": serializers.IntegerField(allow_null=True)},
)


class AnalysisViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    queryset = Job.objects.all()
    serializer_class = AnalysisSerializer
    filterset_class = AnalysisFilter
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def _with_counts(self, jobs):
        counts = finding_counts_for(jobs)
        for job in jobs:
            job.finding_counts = counts[job.pk]
        return jobs

    @extend_schema(responses={200: AnalysisSerializer(many=True), **ERRORS(400, 401)})
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(self._with_counts(page), many=True).data)

    @extend_schema(responses={200: AnalysisSerializer, **ERRORS(401, 404)})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=AnalysisCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: AnalysisSerializer, 200: AnalysisSerializer, **ERRORS(400, 401, 429)},
        description="Queue an audit. 201 when created; 200 when an Idempotency-Key replays "
                    "an earlier request.",
    )
    def create(self, request):
        serializer = AnalysisCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip()[:255]
        job, created = services.job_create(
            user=request.user, url=serializer.validated_data["url"],
            kind=serializer.validated_data["kind"], options=serializer.to_options(),
            idempotency_key=key,
        )
        return Response(AnalysisSerializer(job).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={204: None, **ERRORS(401, 404)})
    def destroy(self, request, *args, **kwargs):
        services.job_delete(job=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: AnalysisSerializer, **ERRORS(401, 404, 409)})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = services.job_cancel(job=self.get_object())
        return Response(AnalysisSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: PageSerializer(many=True), **ERRORS(401, 404)})
    @action(detail=True, methods=["get"], filterset_class=None)
    def pages(self, request, pk=None):
        job = self.get_object()
        page = self.paginate_queryset(Page.objects.filter(job=job).order_by("id"))
        return self.get_paginated_response(PageSerializer(page, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("rule", OpenApiTypes.STR, description="Rule id, e.g. image-alt"),
            OpenApiParameter("severity", OpenApiTypes.STR, many=True,
                             enum=["critical", "serious", "moderate", "minor"]),
            OpenApiParameter("category", OpenApiTypes.STR),
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

    @extend_schema(
        parameters=[
            OpenApiParameter("after", OpenApiTypes.INT, description="Only events with a larger id."),
            OpenApiParameter("limit", OpenApiTypes.INT, description="At most this many (≤ 500)."),
        ],
        responses={200: EventPage, **ERRORS(400, 401, 404)},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def events(self, request, pk=None):
        job = self.get_object()
        after = _non_negative_int(request.query_params, "after", 0)
        limit = min(_non_negative_int(request.query_params, "limit", 500) or 500, 500)
        rows = events_after(job.pk, after=after, limit=limit)
        return Response({
            "results": EventSerializer(rows, many=True).data,
            "next_after": rows[-1].id if rows else after,
        })


def _non_negative_int(params, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit():
        raise serializers.ValidationError({name: ["Must be a non-negative integer."]})
    return int(raw)


