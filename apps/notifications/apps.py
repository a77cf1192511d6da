from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self) -> None:
        from apps.core.lifecycle import export_ready, job_progress, job_transition
        from apps.notifications.receivers import (
            on_export_ready,
            on_progress,
            on_transition,
            on_transition_webhooks,
        )

        job_transition.connect(on_transition, dispatch_uid="notifications-on-transition")
        job_transition.connect(on_transition_webhooks, dispatch_uid="webhooks-on-transition")
        job_progress.connect(on_progress, dispatch_uid="notifications-on-progress")
        export_ready.connect(on_export_ready, dispatch_uid="notifications-on-export-ready")
