from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "apps.jobs"
    label = "jobs"

    def ready(self) -> None:
        from apps.core.system import register_stats
        from apps.jobs import (
            signals,  # noqa: F401  (django-q2 worker hooks)
            stats,
        )

        register_stats("analyses", stats.analyses)
        register_stats("queue", stats.queue)
