"""Themes that judge without naming what is judged: "really disappointed", "love it", "highly recommend".

Clustering sentence embeddings gathers, beside the themes about something (sizes, fabric,
late parcels), themes of pure reaction: the sentences that only say how the customer feels
("I was so disappointed", "Love, love, love", "would recommend to friends and family"), and
themes of sentences that make sense only within their comment ("it all went horribly wrong
from there", "this one is certainly the exception"). They move the NPS, as any mood does, but
ranked as an improvement area they tell a department head nothing to fix: of 4,000 clothing
reviews, "really disappointed" was the second improvement area and "love this item" a
leading strength.

A theme is **general** when no word that could name a subject is shared by at least one in
ten of its segments (:data:`MIN_SUBJECT_SHARE`; and by two segments at least). The words
that cannot name a subject are function words, words of evaluation or feeling that say how
good without saying what ("great", "disappointed", "recommend", "wish", "problem"), words
that stand for the purchase as a whole ("item", "product", "experience") and the verbs every
sentence leans on ("is", "looks", "went", "worked"). Words of a dimension ("rude", "slow",
"soft", "cheap", "small") and of appearance ("beautiful", "cute") name what is judged and
count as subjects, as numbers do (sizes, days, prices); words are compared as crude stems, so
that "returned" and "returns", "curvy" and "curves" are one subject. The share of the most
shared subject word runs as a continuum from theme to theme, and a tenth is a cut in it: on
the bundled sample, SemEval's restaurant sentences and two draws of clothing reviews
(``benchmarks/label_audit.py``) the themes below it read as reactions or as sentences out of
context, and those above it name their subject, vaguely for a few just above. Praise that names
the company ("great company", "first class service") names a subject and stays ranked.

English word lists, like the rest of the labelling. :func:`general_themes` is a pure
function of the segment texts of each theme.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["MIN_SUBJECT_SHARE", "MIN_SUBJECT_SEGMENTS", "subject_words", "top_subject", "general_themes", "is_general"]

#: A word names a theme's subject when at least this share of its segments holds it...
MIN_SUBJECT_SHARE = 0.1
#: ...and at least this many segments.
MIN_SUBJECT_SEGMENTS = 2
#: Segments read per theme (a seeded sample above it): enough to tell a share of a tenth.
MAX_READ = 1000

#: Words that judge or feel without saying what about: overall evaluation, emotion,
#: recommendation, expectation, and the nouns that say there is a problem but not which.
EVALUATIVE = frozenset("""
good great excellent amazing awesome fantastic fabulous wonderful terrific superb outstanding brilliant
incredible phenomenal spectacular marvelous marvellous perfect perfectly nice fine ok okay alright decent
lovely best better worst worse bad poor terrible terribly horrible horribly awful awfully dreadful abysmal
atrocious appalling lousy crappy mediocre average disappointing disappointed disappointment satisfied
unsatisfied dissatisfied satisfying satisfaction disappoint disappoints happy happier unhappy pleased displeased glad thrilled
delighted ecstatic impressed unimpressed upset sad sadly annoyed frustrated frustrating angry furious
disgusted heartbroken love loved loves loving like liked likes hate hated hates dislike disliked favorite
favourite fave recommend recommended recommending recommendation unfortunately fortunately happily
regret regretted wow yay meh ugh thanks thank cool super fab stellar gem winner joy pleasure disaster
shame pity worth keeper enjoy enjoyed enjoying pleasant unpleasant pleasantly complaint complain
complaining problem issue wrong right expected expect expecting expectation hope hoped hoping wish wished
want wanted surprised surprise surprisingly amazed impressive fun
""".split())

#: Words that stand for the purchase, the visit or the company as a whole ("love this item",
#: "great experience overall", "recommend to friends and family").
GENERIC_REFERENCES = frozenset("""
item product thing stuff purchase purchased buy bought experience everything anything overall one
friend family
""".split())

#: Verbs every sentence leans on (auxiliary, linking, light and modal), and degree or hedge words.
_SUPPORT = frozenset("""
is are was were be been being am seem seems seemed look looks looked looking feel feels felt get gets got
go goes going went gone turn turned turns work works worked working do does did done doing make makes made
have has had having come comes came say said think thought know knew guess would could should will can
might must shall really just definitely absolutely totally truly quite pretty bit little lot way probably
maybe actually honestly seriously sure highly extremely super so very too also even still though tbh imo imho
lol btw
""".split())

# Words of scikit-learn's English stop list that name things in feedback ("the back",
# "the bill", "on the phone: call", "thin fabric"): not function words here.
_CONTENT_STOP_WORDS = frozenset("""
amount back bill bottom call cry describe detail empty fill find fire found front full interest mill
move name part put serious show side system take thick thin top give
""".split())

# Stems that "didn't", "won't", "it's" leave once the clitic is cut.
_CLITIC_STEMS = frozenset("aren couldn didn doesn don hadn hasn haven isn mightn mustn needn shouldn wasn "
                          "weren won wouldn ain can im ive id ill".split())

_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_PLACEHOLDER = re.compile(r"\[(?:EMAIL|PHONE|CARD|NAME)\]")
_RUN = re.compile(r"([a-z])\1{2,}")  # "soooo", "loooove"


def _function_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return (frozenset(ENGLISH_STOP_WORDS) - _CONTENT_STOP_WORDS) | _SUPPORT | _CLITIC_STEMS


@functools.lru_cache(maxsize=1)
def _not_subject() -> frozenset[str]:
    return EVALUATIVE | GENERIC_REFERENCES | _function_words()


_SUFFIXES = ("ing", "ed", "ly", "es", "s", "y", "e")


def _stem(word: str) -> str:
    """A crude stem, so that one subject said in several forms is one word: "returned" and
    "returns" -> "return", "curvy" and "curves" -> "curv", "shaped" -> "shap". Numbers stay."""
    if word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":  # "stopped" -> "stop"
                word = word[:-1]
            break
    return word


def subject_words(text: str) -> set[str]:
    """The words of ``text`` that could name what it is about, as crude stems (:func:`_stem`).

    >>> sorted(subject_words("I was so disappointed, it's a keeper though!"))
    []
    >>> sorted(subject_words("The waistband is too tight, size 6"))
    ['6', 'siz', 'tight', 'waistband']
    """
    if "[" in text:
        text = _PLACEHOLDER.sub(" ", text)
    text = text.lower().replace("’", "'")
    return {stem for stem in map(_subject_stem, _TOKEN.findall(text)) if stem}


@functools.lru_cache(maxsize=1 << 16)
def _subject_stem(token: str) -> str:
    """The stem a token (lower case) names a subject by, or "" when it cannot name one. Cached:
    a survey's vocabulary is small beside its number of words."""
    skip = _not_subject()
    word = token.split("'", 1)[0]
    if word in skip:
        return ""
    if _RUN.search(word):  # "soooo" -> "so" or "soo"; "loooove" -> "love"
        once, twice = _RUN.sub(r"\1", word), _RUN.sub(r"\1\1", word)
        if once in skip or twice in skip:
            return ""
        word = twice
    if len(word) < 2 and not word.isdigit() or (word.endswith("s") and word[:-1] in skip):  # "friends"
        return ""
    return _stem(word)


