"""Crawl benchmark: a full Sitelens audit of a generated local site vs. a bare crawler.

    .venv/bin/python benchmarks/crawl.py [--pages 2000] [--concurrency 4]
        [--database-url postgres://postgres@127.0.0.1:5432/sitelens_bench]

What it does (see benchmarks/README.md for figures):

1. writes a static site of N pages (~30 KB of HTML each, 20 internal links per page,
   deterministic, every page within a few clicks of `/`) into a temporary directory;
2. serves it on 127.0.0.1 (random port) from a separate process: by default a small
   asyncio server that keeps every response in memory (`--server threading` uses the
   stdlib ThreadingHTTPServer + SimpleHTTPRequestHandler instead, for comparison);
3. in a subprocess, crawls it with a bare reference crawler (requests.Session + lxml,
   breadth-first, same concurrency, no analysis or persistence);
4. in another subprocess, runs a real Sitelens audit of it: Django with
   `config.settings.base`, a fresh database (SQLite in the temp dir by default, or the
   PostgreSQL database named by --database-url, created and dropped here), migrate
   (in its own process), a user on a plan allowing N pages,
   `analysis_create(..., enqueue=False)` and `job_run()` - the same code path as the
   worker, timed through the runner's `RunObserver` hooks;
5. prints pages/s of both, their ratio, each process's peak RSS and CPU time, the
   static server's CPU use, and where the Sitelens main thread spent its time.

`--repeat K` alternates K runs of each and reports the median. The per-phase times come
from the runner's own timing hooks (a `RunObserver` passed to `job_run`); nothing in
Sitelens is patched.

Nothing leaves 127.0.0.1. The temp dir (and the PostgreSQL database) are removed
at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
from typing import ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "BENCH-RESULT "

# --------------------------------------------------------------------------- the site

_WORDS = (
    "analysis", "audit", "browser", "cache", "content", "crawler", "design", "document",
    "engine", "feature", "garden", "harbour", "index", "journal", "keyboard", "layout", "market",
    "network", "object", "package", "quality", "request", "service", "template", "update",
    "version", "widget", "archive", "balance", "capital", "delivery", "energy", "finance",
    "growth", "history", "insight", "justice", "knowledge", "library", "measure", "nature",
    "option", "pattern", "quarter", "record", "signal", "travel", "unique", "value", "weather",
    "yellow", "zone", "account", "budget", "channel", "detail", "effort", "factor", "general",
    "handle", "impact", "kitchen", "launch", "member", "notice", "orange", "partner", "question",
    "region", "season", "target", "useful", "visual", "window", "example", "simple", "modern",
    "classic", "bright", "careful", "direct", "early", "famous", "gentle", "honest", "local",
    "mobile", "narrow", "public", "quiet", "rapid", "secure", "steady", "strong", "tender",
    "urban", "vivid", "wooden", "annual", "basic", "central", "digital", "eastern", "formal",
    "global", "hidden", "instant", "legal", "manual", "native", "original", "planet", "river",
    "stone", "summer", "valley", "winter", "forest", "mountain", "island", "coast", "desert",
    "city", "street", "bridge", "tower", "castle", "museum", "theatre", "studio", "office",
    "factory", "school",
)
_SECTIONS = ("Overview", "Background", "Details", "Examples", "Pricing", "Questions",
             "Reviews", "Related topics")
NAV_PAGES = (0, 1, 2, 3, 4, 5)
LINKS_PER_PAGE = 20
CHILDREN_PER_PAGE = 10  # page i links to 10*i+1 .. 10*i+10: every page is within 4 clicks
TARGET_BYTES = 30_000


def page_path(i: int) -> str:
    return "/" if i == 0 else f"/articles/{i:05d}.html"


def page_file(i: int) -> str:
    return "index.html" if i == 0 else f"articles/{i:05d}.html"


def page_links(i: int, n: int) -> list[int]:
    """20 distinct other pages: the nav, the page's tree children, then random ones."""
    rng = random.Random(i * 7919 + 17)
    out: list[int] = []

    def add(j: int) -> None:
        if j != i and j < n and j not in out and len(out) < LINKS_PER_PAGE:
            out.append(j)

    for j in NAV_PAGES:
        if len([x for x in out if x in NAV_PAGES]) < 5:
            add(j)
    for j in range(CHILDREN_PER_PAGE * i + 1, CHILDREN_PER_PAGE * i + CHILDREN_PER_PAGE + 1):
        add(j)
    while len(out) < min(LINKS_PER_PAGE, n - 1):
        add(rng.randrange(n))
    return out


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def _title(i: int) -> str:
    rng = random.Random(i)
    base = f"{rng.choice(_WORDS).capitalize()} {rng.choice(_WORDS)} guide, part {i}"
    if i % 97 == 13:  # a few realistic defects: over-long titles
        base += " - " + " ".join(rng.choice(_WORDS) for _ in range(12))
    return f"{base} | Bench Site"


