"""Create the reviewer, privacy_officer and admin groups with their model-wide permissions."""

from django.db import migrations

def create_groups(apps, schema_editor):
    from anonymizer.defaults import migrate_groups

    migrate_groups(apps, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("anonymizer", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
