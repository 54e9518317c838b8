"""rq jobs of the rule-set stage, enqueued by dotted path."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model

from anonymizer.models import RuleSet
from anonymizer.rulesets import services, training

log = logging.getLogger(__name__)


def retrain_round(actor_id: int) -> int | None:
    """Build and evaluate a candidate rule set from the corrections so far."""
    actor = get_user_model().objects.get(pk=actor_id)
    try:
        return services.retrain_round(actor=actor).version
    except Exception as exc:  # noqa: BLE001 - the class only: messages may quote text
        log.error("retraining failed: %s", type(exc).__name__)
        return None


def train_model(actor_id: int) -> int | None:
    """Fine-tune a candidate NER model and evaluate a draft rule set that names it."""
    actor = get_user_model().objects.get(pk=actor_id)
    try:
        return training.model_train(actor=actor).model.version
    except Exception as exc:  # noqa: BLE001 - the class only: messages may quote text
        log.error("model training failed: %s", type(exc).__name__)
        return None


def evaluate_ruleset(actor_id: int, ruleset_id: int) -> int | None:
    """Evaluate a draft as it is now: the regression gate's fresh evaluation."""
    actor = get_user_model().objects.get(pk=actor_id)
    try:
        ruleset = RuleSet.objects.get(pk=ruleset_id)
        return services.ruleset_evaluate(actor=actor, ruleset=ruleset).pk
    except Exception as exc:  # noqa: BLE001 - the class only: messages may quote text
        log.error("evaluation failed: %s", type(exc).__name__)
        return None
