"""Many requests by one user at the same instant, from as many threads (each with its
own database connection): how limits are shown to hold under a burst."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken


def at_once(user, n: int, call: Callable[[APIClient], object]) -> list:
    """`call(client)` from `n` threads released together; the answers."""
    token = str(AccessToken.for_user(user))
    answers = []
    barrier = threading.Barrier(n)

    def run():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        try:
            answers.append(call(client))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers
