"""/api/v1/notifications: mine, newest first; unread count; mark read."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from apps.core.api.schema import ERRORS
from apps.core.api.serializers import StrictSerializer
from apps.core.api.views import OwnedViewSet
from apps.notifications import services
from apps.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "data", "created_at", "read", "read_at"]
        read_only_fields = fields

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class MarkReadSerializer(StrictSerializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=1000,
                                required=False)
    all = serializers.BooleanField(default=False)

    def validate(self, attrs):
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError({"ids": ['Give "ids", or "all": true.']})
        return attrs


Count = inline_serializer("UnreadCount", fields={"unread": serializers.IntegerField()})


class NotificationViewSet(mixins.ListModelMixin, OwnedViewSet):
    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        raw = self.request.query_params.get("unread")
        if raw is not None:
            if raw.lower() not in ("true", "false", "1", "0"):
                raise serializers.ValidationError({"unread": ["Use true or false."]})
            queryset = queryset.filter(read_at__isnull=raw.lower() in ("true", "1"))
        return queryset

    @extend_schema(parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL)],
                   responses={200: NotificationSerializer(many=True), **ERRORS(400, 401)})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: Count, **ERRORS(401)})
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None)
    def unread_count(self, request):
        return Response({"unread": Notification.objects.owned_by(request.user).unread().count()})

    @extend_schema(request=MarkReadSerializer, responses={200: Count, **ERRORS(400, 401, 404)},
                   description="Mark some (`ids`) or all (`all: true`) as read; answers the "
                               "unread count left. An id that is not yours is 404, and then "
                               "nothing is marked.")
    @action(detail=False, methods=["post"], url_path="mark-read", pagination_class=None)
    def mark_read(self, request):
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = sorted(set(body.validated_data.get("ids") or ()))
        everything = body.validated_data["all"]
        if not everything:
            mine = set(Notification.objects.owned_by(request.user).filter(pk__in=ids)
                       .values_list("pk", flat=True))
            if mine != set(ids):
                raise NotFound("No such notification.")
        services.mark_read(request.user, ids=ids, everything=everything)
        return Response({"unread": Notification.objects.owned_by(request.user).unread().count()})