def top_subject(texts: Sequence[str]) -> tuple[str, int]:
    """The subject word (:func:`subject_words`) held by the most of ``texts``, and by how many
    (the first in alphabetical order on a tie; ``("", 0)`` when they hold none)."""
    counts = Counter(word for text in texts for word in subject_words(text))
    return min(counts.items(), key=lambda item: (-item[1], item[0])) if counts else ("", 0)


def is_general(texts: Sequence[str]) -> bool:
    """True when no subject word (:func:`subject_words`) is held by at least
    :data:`MIN_SUBJECT_SHARE` of ``texts`` and :data:`MIN_SUBJECT_SEGMENTS` of them."""
    if not len(texts):
        return False
    return top_subject(texts)[1] < max(MIN_SUBJECT_SEGMENTS, MIN_SUBJECT_SHARE * len(texts))


def general_themes(texts: Sequence[str], theme_ids: Sequence[int], *, exclude: Iterable[int] = (),
                   seed: int = 0) -> frozenset[int]:
    """Theme ids (>= 0, not in ``exclude``) whose segments name no shared subject.

    ``texts`` and ``theme_ids`` are the segments' texts and themes (one each per segment).
    Themes of more than :data:`MAX_READ` segments are judged on a sample of that many drawn
    with ``seed``: the result does not depend on the order of the segments.
    """
    ids = np.asarray(theme_ids, dtype=np.int64)
    if len(ids) != len(texts):
        raise ValueError(f"{len(texts)} texts for {len(ids)} theme ids")
    skip = set(exclude)
    order = np.argsort(ids, kind="stable")
    bounds = np.flatnonzero(np.diff(ids[order])) + 1
    found = set()
    for rows in np.split(order, bounds) if len(ids) else []:
        tid = int(ids[rows[0]])
        if tid < 0 or tid in skip:
            continue
        members = [texts[i] for i in rows]
        if len(members) > MAX_READ:  # sorted first: the same sample whatever the row order
            members = sorted(members)
            pick = np.random.default_rng(seed).choice(len(members), MAX_READ, replace=False)
            members = [members[i] for i in sorted(pick)]
        if is_general(members):
            found.add(tid)
    return frozenset(found)
