from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0011_ner_models")]

    operations: list[migrations.operations.base.Operation] = []