def render_page(i: int, n: int) -> str:
    """About 30 KB of HTML with a nav, headings, paragraphs, images and 20 internal links."""
    rng = random.Random(1_000_003 * i + 1)
    links = page_links(i, n)
    nav = [j for j in links if j in NAV_PAGES][:5]
    body_links = [j for j in links if j not in nav]
    description = " ".join(_sentence(rng) for _ in range(2))[:150]
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{_title(i)}</title>\n",
        f'<meta name="description" content="{description}">\n' if i % 41 != 7 else "",
        '<link rel="stylesheet" href="/static/site.css">\n</head>\n<body>\n',
        ('<header class="site-header"><a class="logo" href="/">'
         '<img src="/static/logo.png" alt="Bench Site"></a>\n<nav aria-label="Main">\n<ul>\n'),
        *(f'<li><a href="{page_path(j)}">{_title(j).split(",")[0]}</a></li>\n' for j in nav),
        "</ul>\n</nav>\n</header>\n<main>\n",
        f"<h1>{_title(i).split(' | ')[0]}</h1>\n",
    ]
    size = sum(len(p) for p in parts)
    section = 0
    link_iter = iter(body_links)
    while size < TARGET_BYTES - 1500:
        heading = _SECTIONS[section % len(_SECTIONS)]
        # Every 11th page skips a heading level once (heading-order).
        level = 4 if (i % 11 == 5 and section == 1) else 2
        chunk = [f'<section id="s{section}">\n<h{level}>{heading} {section + 1}</h{level}>\n']
        for k in range(rng.randint(3, 6)):
            sentences = [_sentence(rng) for _ in range(rng.randint(4, 8))]
            target = next(link_iter, None)
            if target is not None:
                text = "read more" if (i + k) % 23 == 0 else _title(target).split(",")[0]
                pos = rng.randrange(len(sentences))
                sentences[pos] += f' See <a href="{page_path(target)}">{text}</a>.'
            chunk.append(f"<p>{' '.join(sentences)}</p>\n")
        if section % 2 == 0:
            # Images: most with alt text, every third page has one without.
            missing = i % 3 == 0 and section == 2
            alt = "" if missing else f' alt="{rng.choice(_WORDS)} {rng.choice(_WORDS)} photo"'
            chunk.append(f'<figure><img src="/static/img/{(i + section) % 50}.jpg"{alt} '
                         'width="640" height="360"><figcaption>'
                         f"{_sentence(rng)}</figcaption></figure>\n")
        chunk.append("</section>\n")
        text = "".join(chunk)
        parts.append(text)
        size += len(text)
        section += 1
    rest = list(link_iter)  # links not placed in paragraphs yet
    if rest:
        parts.append('<aside><h2>Related</h2>\n<ul>\n')
        parts.extend(f'<li><a href="{page_path(j)}">{_title(j).split(",")[0]}</a></li>\n'
                     for j in rest)
        parts.append("</ul>\n</aside>\n")
    parts.append("</main>\n<footer><p>Bench Site - generated for the Sitelens crawl "
                 "benchmark.</p></footer>\n</body>\n</html>\n")
    return "".join(parts)


def generate_site(directory: Path, n: int) -> dict:
    (directory / "articles").mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(n):
        html = render_page(i, n).encode("utf-8")
        (directory / page_file(i)).write_bytes(html)
        total += len(html)
    (directory / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    return {"pages": n, "bytes": total, "avg_bytes": total // max(n, 1),
            "max_depth": max_depth(n)}


def max_depth(n: int) -> int:
    """Shortest-path depth of the deepest page (BFS over the generated links)."""
    depth = {0: 0}
    queue = deque([0])
    while queue:
        i = queue.popleft()
        for j in page_links(i, n):
            if j not in depth:
                depth[j] = depth[i] + 1
                queue.append(j)
    assert len(depth) == n, "every page must be reachable from /"
    return max(depth.values())


# --------------------------------------------------------------------------- the server


def _load_responses(directory: Path) -> dict[bytes, bytes]:
    types = {".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8"}
    responses = {}
    for path in directory.rglob("*"):
        if not path.is_file():
            continue
        body = path.read_bytes()
        rel = "/" + path.relative_to(directory).as_posix()
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: {types.get(path.suffix, 'application/octet-stream')}"
                f"\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        responses[rel.encode()] = head + body
        if rel == "/index.html":
            responses[b"/"] = head + body
    return responses


_NOT_FOUND_BODY = b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>"
_NOT_FOUND = (b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: "
              + str(len(_NOT_FOUND_BODY)).encode() + b"\r\n\r\n" + _NOT_FOUND_BODY)


class _StaticProtocol(asyncio.Protocol):
    """Minimal HTTP/1.1 keep-alive server for GET/HEAD of in-memory responses."""

    responses: ClassVar[dict[bytes, bytes]] = {}

    def connection_made(self, transport):
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > 65536:
                    self.transport.close()
                return
            head, self.buf = self.buf[:end], self.buf[end + 4:]
            line, _, headers = head.partition(b"\r\n")
            try:
                method, target, version = line.split(b" ", 2)
            except ValueError:
                self.transport.close()
                return
            response = self.responses.get(target.split(b"?", 1)[0], _NOT_FOUND)
            if method == b"HEAD":
                response = response[: response.index(b"\r\n\r\n") + 4]
            self.transport.write(response)
            if version == b"HTTP/1.0" or b"connection: close" in headers.lower():
                self.transport.close()
                return


def _serve_asyncio(directory: Path) -> None:
    _StaticProtocol.responses = _load_responses(directory)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_StaticProtocol, "127.0.0.1", 0, backlog=512)
        print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        server.close()

    asyncio.run(main())


