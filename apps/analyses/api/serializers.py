from rest_framework import serializers

from apps.analyses.models import Finding


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["id", "rule_id", "category", "severity", "tags", "page_url", "selector",
                  "snippet", "message", "help", "help_url"]
        read_only_fields = fields
