"""Roles as groups: `staff` (operators: read everything, cancel and retry anyone's
analyses, change no user or plan) and `admin` (every permission). Put a user in one and
set is_staff for Django admin; superusers have every permission anyway.

Permissions are normally made after all migrations (post_migrate); they are made here
first so the groups can hold them on a fresh database."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

APPS = ("accounts", "jobs", "analyses", "exports", "notifications", "core", "django_q")
STAFF_EXTRA = ("jobs.cancel_any_job", "jobs.retry_any_job")


def seed(apps, schema_editor):
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    every = Permission.objects.filter(content_type__app_label__in=APPS)
    staff, _ = Group.objects.get_or_create(name="staff")
    extra = [p for p in every if f"{p.content_type.app_label}.{p.codename}" in STAFF_EXTRA]
    staff.permissions.set([*every.filter(codename__startswith="view_"), *extra])
    admin, _ = Group.objects.get_or_create(name="admin")
    admin.permissions.set(Permission.objects.all())


def unseed(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["staff", "admin"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_plan_webhooks_key_rate"),
        ("jobs", "0009_operator_permissions"),
        ("analyses", "0005_prune_schedule"),
        ("exports", "0002_cleanup_schedule"),
        ("notifications", "0004_delivery_lease"),
        ("core", "0001_metric_counters"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
