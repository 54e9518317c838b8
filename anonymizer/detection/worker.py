"""The rq worker class Veil runs: it builds the analyzer once, before forking work horses.

rq forks a child per job; a model loaded in the parent is shared by every child, so the
spaCy pipeline is loaded once per worker process rather than once per job.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import connections
from rq.worker import Worker

from anonymizer.rulesets.selectors import ruleset_active, ruleset_engine_config

log = logging.getLogger(__name__)


def warm_analyzer() -> None:
    # spaCy takes about a second to import; the worker pays it here, once, before forking.
    from anonymizer.engine.analyzer import get_analyzer

    try:
        get_analyzer(ruleset_engine_config(ruleset_active()))
    finally:
        connections.close_all()  # never share a database connection with forked children


class VeilWorker(Worker):
    def work(self, *args: Any, **kwargs: Any) -> bool:
        warm_analyzer()
        log.info("analyzer loaded; worker ready")
        return super().work(*args, **kwargs)
