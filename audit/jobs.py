from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def retrain_round(actor_id: int) -> int | None:
    """rq job: build and evaluate a candidate rule set from the corrections so far."""
    from django.contrib.auth import get_user_model

    from audit.learning import retrain_round as run

    actor = get_user_model().objects.get(pk=actor_id)
    try:
        return run(actor=actor).version
    except Exception as exc:  # noqa: BLE001 - the class only: messages may quote text
        log.error("retraining failed: %s", type(exc).__name__)
        return None
