"""Jobs that survive faults: each chunk and export remembers the rq job last queued for it
(so the sweep can tell a lost job from a live one), and exports hold a lease like chunks."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0012_four_eyes")]

    operations = [
        migrations.AddField(
            model_name="detectionchunk",
            name="enqueued_at",
            field=models.DateTimeField(
                blank=True,
                null=True,
                help_text="When that job was queued; the sweep re-queues a pending chunk whose "
                "job was lost once this is older than VEIL_SWEEP_PENDING_SECONDS.",
            ),
        ),
        migrations.AddField(
            model_name="detectionchunk",
            name="job_id",
            field=models.CharField(
                blank=True,
                default="",
                help_text="The rq job last queued for this chunk.",
                max_length=80,
            ),
        ),
        migrations.AddField(
            model_name="exporteddataset",
            name="attempts",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="exporteddataset",
            name="enqueued_at",
            field=models.DateTimeField(
                blank=True, help_text="When that job was queued.", null=True
            ),
        ),
        migrations.AddField(
            model_name="exporteddataset",
            name="job_id",
            field=models.CharField(
                blank=True,
                default="",
                help_text="The rq job last queued for this export.",
                max_length=80,
            ),
        ),
        migrations.AddField(
            model_name="exporteddataset",
            name="lease_expires_at",
            field=models.DateTimeField(
                blank=True,
                null=True,
                help_text="Renewed while the export writes; a running export whose lease expired "
                "(its worker died) is queued again by the sweep.",
            ),
        ),
        migrations.AddField(
            model_name="exporteddataset",
            name="worker",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AddIndex(
            model_name="exporteddataset",
            # The sweep looks for queued and running exports.
            index=models.Index(fields=["status", "enqueued_at"], name="export_status_enqueued"),
        ),
    ]
