"""API tokens get a `review` scope: an external annotation tool leases records and posts
decisions through the API. Existing tokens keep exactly the scopes they had."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0015_list_indexes")]

    operations = [
        migrations.AlterField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="What the token may do: read, upload, export, review.",
            ),
        ),
    ]