def _serve_threading(directory: Path) -> None:
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Handler(SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive (SimpleHTTPRequestHandler sends lengths)
        # Headers and body go out in separate writes: with Nagle on, each keep-alive
        # response waits ~40 ms for the client's delayed ACK (measured: 81 pages/s).
        disable_nagle_algorithm = True

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(directory)))
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


_NGINX_CONF = """\
worker_processes 1;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ text/html html; text/plain txt; }}
    default_type application/octet-stream;
    charset utf-8;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    open_file_cache max=20000 inactive=60s;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
    }}
}}
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NginxProcess:
    """nginx (the Debian package) serving the site's files: one worker process,
    keep-alive, sendfile, no access log."""

    def __init__(self, directory: Path) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.tmp = Path(tempfile.mkdtemp(prefix="sitelens-nginx-"))
        self.port = _free_port()
        conf = self.tmp / "nginx.conf"
        conf.write_text(_NGINX_CONF.format(
            user="user root;" if os.geteuid() == 0 else "", tmp=self.tmp, port=self.port,
            root=directory))
        self.proc = subprocess.Popen([nginx, "-e", str(self.tmp / "nginx-error.log"),
                                      "-c", str(conf), "-g", "daemon off;"])
        deadline = time.monotonic() + 10
        while not _accepts(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("nginx did not start: "
                                   + (self.tmp / "nginx-error.log").read_text()[-500:])
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}/"

    def cpu_seconds(self) -> float:
        """The master's and its workers' CPU."""
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
            pids += [int(pid) for pid in children.split()]
        except OSError:
            pass
        return sum(_proc_cpu_seconds(pid) or 0.0 for pid in pids)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _accepts(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def start_server(directory: Path, kind: str):
    return NginxProcess(directory) if kind == "nginx" else ServerProcess(directory, kind)


class ServerProcess:
    def __init__(self, directory: Path, kind: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--child", "serve", "--site-dir", str(directory),
             "--server", kind],
            stdout=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"static server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}/"

    def cpu_seconds(self) -> float:
        return _proc_cpu_seconds(self.proc.pid) or 0.0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --------------------------------------------------------------------------- shared helpers


def _usage() -> dict:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"peak_rss_mib": round(ru.ru_maxrss / 1024, 1),  # Linux: KiB
            "cpu_user_s": round(ru.ru_utime, 2), "cpu_sys_s": round(ru.ru_stime, 2)}


def _proc_cpu_seconds(pid: int | None) -> float | None:
    """user+system CPU of a local process (Linux /proc), None if unknown."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _current_rss_mib() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _proc_memory_mib(pid: int) -> dict:
    """A process's peak RSS (VmHWM) and its proportional share now (Pss), in MiB."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                out[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                out["Pss"] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return out


class _PoolWatch:
    """Benchmark-only instrumentation of the content pool, which lives as long as the
    analysis's crawl: the pools alive now (for sampling), and the workers' CPU and
    memory just before each pool stops (they are gone after)."""

    def __init__(self) -> None:
        from apps.analyses.content import worker

        self.live: list = []
        self.last: list[dict] = []
        start, close = worker.ContentPool.__init__, worker.ContentPool.close
        watch = self

        def watched_init(pool, processes: int) -> None:
            start(pool, processes)
            watch.live.append(pool)

        def watched_close(pool) -> None:
            watch.last = _content_worker_memory(pool)
            watch.live.remove(pool)
            close(pool)

        worker.ContentPool.__init__ = watched_init
        worker.ContentPool.close = watched_close

    def pids(self) -> list[int]:
        """This process, the live pools' workers and their fork server."""
        pids = [os.getpid()]
        for pool in list(self.live):
            workers = _worker_pids(pool)
            server = _fork_server_pid(workers)
            pids += workers + ([server] if server is not None else [])
        return pids


