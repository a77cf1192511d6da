"""ASGI routes the jobs app serves itself, outside Django's request handler."""

from django.urls import re_path

from apps.jobs.consumers import AnalysisEventsConsumer, DashboardConsumer
from apps.jobs.sse import event_stream_app
from apps.jobs.ws_auth import HttpStreamAuthMiddleware

# Any id segment reaches the consumer, which answers 4404 unless it is a UUID of a
# job of the user: a malformed id never gets as far as a query.
websocket_urlpatterns = [
    re_path(r"^ws/v1/analyses/?$", DashboardConsumer.as_asgi()),
    re_path(r"^ws/v1/analyses/(?P<job_id>[^/]+)/?$", AnalysisEventsConsumer.as_asgi()),
]

# Long-lived HTTP responses that must not hold a thread each (see apps.jobs.sse).
stream_urlpatterns = [
    re_path(r"^api/v1/analyses/(?P<job_id>[^/]+)/events/stream/?$",
            HttpStreamAuthMiddleware(event_stream_app)),
]
