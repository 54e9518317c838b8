"""Give the role groups the rule-set permissions added with detection."""

from django.db import migrations


def update_groups(apps, schema_editor):
    from anonymizer.defaults import migrate_groups

    migrate_groups(apps, strict=False)


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0003_detection")]

    operations = [migrations.RunPython(update_groups, migrations.RunPython.noop)]
