"""Role permissions for policies and exports, and the built-in approved `default` policy:
every detected entity is replaced by its type label; anything unknown is redacted."""

from django.db import migrations


def forwards(apps, schema_editor):
    from anonymizer.defaults import install_default_policy, migrate_groups

    migrate_groups(apps, strict=False)
    install_default_policy(apps)


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0005_policies_exports")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
