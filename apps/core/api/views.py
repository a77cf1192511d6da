"""Shared API bases: every queryset is scoped to the requesting user here, once."""

from __future__ import annotations

from rest_framework import viewsets


class OwnedQuerysetMixin:
    """Scope `queryset` to request.user through the model's `owned_by` (the one
    owner-scoping rule, `apps.core.models.OwnedQuerySet`).

    Another user's id therefore answers 404, never 403, and never data.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return queryset.none()
        return queryset.owned_by(self.request.user)


class OwnedViewSet(OwnedQuerysetMixin, viewsets.GenericViewSet):
    pass
