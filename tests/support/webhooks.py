"""A webhook receiver on 127.0.0.1 that verifies every signature with the
standardwebhooks library, the way a user's service would."""

from __future__ import annotations

import threading

from standardwebhooks.webhooks import Webhook

from tests.support.http_server import LocalHTTPServer, Reply


class Receiver:
    """Records verified deliveries; answers what `answers` says, in order, then 204
    (while `down`, 503 to everything)."""

    def __init__(self, server: LocalHTTPServer) -> None:
        self.server, self.secret, self.answers = server, None, []
        self.received, self.verified = [], []
        self.lock = threading.Lock()
        self.down = False
        server.route("/hook", self.handle)

    @property
    def url(self) -> str:
        return self.server.url("/hook")

    def handle(self, handler):
        body = handler.recorded.body  # the server read it before calling us
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self.lock:
            self.received.append(headers)
            if self.down:
                answer = Reply(503, "down for maintenance")
            else:
                answer = self.answers.pop(0) if self.answers else Reply(204)
        if callable(answer):
            return answer(handler)
        if 200 <= answer.status < 300:
            payload = Webhook(self.secret).verify(body, headers)  # raises when invalid
            self.verified.append((headers["webhook-id"], payload))
        return answer
