"""API tokens: an opaque public id, scopes (read, upload, export), an expiry; idempotency keys
for API uploads; admins may revoke any token (`anonymizer.change_apitoken`). Tokens made before
keep working as they did: scopes read and upload, no expiry."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

LEGACY_SCOPES = ["read", "upload"]


def fill_existing_tokens(apps, schema_editor):
    token_model = apps.get_model("anonymizer", "ApiToken")
    for token in token_model.objects.all():
        token.public_id = uuid.uuid4()
        token.scopes = LEGACY_SCOPES
        token.save(update_fields=["public_id", "scopes"])


def grant_token_admin(apps, schema_editor):
    # Function-local: the defaults module is imported only when the migration runs.
    from anonymizer.defaults import migrate_groups

    migrate_groups(apps, strict=False)  # creates the permissions of every app first
    group_model, permission_model = apps.get_model("auth", "Group"), apps.get_model(
        "auth", "Permission"
    )
    perm = permission_model.objects.get(
        content_type__app_label="anonymizer", codename="change_apitoken"
    )
    group_model.objects.get(name="admin").permissions.add(perm)


class Migration(migrations.Migration):
    dependencies = [
        ("anonymizer", "0013_fault_sweep"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(name="apitoken", options={"ordering": ["-created_at", "-id"]}),
        migrations.AddField(
            model_name="apitoken",
            name="public_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(
                blank=True, default=list, help_text="What the token may do: read, upload, export."
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(
                blank=True,
                null=True,
                help_text="Refused from then on; empty for tokens made before expiry.",
            ),
        ),
        migrations.RunPython(fill_existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="public_id",
            field=models.UUIDField(
                default=uuid.uuid4,
                editable=False,
                unique=True,
                help_text="Opaque id used in URLs and the api_token command.",
            ),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="key_hash",
            field=models.CharField(help_text="SHA-256 of the key.", max_length=64, unique=True),
        ),
        migrations.CreateModel(
            name="IdempotencyKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "key",
                    models.CharField(help_text="The Idempotency-Key header as sent.", max_length=200),
                ),
                (
                    "request_sha256",
                    models.CharField(
                        help_text="Hash of the request's fields and file: another request with "
                        "the same key is refused.",
                        max_length=64,
                    ),
                ),
                (
                    "response_status",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Empty while the first request is being processed.",
                        null=True,
                    ),
                ),
                ("response_body", models.JSONField(blank=True, default=dict)),
                (
                    "created_at",
                    models.DateTimeField(help_text="When the first request claimed the key."),
                ),
                (
                    "batch",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="anonymizer.sourcebatch",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "key"), name="idempotency_key_unique")
                ],
            },
        ),
        migrations.RunPython(grant_token_admin, migrations.RunPython.noop),
    ]
