"""Shared API bases: every queryset is scoped to the requesting user here, once."""

from __future__ import annotations

from rest_framework import permissions, viewsets


class OwnedQuerysetMixin:
    """Scope `queryset` to request.user through the model's `owned_by` (the one
    owner-scoping rule, `apps.core.models.OwnedQuerySet`).

    Another user's id therefore answers 404, never 403, and never data. Operators are
    the exception a permission makes (staff users in the seeded `staff` group; admins
    have every permission): with `staff_readable`, one holding the model's view permission reads
    anyone's object (lists stay their own unless `?owner=all`), and `staff_actions`
    maps an action to the permission that lets it act on anyone's.
    """

    staff_readable = False
    staff_actions: dict[str, str] = {}

    def get_queryset(self):
        queryset = self.get_unscoped_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return queryset.none()
        if self._operator_may(queryset.model):
            return queryset
        return queryset.owned_by(self.request.user)

    def get_unscoped_queryset(self):
        """What is scoped: `queryset` (a view may start from another for an action)."""
        return super().get_queryset()

    def _operator_may(self, model) -> bool:
        user, action = self.request.user, getattr(self, "action", None)
        if not (user.is_authenticated and user.is_staff):  # and no permission query for others
            return False
        if action in self.staff_actions:
            return user.has_perm(self.staff_actions[action])
        if not self.staff_readable or self.request.method not in permissions.SAFE_METHODS:
            return False
        if action == "list" and self.request.query_params.get("owner") != "all":
            return False
        return user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")


class OwnedViewSet(OwnedQuerysetMixin, viewsets.GenericViewSet):
    pass
