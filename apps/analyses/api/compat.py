"""The original persona service's endpoints, kept for its clients (a compatibility layer).

    POST /api/v1/analyze/single        {url, persona_template, max_pages=5}
    POST /api/v1/analyze/focus-group   {url, persona_template, num_variations=5, max_pages=5}
      -> 202 {task_id, status, message}
    GET  /api/v1/analysis/{task_id}    -> {status, result, error}

They create ordinary analyses (`kind` single / focus_group), owner-scoped and under
the same plan limits; `task_id` is the analysis id, so the native endpoints serve it
too. `additional_details` may be the structured object of the native API or, as the
original accepted, free text, read for the device, connection, needs and language it
names and kept as notes.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.analyses import services
from apps.analyses.models import PersonaReview, Report
from apps.analyses.options import AnalysisRequestSerializer, Kind
from apps.analyses.personas.group import MAX_MEMBERS
from apps.core.api.schema import ERRORS
from apps.core.api.serializers import StrictSerializer
from apps.jobs.models import Job, Status
from apps.web.urls import MAX_URL_LENGTH

STATUS = {Status.QUEUED: "pending", Status.RUNNING: "processing",
          Status.SUCCEEDED: "completed", Status.FAILED: "failed",
          Status.CANCELLED: "cancelled"}

# Free-text details, read as the original service's clients write them.
_TEXT_HINTS: tuple[tuple[str, str, str], ...] = (
    (r"\b(mobile|phone|smartphone|iphone|android)\b", "device", "mobile"),
    (r"\b(tablet|ipad)\b", "device", "tablet"),
    (r"\b(desktop|laptop|computer|pc)\b", "device", "desktop"),
    (r"\b3g\b", "connection", "3g"),
    (r"\b(slow|4g|rural)\b", "connection", "slow-4g"),
    (r"\b(broadband|fibre|fiber|wi-?fi|cable)\b", "connection", "broadband"),
    (r"\bscreen ?reader|\bblind\b|\bnvda\b|\bjaws\b|\bvoiceover\b", "need", "screen_reader"),
    (r"\bkeyboard\b", "need", "keyboard_only"),
    (r"\blow vision\b|\bmagnif|\bzoom\b|\bpartially sighted\b", "need", "low_vision"),
    (r"\bcognitive\b|\bdyslexi|\badhd\b|\blearning disabilit", "need", "cognitive"),
)


def details_from_text(text: str) -> dict:
    found: dict = {"accessibility_needs": []}
    lowered = text.lower()
    for pattern, key, value in _TEXT_HINTS:
        if re.search(pattern, lowered):
            if key == "need":
                found["accessibility_needs"].append(value)
            else:
                found.setdefault(key, value)
    found["notes"] = text[:500]
    return found


class DetailsField(serializers.JSONField):
    """An object (the native shape) or free text (the original service's)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            return details_from_text(data)
        if isinstance(data, dict) or data is None:
            return data or {}
        raise serializers.ValidationError("Give an object or a text.")


class PersonaTemplateSerializer(StrictSerializer):
    role = serializers.CharField(max_length=100)
    experience_level = serializers.CharField(max_length=20)
    primary_goal = serializers.CharField(max_length=300)
    context = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    additional_details = DetailsField(required=False)


class CompatRequestSerializer(StrictSerializer):
    url = serializers.CharField(max_length=MAX_URL_LENGTH + 1)
    persona_template = PersonaTemplateSerializer()
    max_pages = serializers.IntegerField(default=5)
    num_variations = serializers.IntegerField(default=5, min_value=1, max_value=MAX_MEMBERS)


TaskAccepted = inline_serializer("CompatTask", fields={
    "task_id": serializers.UUIDField(), "status": serializers.CharField(),
    "message": serializers.CharField()})
TaskResult = inline_serializer("CompatResult", fields={
    "status": serializers.ChoiceField(choices=sorted(set(STATUS.values()))),
    "result": serializers.JSONField(allow_null=True),
    "error": serializers.CharField(allow_null=True)})


class _Create(APIView):
    kind: Kind

    def post(self, request):
        compat = CompatRequestSerializer(data=request.data)
        compat.is_valid(raise_exception=True)
        data = compat.validated_data
        native = {"url": data["url"], "kind": self.kind.value, "max_pages": data["max_pages"],
                  "persona": {key: value for key, value in data["persona_template"].items()}}
        if self.kind == Kind.FOCUS_GROUP:
            native["num_variations"] = data["num_variations"]
        serializer = AnalysisRequestSerializer(data=native)
        if not serializer.is_valid():  # name the fields as this client sent them
            errors = dict(serializer.errors)
            if "persona" in errors:
                errors["persona_template"] = errors.pop("persona")
            raise serializers.ValidationError(errors)
        job, _created = services.analysis_create(user=request.user,
                                                 request=serializer.to_request())
        return Response({"task_id": str(job.pk), "status": STATUS[job.status],
                         "message": f"Analysis queued: GET /api/v1/analysis/{job.pk}"},
                        status=status.HTTP_202_ACCEPTED)


def _create_view(kind: Kind, description: str) -> type[_Create]:
    def post(self, request):  # a function of its own: extend_schema annotates it
        return _Create.post(self, request)

    schema = extend_schema(request=CompatRequestSerializer,
                           responses={202: TaskAccepted, **ERRORS(400, 401, 429)},
                           tags=["compatibility"], description=description)
    name = f"Compat{kind.value.title().replace('_', '')}View"
    return type(name, (_Create,), {"kind": kind, "post": schema(post)})


SingleView = _create_view(Kind.SINGLE, "The original service's single-persona review (a "
                                       "`kind: single` analysis; `num_variations` is ignored).")
FocusGroupView = _create_view(Kind.FOCUS_GROUP, "The original service's focus group (a "
                                                "`kind: focus_group` analysis).")


def compat_result(job: Job) -> dict | None:
    if job.status != Status.SUCCEEDED:
        return None
    report = Report.objects.filter(job=job).first()
    reviews = list(PersonaReview.objects.filter(job=job).order_by("member"))
    members = [{"member": r.member, "persona": r.persona, "varied": r.varied,
                "scores": r.scores, "overall": r.overall, "observations": r.observations}
               for r in reviews]
    result = {"url": job.url, "kind": job.kind, "pages_analyzed": job.pages_done,
              "scores": report.scores if report else None}
    if job.kind == Kind.FOCUS_GROUP:
        result.update(variations=members, summary=report.personas if report else None)
    else:
        result["persona_review"] = members[0] if members else None
    return result


class TaskView(APIView):
    @extend_schema(responses={200: TaskResult, **ERRORS(401, 404)}, tags=["compatibility"],
                   description="The original service's task status: `pending`, `processing`, "
                               "`completed` (with `result`), `failed` (with `error`).")
    def get(self, request, task_id):
        job = Job.objects.owned_by(request.user).filter(pk=task_id).first()
        if job is None:
            raise NotFound("No such analysis.")
        return Response({"status": STATUS[job.status], "result": compat_result(job),
                         "error": (job.error or job.error_code) if job.status == Status.FAILED
                         else None})
