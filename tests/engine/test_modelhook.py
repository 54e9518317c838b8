"""RuleSetConfig's model hook: a fine-tuned spaCy pipeline directory checked by sha256."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import spacy

from anonymizer.engine import analyzer as analyzer_module
from anonymizer.engine.analyzer import EXCLUDED_PIPES, MODEL_NAME, detect, get_analyzer
from anonymizer.engine.modeldir import model_dir_sha256, verify_model_dir
from anonymizer.engine.ruleset import RuleSetConfig, default_ruleset_config

SHA = "ab" * 32


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("models") / "ner-v2"
    spacy.load(MODEL_NAME, exclude=EXCLUDED_PIPES).to_disk(path)
    return path


def test_the_hook_round_trips_and_defaults_to_the_packaged_model() -> None:
    config = default_ruleset_config()
    assert (config.ner_model_path, config.ner_model_sha256) == ("", "")
    data = {**config.to_dict(), "ner_model_path": "/models/ner-v2", "ner_model_sha256": SHA}
    back = RuleSetConfig.from_dict(data)
    assert (back.ner_model_path, back.ner_model_sha256) == ("/models/ner-v2", SHA)
    assert back.to_dict() == data


@pytest.mark.parametrize(("changes", "message"), [
    ({"ner_model_path": "/m"}, "needs ner_model_sha256"),
    ({"ner_model_path": "/m", "ner_model_sha256": "xyz"}, "needs ner_model_sha256"),
    ({"ner_model_sha256": SHA}, "without ner_model_path"),
    ({"ner_model_path": 3, "ner_model_sha256": SHA}, "must be strings"),
])
def test_the_hook_is_validated(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RuleSetConfig.from_dict({**default_ruleset_config().to_dict(), **changes})


def test_the_digest_covers_names_and_contents(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.bin").write_bytes(b"one")
    (tmp_path / "meta.json").write_text("{}")
    first = model_dir_sha256(tmp_path)
    assert first == model_dir_sha256(tmp_path) and len(first) == 64
    (tmp_path / "a" / "x.bin").write_bytes(b"two")
    second = model_dir_sha256(tmp_path)
    (tmp_path / "a" / "x.bin").rename(tmp_path / "a" / "y.bin")
    assert len({first, second, model_dir_sha256(tmp_path)}) == 3
    with pytest.raises(ValueError, match="checksum mismatch"):
        verify_model_dir(tmp_path, first)
    with pytest.raises(ValueError, match="not a directory"):
        model_dir_sha256(tmp_path / "meta.json")


def test_an_analyzer_runs_on_a_saved_pipeline_cached_per_path_and_digest(
    saved_model: Path,
) -> None:
    digest = model_dir_sha256(saved_model)
    config = RuleSetConfig.from_dict({**default_ruleset_config().to_dict(), "version": 90,
                                      "ner_model_path": str(saved_model),
                                      "ner_model_sha256": digest})
    custom = get_analyzer(config)
    assert (str(saved_model), digest) in analyzer_module._nlp_engines
    text = "Please ask Angela Merkel about the order."
    assert any(s.label == "PERSON" for s in detect(text, analyzer=custom))
    again = RuleSetConfig.from_dict({**config.to_dict(), "version": 91})
    assert get_analyzer(again).engine.nlp_engine is custom.engine.nlp_engine


def test_a_wrong_digest_is_refused(saved_model: Path) -> None:
    config = RuleSetConfig.from_dict({**default_ruleset_config().to_dict(), "version": 92,
                                      "ner_model_path": str(saved_model),
                                      "ner_model_sha256": SHA})
    with pytest.raises(ValueError, match="checksum mismatch"):
        get_analyzer(config)
