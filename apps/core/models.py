"""Model bits every app shares."""

from __future__ import annotations

from django.db import models


class OwnedQuerySet(models.QuerySet):
    """The one owner-scoping rule: `Model.objects.owned_by(user)`.

    The API's shared base, the HTML views and the WebSocket consumers all scope
    through this method, so "whose is it" is decided in one place. Models owned
    through a relation set `owner_field` (e.g. ``"job__owner"``).
    """

    owner_field = "owner"

    def owned_by(self, user) -> OwnedQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(**{self.owner_field: user})


class MetricCounter(models.Model):
    """A Prometheus counter that any process adds to (apps.core.metrics.add)."""

    name = models.CharField(max_length=100)
    labels = models.CharField(max_length=300, default="{}")  # sorted JSON
    value = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "labels"],
                                               name="one_metric_counter_per_labels")]

    def __str__(self) -> str:
        return f"{self.name}{self.labels} = {self.value:g}"
