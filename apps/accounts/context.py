"""The "confirm your e-mail address" banner in the header of every page."""


def account_status(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"email_unverified": not user.email_verified}
