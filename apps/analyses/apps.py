from django.apps import AppConfig


class AnalysesConfig(AppConfig):
    name = "apps.analyses"
    label = "analyses"

    def ready(self) -> None:
        from apps.analyses import metrics
        from apps.analyses.options import Kind
        from apps.analyses.pipeline import audit
        from apps.analyses.selectors import audit_summary
        from apps.core.metrics import register_producer
        from apps.jobs import kinds

        register_producer("analyses", metrics.produce)
        kinds.register(kinds.JobKind(name=Kind.AUDIT, run=audit.run, summary=audit_summary))
        for kind in (Kind.SINGLE, Kind.FOCUS_GROUP):
            kinds.register(kinds.JobKind(name=kind, run=audit.run_with_personas,
                                         summary=audit_summary))
