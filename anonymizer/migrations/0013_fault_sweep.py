from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0012_four_eyes")]

    operations: list[migrations.operations.base.Operation] = []
