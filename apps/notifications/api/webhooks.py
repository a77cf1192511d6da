"""/api/v1/webhooks: endpoints (the secret shown once), test pings, secret rotation,
the deliveries log and redelivery."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from apps.core.api.schema import ERRORS
from apps.core.api.serializers import StrictSerializer
from apps.core.api.views import OwnedViewSet
from apps.notifications import webhooks
from apps.notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def _events(value: list[str]) -> list[str]:
    unknown = sorted(set(value) - set(webhooks.EVENT_TYPES))
    if unknown:
        raise serializers.ValidationError(
            f"Unknown event(s): {', '.join(unknown)}. Known: {', '.join(webhooks.EVENT_TYPES)}.")
    return value


class EndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "active", "disabled_reason",
                  "failing_since", "created_at", "secret_rotating_until"]
        read_only_fields = fields

    secret_rotating_until = serializers.DateTimeField(source="previous_secret_expires_at",
                                                      allow_null=True)


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="whsec_…: shown this once; keep it to verify "
                                             "signatures.")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class EndpointWriteSerializer(StrictSerializer):
    url = serializers.CharField(max_length=2083)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = serializers.ListField(child=serializers.CharField(max_length=40), max_length=20,
                                   required=False, validators=[_events],
                                   help_text="Event types to receive; empty: all of them.")
    active = serializers.BooleanField(required=False)


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "at", "status_code", "latency_ms", "response_excerpt", "error"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "message_id", "event_type", "status", "attempts", "next_attempt_at",
                  "last_status_code", "created_at", "delivered_at", "attempt_log"]
        read_only_fields = fields


Secret = inline_serializer("WebhookSecret", fields={"secret": serializers.CharField(),
                                                    "previous_valid_until":
                                                        serializers.DateTimeField(
                                                            allow_null=True)})


class WebhookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    queryset = WebhookEndpoint.objects.filter(one_off=False)
    serializer_class = EndpointSerializer

    @extend_schema(request=EndpointWriteSerializer,
                   responses={201: EndpointCreatedSerializer, **ERRORS(400, 401, 403)})
    def create(self, request):
        """Register an endpoint. The URL is checked by the crawler's SSRF guard; the
        answer carries the signing `secret`, the only time it is shown. 403 `plan_limit`
        when the plan's webhook endpoints are all in use."""
        body = EndpointWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {k: v for k, v in body.validated_data.items() if k != "active"}
        endpoint, secret = webhooks.endpoint_create(owner=request.user, **data)
        answer = EndpointSerializer(endpoint).data
        return Response({**answer, "secret": secret}, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndpointWriteSerializer(partial=True),
                   responses={200: EndpointSerializer, **ERRORS(400, 401, 404)})
    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        body = EndpointWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return Response(EndpointSerializer(
            webhooks.endpoint_update(endpoint, **body.validated_data)).data)

    @extend_schema(responses={204: None, **ERRORS(401, 404)})
    def destroy(self, request, pk=None):
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: DeliverySerializer, **ERRORS(401, 404)})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a signed `ping` now; its delivery shows in the log."""
        delivery = webhooks.ping(self.get_object())
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: Secret, **ERRORS(401, 404)})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new secret (shown once); for a day both the old and the new one sign."""
        endpoint = self.get_object()
        secret = webhooks.rotate_secret(endpoint)
        return Response({"secret": secret,
                         "previous_valid_until": endpoint.previous_secret_expires_at})

    @extend_schema(request=None, responses={200: Secret, **ERRORS(401)})
    @action(detail=False, methods=["post"], url_path="one-off-secret")
    def one_off_secret(self, request):
        """The secret that signs deliveries to analyses' one-off `webhook_url`: a new one,
        shown this once; the previous one (if any) still signs for a day."""
        secret, previous_until = webhooks.one_off_secret(request.user)
        return Response({"secret": secret, "previous_valid_until": previous_until})

    @extend_schema(responses={200: DeliverySerializer(many=True), **ERRORS(401, 404)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """Every delivery to this endpoint, newest first, with each attempt."""
        endpoint = self.get_object()
        page = self.paginate_queryset(WebhookDelivery.objects.filter(endpoint=endpoint)
                                      .prefetch_related("attempt_log"))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: DeliverySerializer, **ERRORS(401, 404, 409)})
    @action(detail=False, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]+)/redeliver")
    def redeliver(self, request, delivery_id=None):
        """Send a delivery again now, with the same webhook-id and body; 409 while an
        attempt at it is under way or its endpoint is disabled."""
        delivery = WebhookDelivery.objects.owned_by(request.user).filter(pk=delivery_id).first()
        if delivery is None:
            raise NotFound("No such delivery.")
        webhooks.redeliver(delivery)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