def _worker_pids(pool) -> list[int]:
    return list(getattr(pool.executor, "_processes", {}) or {})


def _content_worker_memory(pool) -> list[dict]:
    """A content pool's processes: CPU and memory (the pool's private process table)."""
    pids = _worker_pids(pool)
    out = [{"pid": pid, "role": "worker", "cpu_s": _proc_cpu_seconds(pid),
            **_proc_memory_mib(pid)} for pid in pids]
    server = _fork_server_pid(pids)
    if server is not None:
        out.append({"pid": server, "role": "fork server", **_proc_memory_mib(server)})
    return out


def _fork_server_pid(worker_pids: list[int]) -> int | None:
    """The process the content workers were forked from (it holds the shared pages)."""
    try:
        status = Path(f"/proc/{worker_pids[0]}/status").read_text()
        parent = int(next(line.split()[1] for line in status.splitlines()
                          if line.startswith("PPid:")))
    except (IndexError, OSError, StopIteration, ValueError):
        return None
    return parent if parent != os.getpid() else None


def _total_pss_mib(pids: list[int]) -> float:
    """The processes' proportional set size together: pages shared between them
    (the fork server's models) are counted once."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            pass
    return round(total / 1024, 1)


def _emit(result: dict) -> None:
    print(RESULT_PREFIX + json.dumps(result), flush=True)


# --------------------------------------------------------------------------- bare crawl


def _bare_crawl(start: str, concurrency: int, max_pages: int) -> None:
    import lxml.html
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.trust_env = False
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(concurrency, 10))
    session.mount("http://", adapter)
    site = urlsplit(start).netloc

    def fetch(url: str) -> tuple[str, int, int, list[str]]:
        resp = session.get(url, timeout=30)
        body = resp.content
        links: list[str] = []
        if resp.status_code == 200 and resp.headers.get("content-type", "").startswith(
                "text/html"):
            tree = lxml.html.document_fromstring(body)
            for href in tree.xpath("//a/@href"):
                parts = urlsplit(urljoin(url, href.strip()))
                if parts.scheme in ("http", "https") and parts.netloc == site:
                    links.append(urlunsplit((parts.scheme, parts.netloc, parts.path or "/",
                                             parts.query, "")))
        return url, resp.status_code, len(body), links

    seen = {start}
    queue = deque([start])
    pages = errors = size = 0
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        in_flight = set()
        while queue or in_flight:
            while queue and len(in_flight) < concurrency:
                in_flight.add(pool.submit(fetch, queue.popleft()))
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                _url, status, nbytes, links = future.result()
                pages += 1
                size += nbytes
                errors += status != 200
                for link in links:
                    if link not in seen and len(seen) < max_pages:
                        seen.add(link)
                        queue.append(link)
    wall = time.perf_counter() - started
    _emit({"pages": pages, "errors": errors, "bytes": size, "wall_s": round(wall, 3),
           **_usage()})


# --------------------------------------------------------------------------- Scrapy


def _scrapy_crawl(start: str, max_pages: int) -> None:
    """The peer most Python users would reach for: Scrapy's bare crawl of the same site,
    16 concurrent requests, its LinkExtractor plus one XPath per page; no analysis and
    nothing stored (needs the optional `bench` dependencies: pip install -e '.[bench]')."""
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor

    parts = urlsplit(start)
    origin = f"{parts.scheme}://{parts.netloc}/"
    counted = {"pages": 0, "bytes": 0, "errors": 0}

    class SiteSpider(scrapy.Spider):
        name = "bench"
        start_urls = [start]
        # allow_domains compares host:port with the domain: an origin prefix instead.
        links = LinkExtractor(allow=[rf"^{re.escape(origin)}"])

        def parse(self, response):
            counted["pages"] += 1
            counted["bytes"] += len(response.body)
            counted["errors"] += response.status != 200
            response.xpath("//title/text()").get()
            for link in self.links.extract_links(response):
                yield response.follow(link, callback=self.parse)

    process = CrawlerProcess(settings={
        "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "CLOSESPIDER_PAGECOUNT": max_pages, "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "ERROR",
        "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False, "RETRY_ENABLED": False,
        "HTTPCACHE_ENABLED": False, "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    })
    process.crawl(SiteSpider)
    started = time.perf_counter()
    process.start()
    wall = time.perf_counter() - started
    _emit({"pages": min(counted["pages"], max_pages), "errors": counted["errors"],
           "bytes": counted["bytes"], "wall_s": round(wall, 3), **_usage()})


# --------------------------------------------------------------------------- Sitelens


def _crawler_alone(start: str, concurrency: int, max_pages: int) -> None:
    """Sitelens's crawler with nothing after it: the guarded client (address checks,
    size and time limits, decompression), robots.txt, the sitemap probe, the frontier,
    the per-host politeness gap, charset decoding and the one HTML5 tree per page,
    exactly as an audit builds them (`AnalysisOptions.crawl_options()`); no rules,
    no content extraction, nothing stored."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    import django

    django.setup()
    from apps.analyses.options import AnalysisOptions
    from apps.core.outbound import guarded_client
    from apps.web.crawler import Crawler

    options = AnalysisOptions(max_pages=max_pages, max_depth=20,
                              concurrency=concurrency).crawl_options()
    pages = errors = size = 0
    started = time.perf_counter()
    with guarded_client(user_agent=options.user_agent) as client:
        for page in Crawler(start, options, client).crawl():
            pages += 1
            size += page.size_bytes
            errors += page.status != 200 or page.document is None
    wall = time.perf_counter() - started
    _emit({"pages": pages, "errors": errors, "bytes": size, "wall_s": round(wall, 3),
           **_usage()})


