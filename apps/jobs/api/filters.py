import django_filters

from apps.analyses.models import Finding, Severity
from apps.jobs.models import Job, Status


class AnalysisFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)

    class Meta:
        model = Job
        fields = ["status"]


class FindingFilter(django_filters.FilterSet):
    rule = django_filters.CharFilter(field_name="rule_id")
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    category = django_filters.CharFilter()
    page_id = django_filters.NumberFilter(field_name="page_id")
    page_url = django_filters.CharFilter(field_name="page_url")

    class Meta:
        model = Finding
        fields = ["rule", "severity", "category", "page_id", "page_url"]
