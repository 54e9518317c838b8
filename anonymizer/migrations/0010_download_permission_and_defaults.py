"""The download permission on exports, and every default a database starts with, from one
function (anonymizer.defaults): role groups with all their permissions (strictly: a missing
one fails the migration), rule set version 1, and the approved `default` policy. Before this,
version 1 and the default policy were also created lazily by GET requests."""

from django.db import migrations


def install_defaults(apps, schema_editor):
    from anonymizer.defaults import install_defaults as install

    install(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("anonymizer", "0009_tabular"),
        ("review", "0003_resolve_escalation_permission"),
        ("audit", "0002_append_only_trigger"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="exporteddataset",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [("download_exporteddataset", "Can download an export's files")],
            },
        ),
        migrations.RunPython(install_defaults, migrations.RunPython.noop),
    ]
