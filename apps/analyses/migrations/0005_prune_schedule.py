"""Schedule the daily retention sweep (apps.analyses.retention; off unless
SITELENS_PRUNE_AFTER_DAYS is set)."""

from django.db import migrations

FUNC = "apps.analyses.retention.prune_old_analyses"


def create(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.get_or_create(
        func=FUNC, defaults={"name": "prune-old-analyses", "schedule_type": "D", "repeats": -1})


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analyses", "0004_persona_reviews"),
        ("jobs", "0007_job_pruned"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create, remove)]