def _migrate() -> None:
    """Its own process, like `manage.py migrate` before a worker starts: loading every
    migration state costs ~10 MiB that would otherwise show in the crawl's peak RSS."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    _emit({"migrate_s": round(time.perf_counter() - started, 2)})


def _sitelens_crawl(start: str, concurrency: int, max_pages: int, profile: str | None) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    import django

    django.setup()
    from contextlib import contextmanager

    from django.db import connection

    from apps.accounts.models import Plan, User
    from apps.analyses.models import Finding
    from apps.analyses.options import AnalysisOptions, AnalysisRequest
    from apps.analyses.services import analysis_create
    from apps.jobs.models import Job, JobEvent, Page
    from apps.jobs.runner import RunObserver, job_run

    plan = Plan.objects.create(name="bench", max_pages_per_analysis=max_pages,
                               max_concurrent_analyses=10, analyses_per_month=1000,
                               api_rate_per_minute=1000)
    user = User.objects.create_user(email="bench@example.com", password=None, plan=plan)
    request = AnalysisRequest(url=start, options=AnalysisOptions(
        max_pages=max_pages, max_depth=20, concurrency=concurrency))
    job, _ = analysis_create(user=user, request=request, enqueue=False)

    timers: dict[str, float] = {}
    counts: dict[str, int] = {}
    marks = {"last_page": None}
    page_times: list[float] = []

    class Timings(RunObserver):
        """The runner's timing hooks: per-phase totals and the time of each stored page."""

        @contextmanager
        def phase(self, name):
            t0 = time.perf_counter()
            try:
                yield
            finally:
                timers[name] = timers.get(name, 0.0) + time.perf_counter() - t0
                counts[name] = counts.get(name, 0) + 1

        def page_stored(self, _job) -> None:
            marks["last_page"] = now = time.perf_counter()
            page_times.append(now)

    queries = {"n": 0}

    def count_queries(execute, sql, params, many, context):
        queries["n"] += 1
        return execute(sql, params, many, context)

    backend_pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = cursor.fetchone()[0]
    backend_cpu0 = _proc_cpu_seconds(backend_pid)

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    pools = _PoolWatch()
    rss_before = _current_rss_mib()
    # RSS sampled twice a second with the pages stored so far: where memory grows.
    samples: list[tuple[int, float]] = []
    # Pss of the analysis's processes together (this one, content workers, fork server).
    pss_samples: list[tuple[int, float]] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.5):
            samples.append((len(page_times), _current_rss_mib() or 0.0))
            pss_samples.append((len(page_times), _total_pss_mib(pools.pids())))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    with connection.execute_wrapper(count_queries):
        job_run(job_id=job.pk, observer=Timings())
    wall = time.perf_counter() - started
    sampling.set()
    sampler.join()
    crawl_samples = [rss for n, rss in samples if n < max_pages]
    rss_profile = {
        **{f"at {share}% of pages": next((rss for n, rss in samples if n >= max_pages * share / 100),
                                         None) for share in (10, 50, 90)},
        "max while crawling": max(crawl_samples, default=None),
        "max after the last page": max((rss for n, rss in samples if n >= max_pages),
                                       default=None),
    }
    pss_profile = {
        **{f"at {share}% of pages": next((pss for n, pss in pss_samples
                                          if n >= max_pages * share / 100), None)
           for share in (10, 50, 90)},
        "max": max((pss for _, pss in pss_samples), default=None),
    }
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    job_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    backend_cpu = _proc_cpu_seconds(backend_pid)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)

    workers = pools.last
    job = Job.objects.get(pk=job.pk)
    pages = Page.objects.filter(job=job).count()
    tail = started + wall - marks["last_page"] if marks["last_page"] else 0.0
    # Per-page work on the main thread: the rules, and storing (page, findings, events).
    main_busy = timers.get("rules", 0.0) + timers.get("store_page", 0.0)
    # pages/s over each tenth of the crawl: a per-page cost growing with the job shows here.
    tenth = max(len(page_times) // 10, 1)
    by_tenth = [round(tenth / (page_times[k + tenth - 1] - (page_times[k - 1] if k else started)), 1)
                for k in range(0, len(page_times) - tenth + 1, tenth)]
    phases = {k: round(v, 3) for k, v in timers.items()}
    phases["site analysis + finish (after the last page)"] = round(tail, 3)
    phases["main thread waiting for the crawler (rest)"] = round(wall - main_busy - tail, 3)
    _emit({
        "pages": pages,
        "status": job.status,
        "error": job.error,
        "findings": Finding.objects.filter(job=job).count(),
        "events": JobEvent.objects.filter(job=job).count(),
        "wall_s": round(wall, 3),
        "phases_s": phases,
        "calls": counts,
        "db_vendor": connection.vendor,
        "queries": queries["n"],
        "job_run_cpu_s": round(job_cpu, 2),
        "rss_before_job_mib": rss_before,
        "pages_per_s_by_tenth": by_tenth,
        "rss_profile_mib": rss_profile,
        "total_pss_profile_mib": pss_profile,
        "content_workers": workers,
        "own_memory": _proc_memory_mib(os.getpid()),
        "db_backend_cpu_s": (round(backend_cpu - backend_cpu0, 2)
                             if backend_cpu is not None and backend_cpu0 is not None else None),
        **_usage(),
    })


# --------------------------------------------------------------------------- driver


def _run_child(kind: str, args: argparse.Namespace, url: str, env: dict) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--url", url,
           "--concurrency", str(args.concurrency), "--pages", str(args.pages)]
    if kind == "sitelens" and args.profile:
        cmd += ["--profile", args.profile]
    started = time.perf_counter()
    proc = subprocess.run(cmd, check=False, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed (exit {proc.returncode})")
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX):])
            result["process_wall_s"] = round(elapsed, 2)
            return result
    raise SystemExit(f"{kind} run printed no result:\n{proc.stdout[-2000:]}")


