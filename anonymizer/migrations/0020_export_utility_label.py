"""Exports may name a label column to measure the privacy-utility report on."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0019_list_speed")]

    operations = [
        migrations.AddField(
            model_name="exporteddataset",
            name="utility_label",
            field=models.CharField(
                blank=True, default="", max_length=200,
                help_text="A structured column whose value a classifier predicts from the raw "
                "and from the transformed text, for the utility report; empty: none.",
            ),
        ),
    ]
