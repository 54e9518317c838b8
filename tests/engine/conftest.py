from __future__ import annotations

import pytest

from anonymizer.engine.analyzer import Analyzer, get_analyzer
from anonymizer.engine.ruleset import default_ruleset_config


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """The built-in rule set over the real spaCy model, loaded once per test session."""
    return get_analyzer(default_ruleset_config())
