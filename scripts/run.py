"""Start daphne (web + WebSocket) and a qcluster worker; stop both on Ctrl-C.

`--demo` also serves the bundled sample website on 127.0.0.1 and allows it as a
crawl target, so a full audit can be watched offline.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_PORT = int(os.environ.get("DEMO_SITE_PORT", "8765"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args()
    port = os.environ.get("PORT", "8000")
    env = dict(os.environ)
    env.setdefault("SITELENS_LOG_FORMAT", "plain")  # readable in a terminal; JSON in production
    python = sys.executable
    procs: list[subprocess.Popen] = []

    if args.demo:
        demo_target = f"127.0.0.1:{DEMO_PORT}"
        allowed = [t for t in env.get("SITELENS_ALLOWED_TARGETS", "").split(",") if t]
        env["SITELENS_ALLOWED_TARGETS"] = ",".join([*allowed, demo_target])
        procs.append(subprocess.Popen([python, "scripts/demo_site.py", str(DEMO_PORT)], cwd=ROOT,
                                      start_new_session=True))

    procs.append(subprocess.Popen(
        [python, "-m", "daphne", "-b", "127.0.0.1", "-p", port, "config.asgi:application"],
        cwd=ROOT, env=env, start_new_session=True))
    procs.append(subprocess.Popen([python, "manage.py", "qcluster"], cwd=ROOT, env=env,
                                  start_new_session=True))

    time.sleep(1.5)
    print(f"""
  Sitelens is running at http://127.0.0.1:{port}/
  - Sign up at http://127.0.0.1:{port}/accounts/signup/ (or `make superuser` for an admin,
    then http://127.0.0.1:{port}/admin/)
  - API docs: http://127.0.0.1:{port}/api/docs/
  Press Ctrl-C to stop.""", flush=True)
    if args.demo:
        print(f"  Demo site: http://127.0.0.1:{DEMO_PORT}/ — analyse it from the "
              "New analysis page.\n", flush=True)

    def stop(*_):
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.time() + 10
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                proc.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        while all(proc.poll() is None for proc in procs):
            time.sleep(0.5)
        print("A process exited; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
