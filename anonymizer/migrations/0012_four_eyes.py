"""Four eyes that hold: who edited a policy or a rule-set candidate (none of them may approve or
activate it), evaluations tied to the configuration and model they evaluated, the activating
officer's written override, and the id column decided by the policy.

The data step gives the installed `default` policy an explicit id-column rule as a new draft
version (or fills the rule into a draft already open): approved versions never change and a
migration is no privacy officer, so a person approves the rule; until then exports under the
approved version take the fail-closed default for a policy that names no id rule (a keyed
pseudonym per linkage domain). See anonymizer.defaults.propose_default_id_rule."""

from django.conf import settings
from django.db import migrations, models


def propose_default_id_rule(apps, schema_editor):
    from anonymizer.defaults import propose_default_id_rule as propose

    propose(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("anonymizer", "0011_ner_models"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="policy",
            name="editors",
            field=models.ManyToManyField(
                blank=True,
                help_text="Everyone who wrote or changed this version; none of them may "
                "approve it.",
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="policy",
            name="id_rule",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text='The id column: {"operator", "params"}; empty: a keyed pseudonym per '
                "linkage domain.",
            ),
        ),
        migrations.AddField(
            model_name="ruleset",
            name="activation_override",
            field=models.TextField(
                blank=True,
                default="",
                help_text="The activating officer's written reason, when the regression gate did "
                "not pass (no fresh evaluation, or regressions).",
            ),
        ),
        migrations.AddField(
            model_name="ruleset",
            name="editors",
            field=models.ManyToManyField(
                blank=True,
                help_text="Everyone who built or changed this candidate (drafts, proposals, "
                "calibration, retraining, training); none of them may activate it.",
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="rulesetevaluation",
            name="config_sha256",
            field=models.CharField(
                blank=True,
                default="",
                help_text="config_digest of the candidate's configuration as evaluated; any "
                "change to the draft makes the evaluation stale.",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="rulesetevaluation",
            name="ner_model_sha256",
            field=models.CharField(
                blank=True,
                default="",
                help_text="The NER model the evaluation used.",
                max_length=64,
            ),
        ),
        migrations.RunPython(propose_default_id_rule, migrations.RunPython.noop),
    ]
