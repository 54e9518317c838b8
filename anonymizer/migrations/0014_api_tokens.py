from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0013_fault_sweep")]

    operations: list[migrations.operations.base.Operation] = []
