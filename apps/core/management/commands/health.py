"""`manage.py health [--worker]`: the container health check. Exit 0 when the database,
the shared cache and the broker answer; with --worker, also when a qcluster on this host
has a fresh heartbeat. Prints each check."""

from __future__ import annotations

import json
import socket

from django.core.management.base import BaseCommand, CommandError

from apps.core import system


class Command(BaseCommand):
    help = "Exit 0 when this process's dependencies (and, with --worker, its qcluster) are up."

    def add_arguments(self, parser):
        parser.add_argument("--worker", action="store_true",
                            help="also require a live qcluster on this host")

    def handle(self, *args, worker: bool = False, **options):
        checks = system.checks()
        checks.pop("workers")  # any cluster anywhere: /readyz's question, not this host's
        if worker:
            here = socket.gethostname()
            checks["this_worker"] = {"ok": any(stat.host == here
                                               for stat in system.live_clusters())}
        self.stdout.write(json.dumps(checks))
        failed = [name for name, check in checks.items() if not check["ok"]]
        if failed:
            raise CommandError(f"unhealthy: {', '.join(failed)}")
