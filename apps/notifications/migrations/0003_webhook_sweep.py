"""Schedule the sweep that sends due webhook deliveries (retries, and any whose worker
died before it could send)."""

from django.db import migrations

FUNC = "apps.notifications.webhooks.dispatch_due"


def create(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.get_or_create(
        func=FUNC,
        defaults={"name": "webhook-deliveries", "schedule_type": "I", "minutes": 1,
                  "repeats": -1},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_webhooks"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create, remove)]
