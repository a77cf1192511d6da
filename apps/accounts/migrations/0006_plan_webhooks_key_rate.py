"""Plans limit webhook endpoints; an API key may have its own rate; the database cache's
table (the embedded default's shared cache for rate limits, see settings.CACHES)."""

from django.conf import settings
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations, models

CACHE_TABLE = "sitelens_cache"


def seed_webhook_allowance(apps, schema_editor):
    apps.get_model("accounts", "Plan").objects.filter(name="free").update(
        webhook_endpoints=settings.SITELENS_DEFAULT_PLAN["webhook_endpoints"])


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    if CACHE_TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_monthly_usage'),
    ]

    operations = [
        migrations.AddField(
            model_name='apikey',
            name='rate_per_minute',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='plan',
            name='webhook_endpoints',
            field=models.PositiveIntegerField(default=10),
        ),
        migrations.RunPython(seed_webhook_allowance, migrations.RunPython.noop),
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
