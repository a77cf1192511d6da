"""The production URLs plus `GET /bench/bare`: a bare Django JSON view, the peer of
`GET /api/v1/analyses/{id}` in `benchmarks/api.py`. It goes through the same
middleware, but no DRF, authentication, throttle, query or serializer: it returns a
payload of the API response's size (read once from the file named by
SITELENS_BENCH_BARE_PAYLOAD, which api.py writes from a real API response)."""

import json
import os
from functools import cache

from django.http import JsonResponse
from django.urls import path

from config.urls import handler400, handler404, handler500, urlpatterns  # noqa: F401


@cache
def _payload() -> dict:
    name = os.environ.get("SITELENS_BENCH_BARE_PAYLOAD")
    if not name:
        return {"detail": "SITELENS_BENCH_BARE_PAYLOAD is not set"}
    with open(name) as file:
        return json.load(file)


def bare(request):
    # Compact, as DRF's JSONRenderer writes it, so both bodies have the same bytes.
    return JsonResponse(_payload(), json_dumps_params={"separators": (",", ":"),
                                                       "ensure_ascii": False})


urlpatterns = [path("bench/bare", bare), *urlpatterns]
