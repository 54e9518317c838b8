"""Role permissions for policies and exports, and the built-in approved `default` policy:
every detected entity is replaced by its type label; anything unknown is redacted."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    from anonymizer.policies import default_policy_rules
    from anonymizer.roles import migrate_groups

    migrate_groups(apps)
    Policy = apps.get_model("anonymizer", "Policy")
    if not Policy.objects.filter(name="default").exists():
        Policy.objects.create(
            name="default",
            version=1,
            status="approved",
            rules=default_policy_rules(),
            column_rules={},
            notes="Built in: every detected entity replaced by its type label; "
            "unknown types redacted; structured columns dropped.",
            approved_at=timezone.now(),
        )


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0005_policies_exports")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
