"""Server-Sent Events, the synchronous `wait` and the dashboard WebSocket through real
processes: daphne for the web, a qcluster for the worker."""

import asyncio
import contextlib
import http.client
import json
import socket
import ssl
import threading
import time
from pathlib import Path

import pytest
import requests
import websockets
from rest_framework_simplejwt.tokens import AccessToken
from websockets.client import ClientProtocol
from websockets.frames import Close, Frame, Opcode
from websockets.uri import parse_uri

from apps.jobs.models import Job, JobEvent
from tests.e2e.conftest import free_port, wait_for
from tests.factories import JobFactory

pytestmark = pytest.mark.e2e


def read_sse(response, *, stop_after: int | None = None) -> tuple[list[dict], list[str]]:
    """A small SSE client: (events as dicts with id/event/data, comment lines)."""
    events, comments, current = [], [], {}
    for raw in response.iter_lines(decode_unicode=True):
        if raw == "":
            if "data" in current:
                events.append({"id": int(current["id"]), "event": current["event"],
                               "data": json.loads(current["data"])})
                if stop_after is not None and len(events) >= stop_after:
                    break
            current = {}
        elif raw.startswith(":"):
            comments.append(raw)
        else:
            field, _, value = raw.partition(":")
            current[field] = value.lstrip(" ")
    return events, comments


def test_sse_streams_a_live_audit_and_a_reconnect_loses_and_repeats_nothing(processes, site,
                                                                            user):
    port = free_port()
    processes.daphne(port)
    processes.qcluster()
    auth = {"Authorization": f"Bearer {AccessToken.for_user(user)}"}
    base = f"http://127.0.0.1:{port}/api/v1/analyses"
    job_id = requests.post(base, headers=auth, timeout=10,
                           json={"url": site.url, "max_pages": 30, "max_depth": 3}).json()["id"]
    stream = f"{base}/{job_id}/events/stream"

    with requests.get(stream, headers={**auth, "Accept": "text/event-stream"}, stream=True,
                      timeout=60) as first:
        assert first.status_code == 200
        assert first.headers["Content-Type"].startswith("text/event-stream")
        head, _ = read_sse(first, stop_after=5)  # then the client drops the connection
    with requests.get(stream, headers={**auth, "Last-Event-ID": str(head[-1]["id"])},
                      stream=True, timeout=60) as second:
        rest, _ = read_sse(second)  # the server closes after the final event
    received = head + rest
    ids = [e["id"] for e in received]
    assert ids == sorted(set(ids))
    stored = list(JobEvent.objects.filter(job_id=job_id).order_by("id").values_list("id", "type"))
    assert [(e["id"], e["event"]) for e in received] == stored  # every one, once, in order
    assert received[-1]["event"] == "completed"
    assert {e["event"] for e in received} >= {"status", "progress", "page", "finding", "log"}
    assert received[0]["data"]["id"] == received[0]["id"]  # data is the WebSocket message


def test_sse_sends_keep_alives_and_holds_no_thread_per_client(processes, user):
    port = free_port()
    processes.extra_env["SITELENS_SSE_KEEPALIVE_SECONDS"] = "1"
    daphne = processes.daphne(port)
    job = JobFactory(owner=user, status="running")
    auth = {"Authorization": f"Bearer {AccessToken.for_user(user)}"}
    url = f"http://127.0.0.1:{port}/api/v1/analyses/{job.pk}/events/stream"

    def threads() -> int:
        return len(list(Path(f"/proc/{daphne.pid}/task").iterdir()))

    with requests.get(url, headers=auth, stream=True, timeout=30) as probe:
        lines = probe.iter_lines(decode_unicode=True)
        comment = next(line for line in lines if line.startswith(":"))
        assert comment == ": keep-alive"
    before = threads()
    opened, stop = [], threading.Event()

    def hold():
        with requests.get(url, headers=auth, stream=True, timeout=30) as response:
            opened.append(response.status_code)
            for _ in response.iter_lines():  # a keep-alive every second
                if stop.is_set():
                    return

    clients = [threading.Thread(target=hold, daemon=True) for _ in range(40)]
    for client in clients:
        client.start()
    wait_for(lambda: len(opened) == 40, timeout=30, what="40 open streams")
    time.sleep(2)  # every stream has polled and sent a keep-alive by now
    during = threads()
    stop.set()
    for client in clients:
        client.join(timeout=10)
    assert set(opened) == {200}
    assert during - before < 10, (before, during)  # not one thread per client


def test_a_create_that_waits_answers_with_the_finished_analysis(processes, site, user):
    port = free_port()
    processes.daphne(port)
    processes.qcluster()
    auth = {"Authorization": f"Bearer {AccessToken.for_user(user)}"}
    response = requests.post(f"http://127.0.0.1:{port}/api/v1/analyses", headers=auth,
                             json={"url": site.url, "wait": 25}, timeout=40)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "succeeded" and body["pages_done"] == 10
    worker = Job.objects.get(pk=body["id"]).worker
    assert worker.split(":")[1] != str(processes.procs[0].pid)  # the worker ran it, not daphne


