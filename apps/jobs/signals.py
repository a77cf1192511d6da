"""When a qcluster worker (re)starts, pick up jobs whose worker died.

django-q2 starts a fresh worker process after one dies (OOM, SIGKILL, timeout);
that is the earliest moment a lost job can be noticed on this machine.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver
from django_q.signals import post_spawn

from apps.jobs.recovery import job_recover_stale

logger = logging.getLogger(__name__)


@receiver(post_spawn)
def recover_on_worker_start(sender, proc_name, **kwargs) -> None:
    try:
        recovered = job_recover_stale()
    except Exception:  # never keep a worker from starting
        logger.exception("stale job recovery failed in %s", proc_name)
        return
    if recovered:
        logger.info("%s resumed %d abandoned job(s)", proc_name, len(recovered))
