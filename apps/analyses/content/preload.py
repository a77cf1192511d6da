"""Imported by the content pool's fork server before it forks any worker
(`multiprocessing`'s forkserver preload): everything a worker needs is loaded here,
once, and shared copy-on-write by every worker forked afterwards.

Importing this module has that effect on purpose; nothing else imports it.
"""

import gc

from apps.analyses.content import extract, metrics, worker  # noqa: F401 - worker: loaded to be shared

extract.warm()
metrics.warm()
# What is loaded so far stays for the process's life: keeping it out of the collector's
# generations means a worker's collections do not write to (and so copy) those pages.
gc.freeze()
