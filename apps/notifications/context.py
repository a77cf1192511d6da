"""The unread badge in the header of every page."""

from apps.notifications.models import Notification


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.owned_by(user).unread().count()}
