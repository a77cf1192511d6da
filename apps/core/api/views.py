"""Shared API bases: every queryset is scoped to the requesting user here, once."""

from __future__ import annotations

from rest_framework import generics, viewsets


class OwnedQuerysetMixin:
    """Filter `queryset` to objects owned by request.user (`owner_field`).

    Another user's id therefore answers 404, never 403, and never data.
    """

    owner_field = "owner"

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return queryset.none()
        return queryset.filter(**{self.owner_field: self.request.user})


class OwnedViewSet(OwnedQuerysetMixin, viewsets.GenericViewSet):
    pass


class OwnedListView(OwnedQuerysetMixin, generics.ListAPIView):
    pass
