"""`{% analysis_exports job %}`: the report page's exports panel.

The analyses app's report page shows this analysis's exports and the buttons that
build new ones, but the analyses app may not import the exports app (the arrow runs
exports -> analyses). A template tag is the plug-in point: the page names the tag,
the exports app renders it.
"""

from django import template

from apps.analyses import outputs
from apps.exports.models import Export

register = template.Library()
LISTED = 20


@register.inclusion_tag("exports/_panel.html", takes_context=True)
def analysis_exports(context, job):
    user = context["request"].user
    exports = list(Export.objects.owned_by(user).filter(job=job).order_by("-created_at")[:LISTED])
    return {"job": job, "exports": exports, "csrf_token": context.get("csrf_token"),
            "formats": [outputs.get(name) for name in outputs.names()],
            "can_export": job.status == "succeeded"}
