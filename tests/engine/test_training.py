"""Fine-tuning the NER component: it learns, its artefact hash is stable, its summary holds
counts only, and the names that generate training data are not the detector's names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import spacy

from anonymizer.engine.analyzer import EXCLUDED_PIPES, MODEL_NAME, load_pipeline
from anonymizer.engine.modeldir import model_dir_sha256
from anonymizer.engine.training import (
    TrainedModel,
    TrainingExample,
    TrainingOptions,
    detector_words,
    synthetic_examples,
    train_ner,
    training_pools,
)

NAME = "cleophas oyugi"
PROBE = "the refund for cleophas oyugi never arrived."
TEMPLATES = (
    "please ask {n} to call me back about the refund.",
    "the parcel was signed for by {n} at the door.",
    "i spoke with {n} on the phone and nothing happened.",
    "{n} is the account holder, not me.",
    "my neighbour {n} took the delivery.",
    "can {n} collect the order tomorrow?",
)


def _examples() -> list[TrainingExample]:
    out = []
    for template in TEMPLATES:
        at = template.index("{n}")
        text = template.replace("{n}", NAME)
        out.append(TrainingExample(text, ((at, at + len(NAME), "PERSON"),), "corrections"))
    return out


def _persons(nlp: spacy.language.Language, text: str) -> list[str]:
    return [e.text for e in nlp(text).ents if e.label_ == "PERSON"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    options = TrainingOptions(epochs=6, synthetic=10, rehearsal=10, patience=3, seed=0)
    out = tmp_path_factory.mktemp("models") / "ner"
    return train_ner(_examples(), output_dir=out, options=options)


def test_training_finds_a_lower_case_name_the_base_model_misses(trained: TrainedModel) -> None:
    base = spacy.load(MODEL_NAME, exclude=EXCLUDED_PIPES)
    assert NAME not in _persons(base, PROBE)
    tuned = spacy.load(trained.path, exclude=EXCLUDED_PIPES)
    assert NAME in _persons(tuned, PROBE)


def test_the_analyzer_loads_the_artefact_by_its_hash(trained: TrainedModel) -> None:
    nlp = load_pipeline(trained.path, trained.sha256)
    assert NAME in _persons(nlp, PROBE)
    with pytest.raises(ValueError):
        load_pipeline(trained.path, "0" * 64)


def test_artefact_hash_is_stable(trained: TrainedModel, tmp_path: Path) -> None:
    assert model_dir_sha256(trained.path) == trained.sha256
    copy = tmp_path / "copy"
    shutil.copytree(trained.path, copy)
    assert model_dir_sha256(copy) == trained.sha256
    (copy / "meta.json").write_text("{}", encoding="utf-8")
    assert model_dir_sha256(copy) != trained.sha256


def test_summary_holds_counts_and_no_text(trained: TrainedModel) -> None:
    summary = trained.summary.to_dict()
    assert summary["documents"] == {"corrections": 6, "synthetic": 10, "rehearsal": 10}
    assert summary["entities"]["PERSON"] >= 6
    assert 1 <= summary["best_epoch"] <= summary["epochs_run"] <= 6
    dumped = json.dumps(summary).lower()
    for word in ("cleophas", "oyugi", "refund", "parcel"):
        assert word not in dumped
    for example in synthetic_examples(10, seed=0):
        for start, end, _ in example.spans:
            value = example.text[start:end].lower()
            assert len(value) < 4 or value not in dumped


def test_training_names_and_places_are_not_the_detectors() -> None:
    pools, banned = training_pools(), detector_words()
    assert len(pools.first) > 500 and len(pools.last) > 500 and len(pools.places) > 100
    for value in (*pools.first, *pools.last, *pools.places):
        assert not {w.lower() for w in value.replace("-", " ").split()} & banned, value


def test_synthetic_names_places_and_companies_come_from_the_training_pools() -> None:
    pools = training_pools()
    words = {w.lower() for v in (*pools.first, *pools.last, *pools.places) for w in v.split()}
    examples = synthetic_examples(30, seed=3)
    assert examples == synthetic_examples(30, seed=3)
    seen = 0
    for example in examples:
        for start, end, label in example.spans:
            value = example.text[start:end]
            if label == "PERSON" or (label == "LOCATION" and not value.isupper()):
                assert {w.lower() for w in value.split()} <= words, value
                seen += 1
            elif label == "ORGANIZATION":
                assert value.split()[0].lower() in words, value
    assert seen > 20
