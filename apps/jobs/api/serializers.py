"""Job-level API shapes: the status every job has, its events and its log lines."""

from __future__ import annotations

from rest_framework import serializers

from apps.jobs.models import Job, JobEvent

JOB_FIELDS = [
    "id", "kind", "url", "status", "stage", "pages_done", "pages_total", "attempt",
    "created_at", "started_at", "finished_at", "duration_seconds", "error",
    "retry_of", "retries", "pruned",
]


class JobSerializer(serializers.ModelSerializer):
    """What every job shows. Kinds extend it (`Meta.fields = [*JOB_FIELDS, ...]`)."""

    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)
    error = serializers.SerializerMethodField()
    retry_of = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True,
                                                  help_text="The analysis this one retries.")
    retries = serializers.SerializerMethodField(help_text="Analyses that retry this one.")

    class Meta:
        model = Job
        fields = JOB_FIELDS
        read_only_fields = fields

    def get_error(self, job: Job) -> dict | None:
        if not job.error_code:
            return None
        return {"code": job.error_code, "message": job.error}

    def get_retries(self, job: Job) -> list[str]:
        return [str(retry.pk) for retry in job.retries.all()]


class JobStatusSerializer(serializers.ModelSerializer):
    """The few fields a poller needs."""

    class Meta:
        model = Job
        fields = ["id", "status", "stage", "pages_done", "pages_total", "attempt",
                  "cancel_requested", "finished_at"]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobEvent
        fields = ["id", "type", "data", "created_at"]
        read_only_fields = fields


class LogLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    level = serializers.CharField()
    message = serializers.CharField()
