from rest_framework.throttling import SimpleRateThrottle


class PlanRateThrottle(SimpleRateThrottle):
    """Requests per minute from the user's plan; anonymous callers by client address."""

    scope = "plan"

    def get_rate(self) -> str:
        return "120/min"  # replaced per request in allow_request

    def allow_request(self, request, view):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.num_requests, self.duration = user.get_plan().api_rate_per_minute, 60
        else:
            self.num_requests, self.duration = 60, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ident = f"user:{user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return f"throttle_{self.scope}_{ident}"
