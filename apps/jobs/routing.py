from django.urls import re_path

from apps.jobs.consumers import AnalysisEventsConsumer, DashboardConsumer

# Any id segment reaches the consumer, which answers 4404 unless it is a UUID of a
# job of the user: a malformed id never gets as far as a query.
websocket_urlpatterns = [
    re_path(r"^ws/v1/analyses/?$", DashboardConsumer.as_asgi()),
    re_path(r"^ws/v1/analyses/(?P<job_id>[^/]+)/?$", AnalysisEventsConsumer.as_asgi()),
]