def _pg_admin(url: str):
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    dbname = params.get("dbname")
    if not dbname or dbname == "postgres":
        raise SystemExit("--database-url must name a scratch database (e.g. sitelens_bench)")
    admin = psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True)
    return admin, dbname


def _pg_recreate(url: str) -> None:
    from psycopg import sql

    admin, dbname = _pg_admin(url)
    with admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(dbname)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


def _pg_drop(url: str) -> None:
    from psycopg import sql

    admin, dbname = _pg_admin(url)
    with admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(dbname)))


def _code_version() -> str:
    """The commit measured, plus '+dirty' when apps/ or config/ have local changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "apps", "config"],
                               cwd=ROOT, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty.strip() else "")


def _proc_share(result: dict):
    return result.get("own_memory", {}).get("Pss")


def _fmt_phases(result: dict) -> list[str]:
    wall = result["wall_s"]
    lines = []
    for name, seconds in result.get("phases_s", {}).items():
        calls = result.get("calls", {}).get(name)
        per = f", {seconds / calls * 1000:.2f} ms/call x {calls}" if calls else ""
        lines.append(f"    {name:<48} {seconds:8.2f} s  ({seconds / wall * 100:4.1f}%{per})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--database-url", default="",
                        help="default: a fresh SQLite file in the temp dir; a postgres:// URL "
                             "names a scratch database that is dropped and re-created")
    parser.add_argument("--server", choices=("nginx", "asyncio", "threading"),
                        default="nginx" if shutil.which("nginx") or Path("/usr/sbin/nginx").exists()
                        else "asyncio",
                        help="static server: nginx when installed (default), else an in-memory "
                             "asyncio server; or the stdlib ThreadingHTTPServer")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each crawl this many times (alternating) and report the "
                             "median run; useful on a shared, noisy machine")
    parser.add_argument("--peers", default="bare,crawler",
                        help="comma-separated peers run beside Sitelens's audit: bare, scrapy, "
                             "crawler (Sitelens's crawler alone)")
    parser.add_argument("--only", default="",
                        help="comma-separated: run only these of bare, scrapy, crawler, sitelens "
                             "(e.g. bare,crawler for the crawler-alone ratio)")
    parser.add_argument("--profile", default="",
                        help="write a cProfile of the Sitelens main thread to this file")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp dir and the PostgreSQL database")
    parser.add_argument("--json", default="", help="also write all figures to this file")
    # Internal: the subprocesses.
    parser.add_argument("--child", choices=("serve", "bare", "scrapy", "crawler", "migrate",
                                            "sitelens"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--site-dir", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "serve":
        (_serve_asyncio if args.server == "asyncio" else _serve_threading)(Path(args.site_dir))
        return
    if args.child == "bare":
        _bare_crawl(args.url, args.concurrency, args.pages)
        return
    if args.child == "scrapy":
        _scrapy_crawl(args.url, args.pages)
        return
    if args.child == "crawler":
        _crawler_alone(args.url, args.concurrency, args.pages)
        return
    if args.child == "migrate":
        _migrate()
        return
    if args.child == "sitelens":
        _sitelens_crawl(args.url, args.concurrency, args.pages, args.profile or None)
        return

    if args.profile:
        args.profile = str(Path(args.profile).resolve())
    tmp = Path(tempfile.mkdtemp(prefix="sitelens-bench-"))
    site_dir = tmp / "site"
    database_url = args.database_url or f"sqlite:///{tmp / 'bench-0.sqlite3'}"
    is_pg = database_url.startswith(("postgres://", "postgresql://"))
    server = None
    report: dict = {"pages": args.pages, "concurrency": args.concurrency,
                    "database": "postgresql" if is_pg else "sqlite", "server": args.server,
                    "code": _code_version(), "python": sys.version.split()[0],
                    "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    print(f"Sitelens {report['code']}, Python {report['python']}, {os.cpu_count()} CPUs, "
          f"{report['date']}")
    try:
        t0 = time.perf_counter()
        site = generate_site(site_dir, args.pages)
        print(f"site: {site['pages']} pages, {site['bytes'] / 1e6:.1f} MB "
              f"(avg {site['avg_bytes'] / 1024:.1f} KiB/page), deepest page at depth "
              f"{site['max_depth']}, generated in {time.perf_counter() - t0:.1f} s")
        report["site"] = site
        server = start_server(site_dir, args.server)
        print(f"server: {args.server} on {server.url} (pid {server.proc.pid})")

        env = dict(os.environ)
        env.update({
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": database_url,
            "SITELENS_VAR_DIR": str(tmp / "var"),
            "SITELENS_ALLOWED_TARGETS": f"127.0.0.1:{server.port}",
            "PYTHONUNBUFFERED": "1",
        })
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "REDIS_URL"):
            env.pop(name, None)

        runs: dict[str, list[dict]] = {}
        for n in range(args.repeat):
            for kind in (*[p.strip() for p in args.peers.split(",") if p.strip()], "sitelens"):
                if args.only and kind not in args.only.split(","):
                    continue
                if kind == "sitelens" and is_pg:
                    _pg_recreate(database_url)
                elif kind == "sitelens" and not args.database_url:
                    # A fresh SQLite file per run (the previous one is deleted).
                    for old in tmp.glob("bench-*.sqlite3*"):
                        old.unlink()
                    env["DATABASE_URL"] = f"sqlite:///{tmp / f'bench-{n}.sqlite3'}"
                print(f"running {kind} crawl ({n + 1}/{args.repeat}) ...", flush=True)
                migrate_s = None
                if kind == "sitelens":
                    migrate_s = _run_child("migrate", args, server.url, env)["migrate_s"]
                cpu0 = server.cpu_seconds()
                load = os.getloadavg()[0]
                result = _run_child(kind, args, server.url, env)
                if migrate_s is not None:
                    result["migrate_s"] = migrate_s
                result["server_cpu_s"] = round(server.cpu_seconds() - cpu0, 2)
                result["pages_per_s"] = round(result["pages"] / result["wall_s"], 1)
                result["loadavg_1m_before"] = round(load, 2)
                runs.setdefault(kind, []).append(result)
        # The run with the median pages/s stands for each kind; all runs are in the JSON.
        results = {kind: sorted(rs, key=lambda r: r["pages_per_s"])[(len(rs) - 1) // 2]
                   for kind, rs in runs.items()}
        report["runs"] = runs
        report["median"] = results

        print()
        print(f"{'':12} {'pages':>6} {'wall s':>8} {'pages/s':>8} {'peak RSS':>10} "
              f"{'CPU s':>7} {'server CPU':>12} {'load':>5}")
        for kind, rs in runs.items():
            for n, r in enumerate(rs, 1):
                cpu = r["cpu_user_s"] + r["cpu_sys_s"]
                mark = "*" if r is results[kind] and len(rs) > 1 else " "
                print(f"{kind + ' #' + str(n) + mark:12} {r['pages']:>6} {r['wall_s']:>8.2f} "
                      f"{r['pages_per_s']:>8.1f} {r['peak_rss_mib']:>7.1f} MiB {cpu:>7.2f} "
                      f"{r['server_cpu_s']:>6.2f} s ({r['server_cpu_s'] / r['wall_s'] * 100:2.0f}%)"
                      f" {r['loadavg_1m_before']:>5.2f}")
        if args.repeat > 1:
            print("(* = median run by pages/s; load = 1-minute load average before the run)")
        if "bare" in results and "sitelens" in results:
            ratio = results["bare"]["pages_per_s"] / results["sitelens"]["pages_per_s"]
            report["ratio_bare_over_sitelens"] = round(ratio, 2)
            print(f"\nratio: the bare crawler is {ratio:.2f}x faster "
                  f"(Sitelens runs at {100 / ratio:.1f}% of its speed)")
        if "bare" in results and "crawler" in results:
            ratio = results["crawler"]["pages_per_s"] / results["bare"]["pages_per_s"]
            report["ratio_crawler_over_bare"] = round(ratio, 2)
            print(f"ratio: Sitelens's crawler alone runs at {ratio:.2f}x the bare crawl "
                  "(target >= 0.8)")
        if "scrapy" in results and "sitelens" in results:
            ratio = results["sitelens"]["pages_per_s"] / results["scrapy"]["pages_per_s"]
            report["ratio_sitelens_over_scrapy"] = round(ratio, 2)
            print(f"ratio: Sitelens's full audit runs at {ratio:.2f}x Scrapy's bare crawl "
                  "(target >= 1.5)")
        if "sitelens" in results:
            r = results["sitelens"]
            print(f"\nSitelens ({report['database']}): status {r['status']}, {r['pages']} pages, "
                  f"{r['findings']} findings, {r['events']} events stored; "
                  f"migrate (own process) took {r['migrate_s']} s, not timed")
            bare_cpu = "not run"
            if "bare" in results:
                b = results["bare"]
                bare_cpu = (f"{(b['cpu_user_s'] + b['cpu_sys_s']) / max(b['pages'], 1) * 1000:.1f}"
                            " ms/page (whole process)")
            print(f"  job_run used {r['job_run_cpu_s']} s CPU (all threads) = "
                  f"{r['job_run_cpu_s'] / max(r['pages'], 1) * 1000:.1f} ms/page; "
                  f"bare crawler: {bare_cpu}")
            print(f"  pages/s over each tenth of the crawl: {r['pages_per_s_by_tenth']}")
            print(f"  RSS before job_run (Django set up, user and job created): "
                  f"{r['rss_before_job_mib']} MiB,"
                  f" peak {r['peak_rss_mib']} MiB")
            own = _proc_share(r)
            if r.get("rss_profile_mib"):
                print("  RSS (MiB): " + ", ".join(f"{k} {v}" for k, v in r["rss_profile_mib"].items()))
            if r.get("total_pss_profile_mib"):
                print("  analysis + content processes, Pss together (MiB): "
                      + ", ".join(f"{k} {v}" for k, v in r["total_pss_profile_mib"].items()))
            if r.get("content_workers"):
                workers = r["content_workers"]
                worker_cpu = sum(w.get("cpu_s") or 0 for w in workers)
                print(f"  content workers used {worker_cpu:.1f} s CPU = "
                      f"{worker_cpu / max(r['pages'], 1) * 1000:.1f} ms/page; analysis process and "
                      f"workers together {(worker_cpu + r['job_run_cpu_s']) / max(r['pages'], 1) * 1000:.1f}"
                      " ms/page")
                print("  content processes as the crawl ended (VmHWM / Pss MiB): "
                      + ", ".join(f"{w['role']} {w.get('VmHWM')} / {w.get('Pss')}" for w in workers)
                      + f"; analysis process Pss at the end {own} MiB")
            print(f"  {r['queries']} SQL statements from job_run "
                  f"({r['queries'] / max(r['pages'], 1):.1f} per page)"
                  + (f"; PostgreSQL backend CPU {r['db_backend_cpu_s']} s"
                     if r["db_backend_cpu_s"] is not None else ""))
            print("  main thread time (job_run wall = 100%):")
            print("\n".join(_fmt_phases(r)))
        for kind, rs in runs.items():
            for r in rs:
                if r["pages"] != args.pages or r.get("status", "succeeded") != "succeeded":
                    print(f"WARNING: a {kind} run stored/fetched {r['pages']} pages "
                          f"(status {r.get('status')})")
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    finally:
        if server is not None:
            server.stop()
        if is_pg and not args.keep:
            try:
                _pg_drop(database_url)
            except Exception as exc:  # noqa: BLE001 - cleanup must not hide the result
                print(f"could not drop the benchmark database: {exc}", file=sys.stderr)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
