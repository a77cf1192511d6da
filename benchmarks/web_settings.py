"""Settings of the web server the load benchmarks start (`benchmarks/api.py`,
`benchmarks/fanout.py`): the base settings, DEBUG off as in production, plus the
benchmark's peer view (`benchmarks/web_urls.py`). Nothing else differs, so the API is
measured with its production middleware, authentication and throttles."""

from config.settings.base import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "benchmarks.web_urls"
