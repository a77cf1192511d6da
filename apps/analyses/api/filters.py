import django_filters

from apps.analyses.analyzers import rule_ids_in
from apps.analyses.analyzers.taxonomy import Category, Outcome, Severity, choices
from apps.analyses.models import Finding
from apps.jobs.models import Job, Status


class AnalysisFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)

    class Meta:
        model = Job
        fields = ["status"]


class FindingFilter(django_filters.FilterSet):
    rule = django_filters.CharFilter(field_name="rule_id")
    severity = django_filters.MultipleChoiceFilter(choices=choices(Severity))
    category = django_filters.ChoiceFilter(choices=choices(Category), method="in_category")
    outcome = django_filters.ChoiceFilter(choices=choices(Outcome))
    page_id = django_filters.NumberFilter(field_name="page_id")
    page_url = django_filters.CharFilter(field_name="page_url")

    class Meta:
        model = Finding
        fields = ["rule", "severity", "category", "outcome", "page_id", "page_url"]

    def in_category(self, queryset, name, value):
        """A rule may count in several categories (Lighthouse's SEO category includes
        `document-title` and `image-alt`): the registry says which rules count here."""
        return queryset.filter(rule_id__in=rule_ids_in(value))
