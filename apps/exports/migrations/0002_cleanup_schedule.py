"""Schedule the hourly deletion of expired exports (and their files)."""

from django.db import migrations

FUNC = "apps.exports.services.delete_expired"


def create(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.get_or_create(
        func=FUNC,
        defaults={"name": "delete-expired-exports", "schedule_type": "H", "repeats": -1},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0001_exports"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create, remove)]
