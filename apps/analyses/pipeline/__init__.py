"""What an analysis does when a worker runs it: one pipeline per kind.

The job runtime (`apps.jobs.runner`) claims the job and calls the kind's `run(ctx)`
with a `RunContext` (heartbeat, events, stage, ending); the pipelines here are that
`run`. They feed the plain-Python core (`apps.web` crawls, `apps.analyses.analyzers`
judges) and persist what it returns (`store`), as event payloads (`payloads`).

How to add a pipeline step (e.g. content extraction, scores, personas): write it
as a function of the audit's `AuditRun` in `audit.py` and put it in `AUDIT_STEPS`
in the order it must run. A step reports through `run.ctx` (`set_stage`, `log`,
`emit`), beats while it works for long (`run.ctx.tick()`), raises `JobFailed` via
`run.ctx.fail(code, message)` when the analysis cannot succeed, and writes in
transactions of its own; the last step ends the job inside its final transaction
(`run.ctx.succeed()`). Per-page work goes in `audit.analyse_page` (one parsed tree
per page, shared by every consumer) and its rows in `store.store_page`.

How to add a kind: write `run(ctx)` (usually a list of steps over a state object,
like the audit), register it in `apps.analyses.apps.AnalysesConfig.ready()` with
`apps.jobs.kinds.register`, and list it in `options.AVAILABLE_KINDS`.
"""
