"""Give the role groups the rule-set permissions added with detection."""

from django.db import migrations


def update_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    from anonymizer.roles import ensure_groups

    ensure_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0003_detection")]

    operations = [migrations.RunPython(update_groups, migrations.RunPython.noop)]
