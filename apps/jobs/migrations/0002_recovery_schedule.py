"""Schedule the sweep that resumes jobs whose worker died on another machine.

Workers on the same machine notice a dead sibling at once (apps.jobs.signals);
this once-a-minute sweep covers machines that vanished entirely.
"""

from django.db import migrations

FUNC = "apps.jobs.tasks.recover_stale_jobs"


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func=FUNC,
        defaults={"name": "recover-stale-jobs", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create, remove)]
