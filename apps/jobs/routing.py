from django.urls import re_path

from apps.jobs.consumers import AnalysisEventsConsumer

websocket_urlpatterns = [
    re_path(r"^ws/v1/analyses/(?P<job_id>[0-9a-fA-F-]{36})/?$", AnalysisEventsConsumer.as_asgi()),
]
