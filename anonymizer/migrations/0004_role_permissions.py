"""Give the role groups the rule-set permissions added with detection."""

from django.db import migrations


def update_groups(apps, schema_editor):
    from anonymizer.roles import migrate_groups

    migrate_groups(apps)


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0003_detection")]

    operations = [migrations.RunPython(update_groups, migrations.RunPython.noop)]
