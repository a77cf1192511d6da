from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "apps.exports"
    label = "exports"

    def ready(self) -> None:
        from apps.analyses import outputs
        from apps.core.lifecycle import job_transition
        from apps.exports.formats import FORMATS
        from apps.exports.receivers import on_transition

        for output in FORMATS:
            outputs.register(output)
        job_transition.connect(on_transition, dispatch_uid="exports-on-transition")
