from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self) -> None:
        from apps.core.lifecycle import (
            connect_recorder,
            export_ready,
            job_progress,
            job_transition_recorded,
        )
        from apps.core.metrics import register_producer
        from apps.core.system import register_stats
        from apps.notifications import webhooks
        from apps.notifications.receivers import (
            on_export_ready,
            on_progress,
            on_transition,
            on_transition_webhooks,
            progress_due,
        )

        # Recorded in the transition's own transaction: a notification or a webhook
        # delivery commits with it or not at all, and each in a savepoint of its own.
        connect_recorder(job_transition_recorded, on_transition,
                         dispatch_uid="notifications-on-transition")
        connect_recorder(job_transition_recorded, on_transition_webhooks,
                         dispatch_uid="webhooks-on-transition")
        connect_recorder(export_ready, on_export_ready,
                         dispatch_uid="notifications-on-export-ready")
        connect_recorder(job_progress, on_progress, dispatch_uid="notifications-on-progress",
                         gate=progress_due)
        register_stats("webhooks", webhooks.stats)
        register_producer("webhooks", webhooks.metrics)
