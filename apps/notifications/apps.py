from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self) -> None:
        from apps.core.lifecycle import export_ready, job_transition
        from apps.notifications.receivers import on_export_ready, on_transition

        job_transition.connect(on_transition, dispatch_uid="notifications-on-transition")
        export_ready.connect(on_export_ready, dispatch_uid="notifications-on-export-ready")
