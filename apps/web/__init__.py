"""Plain Python for reading the web safely: no Django, no other Sitelens app.

* ``http``: the guarded HTTP client (the SSRF boundary; the only code that imports
  ``requests``), split by concern;
* ``urls``: normalisation and the URL limits; ``types``: the dataclasses the rest of
  Sitelens speaks (fetch results, crawl options, crawled pages);
* ``robots`` (robots.txt), ``directives`` (meta robots and ``X-Robots-Tag``),
  ``sitemap``, ``charset``, ``document`` (an HTML page parsed once);
* ``frontier`` and ``crawler``: the polite, breadth-first, same-site crawl.

The analyzers, the job pipeline and (later) webhook delivery build on these; this
package imports nothing from them, so it can be tested and reused on its own.
"""
