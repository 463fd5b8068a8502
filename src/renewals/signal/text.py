"""Risk signals in words (SIG-2..8): English, German, Indonesian and Malay, offline.

Pure functions, no I/O. `detect(text)` identifies the text's language from its
function words, splits it into sentences and matches the vocabulary of
`renewals.signal.lexicon` for that language (plus English, which customer-success
notes mix into every language; Indonesian and Malay share their patterns, as
they share most words). A phrase negated in its clause ("no complaints",
"nicht zu teuer", "tidak ada keluhan") is not a signal. Each signal quotes its
sentence as evidence and names the phrase that matched and the rule.

Why patterns and not a model: every signal must quote its evidence and say why,
the detector must run without a download, and a customer-success lead must be
able to read and extend the vocabulary. The labelled set in
`tests/data/text_signals.jsonl` measures it (`benchmarks/text_signals.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from renewals.signal.lexicon import (
    CLAUSE_BREAKS,
    KINDS,
    LEXICON,
    NEGATIONS,
    RULES,
    STOPWORDS,
    VETOES,
)

LANGUAGES = ("en", "de", "id", "ms")
NEGATION_WINDOW = 4  # words before a phrase in which a negation counts
_SENTENCES = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"'»”)])\s+|\n+")
_WORDS = re.compile(r"[^\W\d_]+(?:'[a-z]+)?", re.UNICODE)
_CLAUSE = re.compile(CLAUSE_BREAKS, re.IGNORECASE)
_MALAY_AFFIXES = re.compile(
    r"^(?:(?:mem|men|meng|meny|ber|ter|di|pe[mn]?)\w{3,}|\w{3,}(?:nya|kan|lah)"
    r"|(?:ke|per|pe)\w{3,}an)$"
)


@dataclass(frozen=True)
class TextSignal:
    """One kind of signal found in a text, with the sentence that shows it."""

    signal: str  # one of lexicon.KINDS
    rule: str  # SIG-2 .. SIG-8
    language: str  # the text's language (ISO 639-1)
    evidence: str  # the sentence, as written
    matched: str  # the phrase that matched, or the semantic layer's reason ("reads like: ...")
    method: str = "vocabulary"  # vocabulary | semantic (issue 18, renewals.signal.semantic)
    score: float = 1.0  # 1.0 for a vocabulary phrase; the semantic layer's confidence otherwise

    def to_dict(self) -> dict[str, str | float]:
        return {
            "signal": self.signal,
            "rule": self.rule,
            "language": self.language,
            "evidence": self.evidence,
            "matched": self.matched,
            "method": self.method,
            "score": self.score,
        }


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negatable: bool


_STOPWORDS = {lang: frozenset(words.split()) for lang, words in STOPWORDS.items()}


def detect_language(text: str, prior: str | None = None) -> str:
    """The text's language (en, de, id or ms) by its function words; English if unsure.

    Indonesian and Malay share most function words: the family is chosen first,
    then the words only one of them uses ("bisa", "karena" vs "boleh", "kerana").

    `prior` is what we already know (the account's language, or the language of the
    customer's earlier texts): a short text ("Apakah kelebihan persaingan anda?") has
    too few words to decide alone, so the prior decides a tie or an empty count, and a
    Malay-family prior keeps a text with any Malay-family evidence in that family.
    """
    if prior is not None and prior not in LANGUAGES:
        prior = None
    words = [w.lower() for w in _WORDS.findall(text)]
    if not words:
        return prior or "en"
    counts = {lang: sum(w in vocab for w in words) for lang, vocab in _STOPWORDS.items()}
    malay = counts["malay"] + counts["id"] + counts["ms"]
    affixed = sum(bool(_MALAY_AFFIXES.match(w)) for w in words)
    if any(ch in text for ch in "äöüßÄÖÜ"):
        counts["de"] += 2
    family = {"en": counts["en"], "de": counts["de"], "malay": malay}
    best = max(family.items(), key=lambda x: x[1])
    prior_family = "malay" if prior in ("id", "ms") else prior
    if prior_family == "malay" and (malay or affixed) and malay >= max(counts["en"], counts["de"]):
        best = ("malay", malay)
    elif prior_family is not None and family[prior_family] == best[1]:
        best = (prior_family, best[1])  # a tie (or nothing at all) goes to what we know
    elif best[1] == 0:
        # No function word at all: Malay-family affixes (harga-nya, me-nawar-kan) still tell.
        return "id" if affixed >= 2 else "en"
    if best[0] != "malay":
        return best[0]
    if counts["ms"] == counts["id"] and prior in ("id", "ms"):
        return prior
    return "ms" if counts["ms"] > counts["id"] else "id"


def _matching_languages(language: str) -> tuple[str, ...]:
    """Whose vocabulary to match: the language's own, its sibling's, and English."""
    if language in ("id", "ms"):
        return (language, "ms" if language == "id" else "id", "en")
    return (language, "en") if language != "en" else ("en",)


@cache
def _patterns(language: str) -> dict[str, tuple[_Pattern, ...]]:
    """Compiled patterns per kind for a text in `language` (compiled once per language)."""
    compiled: dict[str, list[_Pattern]] = {kind: [] for kind in KINDS}
    for lang in _matching_languages(language):
        for kind, entries in LEXICON[lang].items():
            for entry in entries:
                negatable = not entry.startswith("!")
                source = entry if negatable else entry[1:]
                compiled[kind].append(
                    _Pattern(re.compile(rf"\b(?:{source})\b", re.IGNORECASE), negatable)
                )
    return {kind: tuple(patterns) for kind, patterns in compiled.items()}


def _screens(language: str) -> dict[str, re.Pattern[str]]:
    """Per kind, one pattern of all its phrases: a sentence it does not match anywhere
    cannot match any single phrase, so it is passed over without trying the phrases one by
    one (most sentences carry no signal: 5 million separate searches a day on the
    10,000-account book, issue 20). The same hits either way: an alternation matches
    somewhere exactly when one of its alternatives does."""
    return _screens_of(frozenset(_matching_languages(language)))


@cache
def _screens_of(languages: frozenset[str]) -> dict[str, re.Pattern[str]]:
    """`_screens` of the phrases of `languages`, compiled once per set: whether a sentence
    matches somewhere does not depend on the alternatives' order, so Indonesian and Malay,
    which match the same three vocabularies in another order, share theirs (compiling the
    screens was most of the vocabulary's fixed cost a process, issue 20)."""
    phrases: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for lang in sorted(languages):
        for kind, entries in LEXICON[lang].items():
            phrases[kind].extend(rf"\b(?:{e[1:] if e.startswith('!') else e})\b" for e in entries)
    return {
        kind: re.compile("|".join(sources), re.IGNORECASE)
        for kind, sources in phrases.items()
        if sources
    }


@cache
def _vetoes(language: str) -> dict[str, re.Pattern[str]]:
    """Per kind, one pattern of the sentences that never carry it (lexicon.VETOES)."""
    merged: dict[str, list[str]] = {}
    for lang in _matching_languages(language):
        for kind, entries in VETOES.get(lang, {}).items():
            merged.setdefault(kind, []).extend(entries)
    return {
        kind: re.compile("|".join(f"(?:{e})" for e in entries), re.IGNORECASE)
        for kind, entries in merged.items()
    }


@cache
def _negation(language: str) -> re.Pattern[str]:
    cues = {NEGATIONS[lang] for lang in _matching_languages(language)}
    return re.compile(rf"(?:\b(?:{'|'.join(sorted(cues))})\b|n't\b)", re.IGNORECASE)


def _negated(sentence: str, start: int, end: int, language: str) -> bool:
    """A negation word in the phrase, or in the few words before it within its clause."""
    clause_start = 0
    for brk in _CLAUSE.finditer(sentence, 0, start):
        clause_start = brk.end()
    before = sentence[clause_start:start]
    words = list(_WORDS.finditer(before))
    if len(words) > NEGATION_WINDOW:
        before = before[words[-NEGATION_WINDOW].start() :]
    return bool(_negation(language).search(before + sentence[start:end]))


def sentences(text: str) -> list[str]:
    """The text split into sentences (at . ! ? and line breaks), stripped, non-empty."""
    return [s.strip() for s in _SENTENCES.split(text) if s and s.strip()]


def detect(text: str, language: str | None = None, *, prior: str | None = None) -> list[TextSignal]:
    """The kinds of signal in `text`, each once, with its first sentence as evidence.

    `language` (en, de, id, ms) overrides the detection; it must be one of LANGUAGES.
    """
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    lang = language or detect_language(text, prior)
    found: dict[str, TextSignal] = {}
    for sentence in sentences(text):
        for kind, hit in _sentence_hits(sentence, lang):
            if kind not in found:
                found[kind] = TextSignal(kind, RULES[kind], lang, sentence, hit)
    return [found[kind] for kind in KINDS if kind in found]


@lru_cache(maxsize=200_000)
def _sentence_hits(sentence: str, language: str) -> tuple[tuple[str, str], ...]:
    """Every kind `sentence` carries in `language`, with the phrase that matched, in KINDS'
    order. A sentence's hits depend on nothing else, and sentences recur across texts
    (greetings, templates, a sentence quoted in many notes: the 10,000-account book's window
    holds 10,469 sentences of its 2,895 wordings, 1,490 of them different), so each is
    matched once (issue 20)."""
    screens, vetoes = _screens(language), _vetoes(language)
    hits = []
    for kind in KINDS:
        if kind not in screens or not screens[kind].search(sentence):
            continue
        if kind in vetoes and vetoes[kind].search(sentence):
            continue
        hit = _first_hit(sentence, _patterns(language)[kind], language)
        if hit is not None:
            hits.append((kind, hit))
    return tuple(hits)


@lru_cache(maxsize=65_536)
def detect_once(text: str) -> tuple[TextSignal, ...]:
    """`detect(text)`, remembered: the same words recur (stock close reasons, templates,
    signatures): the win/loss step read 16,619 close reasons a day, most of them repeats."""
    return tuple(detect(text))


def _first_hit(sentence: str, patterns: tuple[_Pattern, ...], language: str) -> str | None:
    for pattern in patterns:
        for match in pattern.regex.finditer(sentence):
            if pattern.negatable and _negated(sentence, match.start(), match.end(), language):
                continue
            return match.group(0)
    return None
