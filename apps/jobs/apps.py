from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "apps.jobs"
    label = "jobs"

    def ready(self) -> None:
        from apps.core import lifecycle
        from apps.core.metrics import register_producer
        from apps.core.system import register_stats
        from apps.jobs import (
            metrics,
            signals,  # noqa: F401  (django-q2 worker hooks)
            stats,
        )

        register_stats("analyses", stats.analyses)
        register_stats("queue", stats.queue)
        # Counted in the transaction that ends an analysis: once, whichever process ends it.
        lifecycle.connect_recorder(lifecycle.job_transition_recorded, metrics.on_transition,
                                   dispatch_uid="jobs-metrics")
        register_producer("jobs", metrics.produce)
