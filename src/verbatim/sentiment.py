"""Polarity per segment: VADER, plus complaint cues VADER cannot see.

VADER scores words from a sentiment lexicon, so the commonest survey complaints score 0
(neutral) because they contain no sentiment word at all: "still waiting for my refund",
"never arrived", "took 3 weeks", "charged twice", "no one called back", "the app doesn't
work". :data:`DEFAULT_COMPLAINT_PATTERNS` is a small lexicon of such service-failure
phrasings (regexes, case-insensitive). When one matches, the compound score is shifted down
by ``complaint_shift`` (and clipped to [-1, 1]): a neutral complaint becomes clearly
negative, while a segment with strong praise *and* a cue ("took 3 weeks but worth the
wait, love it") is only pulled down, not overruled.

Discourse hedges ("to be honest", "honestly", "to be fair", "frankly") are left out of
VADER's reading: its lexicon scores "honest" +2.3 and "fair" +1.3, so "to be honest the app
crashes" came out positive (compound 0.51, above the 0.5 at which the learnt polarity
defers to the lexicon) and a complaint landed on the praise side of its theme.

Scores: ``compound`` in [-1, 1] (VADER's normalised sum; after the cue shift), labels from
``SentimentSettings`` thresholds (defaults are VADER's: <= -0.05 negative, >= 0.05 positive).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:  # pragma: no cover - typing only; numpy/pandas load inside functions
    import numpy as np
    import pandas as pd

__all__ = [
    "DEFAULT_COMPLAINT_PATTERNS",
    "SentimentSettings",
    "complaint_cues",
    "label_sentiment",
    "score_sentiment",
]

_NOT = r"(?:n'?t| not| never)"  # "didn't", "didnt", "did not"
DEFAULT_COMPLAINT_PATTERNS: tuple[str, ...] = (
    # waiting for something promised
    r"\bstill (?:waiting|not|no|nothing|haven'?t|hasn'?t|don'?t|doesn'?t|didn'?t|can'?t|cannot|unable)\b",
    r"\byet to (?:receive|arrive|hear|get|be)\b",
    # something that never happened
    r"\bnever (?:arrived|came|turned up|showed up|got|received|delivered|heard|responded|replied|"
    r"called|rang|answered|sent|refunded|fixed|resolved|returned)\b",
    rf"\b(?:(?:did|has|have|had|was|were|is|are){_NOT}|not) (?:yet )?(?:arrive[sd]?|received?|delivered|"
    r"turn(?:ed)? up|show(?:n|ed)? up|come|refunded|resolved|fixed|hear(?:d)? back|g[eo]t back)\b",
    r"\bno(?: ?one|body) (?:called|rang|phoned|got back|came|showed|turned up|answered|replied|"
    r"responded|helped|contacted|bothered|picks? up|returned)\b",
    r"\bno (?:reply|response|answer|call ?back|refund|update|follow[- ]?up|one to help)\b",
    # it took too long
    r"(?<!only )\btook (?:over |more than |nearly |almost |about |around )?(?:\d+|two|three|four|five|six|"
    r"several|many) (?:weeks?|months?)\b",
    r"\btook (?:ages|forever|too long|so long|a long time|far too long)\b",
    r"\bwait(?:ed|ing)? (?:over |more than |for )?(?:\d+|two|three|four|five|several|many) "
    r"(?:hours?|days?|weeks?|months?)\b",
    r"\b(?:on hold|in (?:a|the) queue) for\b",
    # money taken wrongly
    r"\b(?:charged|billed|debited) (?:me )?(?:twice|double|two times|three times|again|the wrong|"
    r"for something)\b",
    r"\b(?:double|over)[- ]?(?:charged|billed)\b",
    # things that do not work
    r"\b(?:keeps?|kept) (?:crashing|freezing|breaking|failing|logging me out|cancell?ing|dropping)\b",
    r"\b(?:stopped|stops) working\b",
    # VADER knows "crash" but not its inflections (it does not lemmatise)
    r"\b(?:crash(?:es|ed|ing)|freezes|freezing up|glitch(?:es|y|ing))\b",
    rf"\b(?:wo|would|does|did|ca){_NOT} (?:even )?(?:open|load|start|launch|connect|sync)\b",
    rf"\b(?:does|did|do|wo|is|was){_NOT} work(?:ing)?\b",
    r"\b(?:wrong|missing|damaged|broken) (?:item|items|size|order|parcel|package|product|parts?)\b",
    r"\bnot (?:as|what was|like the) (?:pictured|picture|described|advertised|shown|ordered|photo)\b",
    r"\b(?:lost|misplaced) (?:my |the |our )?(?:parcel|package|order|delivery|item|luggage)\b",
    r"\bhad to (?:chase|call|ring|email|phone|contact|ask|complain|send it back|return)\b",
)


# Phrases that frame a statement without judging anything; VADER reads them as praise.
_HEDGES = re.compile(
    r"\b(?:to be (?:totally |completely |perfectly |quite )?(?:honest|fair|frank)|(?:quite |very |totally )?honestly|"
    r"if i'?m (?:being )?honest|in (?:all )?(?:fairness|honesty)|frankly|truth be told)\b,?",
    re.I,
)


@dataclasses.dataclass(frozen=True)
class SentimentSettings:
    """Label thresholds on the compound score ([-1, 1]) and the complaint-cue adjustment."""

    negative_threshold: float = -0.05
    positive_threshold: float = 0.05
    complaint_cues: bool = True
    complaint_shift: float = 0.5
    complaint_patterns: tuple[str, ...] = DEFAULT_COMPLAINT_PATTERNS
    # Worker processes: 0 = one per core once there are 500 distinct texts (see verbatim.parallel).
    n_process: int = 0
    # Polarity learnt from the survey's scores (verbatim.polarity), after the embed stage;
    # learn_keep_lexicon above 1 lets the probe decide every segment.
    learn_from_scores: bool = True
    learn_folds: int = 5
    learn_ridge: float = 1e-3
    learn_keep_lexicon: float = 0.5
    learn_margin: float = 0.2
    learn_min_responses: int = 30
    learn_min_auc: float = 0.6
    learn_max_p: float = 0.001

    def __post_init__(self) -> None:
        if not -1.0 <= self.negative_threshold <= self.positive_threshold <= 1.0:
            raise ValueError("need -1 <= negative_threshold <= positive_threshold <= 1")
        if not 0.0 <= self.complaint_shift <= 2.0:
            raise ValueError("complaint_shift must be between 0 and 2")
        if self.n_process < 0:
            raise ValueError("n_process must be 0 (automatic) or more")
        if self.learn_folds < 2:
            raise ValueError("learn_folds must be at least 2 (the probe is cross-fitted)")
        if self.learn_ridge <= 0:
            raise ValueError("learn_ridge must be positive")
        if self.learn_keep_lexicon < 0 or self.learn_margin < 0:
            raise ValueError("learn_keep_lexicon and learn_margin must be at least 0")
        if self.learn_min_responses < 1 or not 0.5 <= self.learn_min_auc <= 1.0 or not 0 < self.learn_max_p <= 1:
            raise ValueError("learn_min_responses >= 1, learn_min_auc in [0.5, 1] and learn_max_p in (0, 1] needed")
        for pattern in self.complaint_patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid complaint pattern {pattern!r}: {exc}") from None


@functools.lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@functools.lru_cache(maxsize=8)
def _opens_on_word_boundary(pattern: str) -> bool:
    """Whether every match of ``pattern`` starts where ``\\b`` holds: it opens on ``\\b``
    outside any alternation ("\\bstill (?:waiting|not)", not "\\bfoo|bar")."""
    try:
        from re import _constants, _parser  # the parser re compiles with (sre_parse before 3.11)

        items = _parser.parse(pattern).data
    except Exception:  # noqa: BLE001 - an unreadable or other re: the pattern is simply not grouped
        return False
    return bool(items) and items[0] == (_constants.AT, _constants.AT_BOUNDARY)


@functools.lru_cache(maxsize=8)
def _cue_res(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str] | None] | None:
    """(the patterns as one case-insensitive regex, the same regex for lower-cased ASCII text
    or None), None without patterns.

    The patterns that open on a word boundary are grouped behind one ``\\b``: the engine then
    tries them only where a word starts or ends, not at every character (the same matches).
    For ASCII text and patterns written in lower case, matching the lower-cased text without
    IGNORECASE finds what IGNORECASE finds, at less cost (VADER and the cues of 24,917 review
    sentences: 1.46 s before, 1.00 s since; ``benchmarks/bench_text_steps.py --n 5000``)."""
    if not patterns:
        return None
    bounded = [p for p in patterns if _opens_on_word_boundary(p)]
    alternatives = ([r"\b(?:" + "|".join(f"(?:{p})" for p in bounded) + ")"] if bounded else []) + [
        f"(?:{p})" for p in patterns if p not in bounded]
    source = "|".join(alternatives)
    lower = re.compile(source) if all(p == p.lower() for p in patterns) else None
    return re.compile(source, re.I), lower


def complaint_cues(texts: Sequence[str], settings: SentimentSettings | None = None) -> np.ndarray:
    """Boolean array: True where a text matches a complaint pattern ("never arrived")."""
    import numpy as np

    settings = settings or SentimentSettings()
    compiled = _cue_res(tuple(settings.complaint_patterns))
    if compiled is None:
        return np.zeros(len(texts), dtype=bool)
    any_case, lower = compiled
    out = np.zeros(len(texts), dtype=bool)
    for i, text in enumerate(texts):
        text = text.replace("’", "'")  # curly apostrophes would defeat "didn't"
        if lower is not None and text.isascii():
            out[i] = lower.search(text.lower()) is not None
        else:
            out[i] = any_case.search(text) is not None
    return out


def label_sentiment(compound: Sequence[float] | np.ndarray, settings: SentimentSettings | None = None) -> np.ndarray:
    """Map compound scores in [-1, 1] to 'negative' / 'neutral' / 'positive' (thresholds inclusive)."""
    import numpy as np

    settings = settings or SentimentSettings()
    scores = np.asarray(compound, dtype=float)
    labels = np.full(scores.shape, "neutral", dtype=object)
    labels[scores >= settings.positive_threshold] = "positive"
    labels[scores <= settings.negative_threshold] = "negative"
    return labels


def _score_distinct(texts: list[str], settings: SentimentSettings) -> list[tuple[float, bool]]:
    """(VADER compound, complaint cue) per text."""
    analyzer = _analyzer()
    cues = complaint_cues(texts, settings) if settings.complaint_cues else [False] * len(texts)
    return [(analyzer.polarity_scores(_HEDGES.sub("", t))["compound"], bool(cue)) for t, cue in zip(texts, cues)]


#: Texts whose scores :func:`score_sentiment` remembers, per settings: the theme fit and the
#: labels ask again for segments the sentiment stage scored (the ~60 closest to each theme).
_MEMO_TEXTS = 400_000  # ~70 MB at most
_MEMO: dict[SentimentSettings, dict[str, tuple[float, bool]]] = {}


def _scored_memo(settings: SentimentSettings) -> dict[str, tuple[float, bool]]:
    if settings not in _MEMO:
        if len(_MEMO) >= 2:  # a run's own settings and the defaults the theme model scores with
            _MEMO.clear()
        _MEMO[settings] = {}
    return _MEMO[settings]


def score_sentiment(texts: Sequence[str], settings: SentimentSettings | None = None, *,
                    lend_idle: bool = False) -> pd.DataFrame:
    """Score each text; one row per input, in order (index 0..n-1).

    Columns: ``vader_compound`` (VADER alone, [-1, 1]), ``complaint_cue`` (bool),
    ``compound`` (after the cue shift, [-1, 1]) and ``label``. Each distinct text is
    scored once (survey answers repeat), and remembered for later calls with the same settings.
    ``lend_idle``: run the :func:`verbatim.parallel.idle_work` task while the workers score.
    """
    import numpy as np
    import pandas as pd

    settings = settings or SentimentSettings()
    texts = ["" if t is None else str(t) for t in texts]
    from .parallel import map_chunks, worker_count

    _analyzer()  # load the lexicon before forking: the workers inherit it
    distinct = list(dict.fromkeys(texts))
    position = {t: i for i, t in enumerate(distinct)}
    rows = np.fromiter((position[t] for t in texts), dtype=np.int64, count=len(texts))
    known = _scored_memo(settings)
    if len(known) + len(distinct) > _MEMO_TEXTS:
        known.clear()
    todo = [t for t in distinct if t not in known]
    work = functools.partial(_score_distinct, settings=settings)
    known.update(zip(todo, map_chunks(work, todo, worker_count(len(todo), settings.n_process), lend_idle=lend_idle)))
    scored = [known[t] for t in distinct]
    raw = np.array([compound for compound, _ in scored], dtype=float).reshape(-1)[rows]
    cues = np.array([cue for _, cue in scored], dtype=bool).reshape(-1)[rows]
    compound = np.clip(raw - settings.complaint_shift * cues, -1.0, 1.0)
    return pd.DataFrame(
        {
            "vader_compound": raw,
            "complaint_cue": cues,
            "compound": compound,
            "label": label_sentiment(compound, settings),
        }
    )