def test_the_dashboard_websocket_shows_my_analyses_live(processes, site, user):
    port = free_port()
    processes.daphne(port)
    processes.qcluster()
    auth = {"Authorization": f"Bearer {AccessToken.for_user(user)}"}

    async def watch() -> list[dict]:
        received = []
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/v1/analyses/",
                                      additional_headers=auth, open_timeout=10) as ws:
            await asyncio.to_thread(
                requests.post, f"http://127.0.0.1:{port}/api/v1/analyses", headers=auth,
                json={"url": site.url, "max_pages": 5, "max_depth": 1}, timeout=10)
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=60))
                received.append(message)
                if message["type"] == "completed":
                    return received

    received = asyncio.run(watch())
    assert {m["type"] for m in received} <= {"status", "progress", "completed", "failed"}
    assert [m["data"]["pages_done"] for m in received if m["type"] == "progress"] == [1, 2, 3, 4, 5]
    assert len({m["job"] for m in received}) == 1


def _small_window(port: int) -> socket.socket:
    """A connection to daphne whose receive buffer holds 4 KiB: a slow link."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(30)
    sock.connect(("127.0.0.1", port))
    return sock


def _open_websocket(sock: socket.socket, port: int, job, user) -> ClientProtocol:
    client = ClientProtocol(parse_uri(f"ws://127.0.0.1:{port}/ws/v1/analyses/{job.pk}/"),
                            max_size=None)
    request = client.connect()
    request.headers["Authorization"] = f"Bearer {AccessToken.for_user(user)}"
    client.send_request(request)
    sock.sendall(b"".join(client.data_to_send()))
    return client


def _read_websocket(sock: socket.socket, client: ClientProtocol, *, chunk: int = 65536,
                    pause: float = 0) -> tuple[list[dict], int]:
    """Every event until the server's closing frame: (events, close code). Reads `chunk`
    bytes at a time, `pause` seconds apart."""
    frames, closed = [], None
    with sock:
        while closed is None:
            data = sock.recv(chunk)
            client.receive_data(data) if data else client.receive_eof()
            for event in client.events_received():
                if isinstance(event, Frame) and event.opcode == Opcode.TEXT:
                    frames.append(json.loads(event.data))
                elif isinstance(event, Frame) and event.opcode == Opcode.CLOSE:
                    closed = Close.parse(event.data).code
            assert data or closed is not None, f"cut off after {len(frames)} events"
            time.sleep(pause)
    assert client.handshake_exc is None
    return frames, closed


def test_a_websocket_reader_slower_than_its_socket_gets_every_frame_and_costs_no_memory(
        processes, user):
    """A client that lets 32 MB of events pile up: daphne holds back its stream while
    the connection's buffer is full instead of buffering the whole log. The frames it
    writes to the socket itself and those Twisted buffers once the socket is full
    arrive whole and in order, then the close."""
    port = free_port()
    daphne = processes.daphne(port)
    job = JobFactory(owner=user, status="succeeded")
    filler = "x" * 4000
    JobEvent.objects.bulk_create([JobEvent(job=job, type="log", data={"message": f"{n} {filler}"})
                                  for n in range(8000)])
    JobEvent.objects.create(job=job, type="status", data={"status": "succeeded"})
    expected = list(JobEvent.objects.filter(job=job).order_by("id").values_list("id", "data"))

    def rss_kib() -> int:
        return int(Path(f"/proc/{daphne.pid}/status").read_text()
                   .split("VmRSS:")[1].split()[0])

    sock = _small_window(port)
    before = rss_kib()
    client = _open_websocket(sock, port, job, user)
    time.sleep(2)  # read nothing while daphne writes
    grown = rss_kib() - before
    frames, closed = _read_websocket(sock, client)
    assert [(m["id"], m["data"]) for m in frames] == expected
    assert closed == 1000
    # 8 MiB here (the first connection's imports included), 37 MiB without holding back.
    assert grown < 16 * 1024, f"daphne grew by {grown} KiB for a reader that does not read"


def test_an_sse_reader_slower_than_its_socket_gets_every_event_and_costs_no_memory(
        processes, user):
    """The event stream holds back while the connection's buffer is full, as the
    WebSocket does, instead of buffering the whole log for a client that does not read."""
    port = free_port()
    daphne = processes.daphne(port)
    job = JobFactory(owner=user, status="succeeded")
    JobEvent.objects.bulk_create([JobEvent(job=job, type="log", data={"message": f"{n} {'x' * 4000}"})
                                  for n in range(8000)])
    JobEvent.objects.create(job=job, type="status", data={"status": "succeeded"})
    expected = list(JobEvent.objects.filter(job=job).order_by("id").values_list("id", flat=True))
    status = Path(f"/proc/{daphne.pid}/status")

    def rss_kib() -> int:
        return int(status.read_text().split("VmRSS:")[1].split()[0])

    with _small_window(port) as sock:
        before = rss_kib()
        sock.sendall(f"GET /api/v1/analyses/{job.pk}/events/stream HTTP/1.1\r\n"
                     f"Host: 127.0.0.1\r\nConnection: close\r\n"
                     f"Authorization: Bearer {AccessToken.for_user(user)}\r\n\r\n".encode())
        time.sleep(2)  # read nothing while daphne writes
        grown = rss_kib() - before
        response = http.client.HTTPResponse(sock)  # reads the chunked body whole
        response.begin()
        body = response.read().decode()
    assert response.status == 200
    events = [json.loads(line[len("data: "):]) for line in body.splitlines()
              if line.startswith("data: ")]
    assert [event["id"] for event in events] == expected
    # 37 MiB without holding back (the whole log in Twisted's buffer).
    assert grown < 16 * 1024, f"daphne grew by {grown} KiB for a reader that does not read"


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName(
                       [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_streams_over_tls_arrive_encrypted_and_whole(processes, user, tmp_path):
    """Under TLS the connection's transport is Twisted's TLS wrapper: the frames must go
    through it (apps.jobs.connection writes plain sockets only)."""
    port = free_port()
    certificate, key = _self_signed(tmp_path)
    processes.daphne(port, tls=(certificate, key))
    job = JobFactory(owner=user, status="succeeded")
    for n in range(30):
        JobEvent.objects.create(job=job, type="log", data={"message": f"line {n}"})
    JobEvent.objects.create(job=job, type="status", data={"status": "succeeded"})
    expected = list(JobEvent.objects.filter(job=job).order_by("id").values_list("id", flat=True))
    auth = {"Authorization": f"Bearer {AccessToken.for_user(user)}"}
    context = ssl.create_default_context(cafile=str(certificate))

    async def collect() -> list[int]:
        async with websockets.connect(f"wss://127.0.0.1:{port}/ws/v1/analyses/{job.pk}/",
                                      additional_headers=auth, ssl=context,
                                      open_timeout=10) as ws:
            return [json.loads(message)["id"] async for message in ws]

    assert asyncio.run(collect()) == expected
    stream = requests.get(f"https://127.0.0.1:{port}/api/v1/analyses/{job.pk}/events/stream",
                          headers=auth, verify=str(certificate), timeout=30)
    assert [int(line[4:]) for line in stream.text.splitlines() if line.startswith("id: ")] == expected


def test_a_websocket_reader_slow_to_the_end_still_gets_the_last_frames_and_the_close(
        processes, user):
    """autobahn aborts the connection a second after it queues the closing frame, and an
    abort drops what the kernel still holds: the stream closes only once the reader has
    everything (40 KB a second here, ~250 KB of events)."""
    port = free_port()
    processes.daphne(port)
    job = JobFactory(owner=user, status="succeeded")
    JobEvent.objects.bulk_create([JobEvent(job=job, type="log", data={"message": f"{n} {'x' * 4000}"})
                                  for n in range(60)])
    JobEvent.objects.create(job=job, type="status", data={"status": "succeeded"})
    expected = list(JobEvent.objects.filter(job=job).order_by("id").values_list("id", flat=True))
    sock = _small_window(port)
    frames, closed = _read_websocket(sock, _open_websocket(sock, port, job, user),
                                     chunk=4096, pause=0.1)
    assert [m["id"] for m in frames] == expected
    assert closed == 1000


def test_a_stream_whose_client_stops_reading_is_aborted(processes, user):
    """SSE has no pings: a client that keeps its connection open and reads nothing would
    hold its stream forever. Past SITELENS_STREAM_STALL_SECONDS without progress the
    server aborts the connection."""
    port = free_port()
    processes.extra_env["SITELENS_STREAM_STALL_SECONDS"] = "1"
    processes.daphne(port)
    job = JobFactory(owner=user, status="succeeded")
    JobEvent.objects.bulk_create([JobEvent(job=job, type="log", data={"message": f"{n} {'x' * 4000}"})
                                  for n in range(2000)])
    JobEvent.objects.create(job=job, type="status", data={"status": "succeeded"})
    with _small_window(port) as sock:
        sock.sendall(f"GET /api/v1/analyses/{job.pk}/events/stream HTTP/1.1\r\n"
                     f"Host: 127.0.0.1\r\nAuthorization: Bearer {AccessToken.for_user(user)}"
                     f"\r\n\r\n".encode())
        wait_for(lambda: "stream aborted: its client read nothing" in processes.log("daphne"),
                 timeout=20, what=lambda: processes.log("daphne")[-2000:])
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while data := sock.recv(65536):
                received += data
    assert 0 < received.count(b"\nid: ") < 2001  # cut off: the whole log was not sent
