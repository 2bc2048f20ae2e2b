"""General themes: the ones that judge without naming what is judged (verbatim.general)."""

from __future__ import annotations

import random

import pytest

from verbatim.general import MAX_READ, general_themes, is_general, subject_words, top_subject

# Sentences of reaction alone, as clothing reviews and NPS comments give them.
REACTIONS = [
    "I was so disappointed.", "Love, love, love!", "Would definitely recommend to friends and family.",
    "It all went horribly wrong from there.", "Sadly it just did not work out.", "Soooo happy with this purchase!",
    "Best thing ever", "not great", "It's a keeper.", "Overall a great experience, thanks!", "Wow, wow, wow!",
    "I wanted to love it, I really did.", "Pleasantly surprised", "No complaints at all.", "Just ok.",
    "Could not be happier", "Absolutely love it", "Meh.", "What a disappointment", "Highly recommend!",
]

# One subject said many ways: most sentences name "size", "small", "large" or a number.
SIZES = [
    "It runs small, order a size up.", "I usually wear a 6 and the 6 was tight.", "Runs large, size down.",
    "The small was too big on me", "I'm a size 4 and ordered the 4", "Sizing is off, way too small",
    "Went up a size and it fits", "Size chart is wrong", "Definitely runs small", "The large fits like a medium",
    "Great fit, true to size", "Love it, but it runs small", "Ordered my usual size, too large",
    "Size 8 fit perfectly", "So disappointed, the 10 is tiny", "Perfect!", "Wish it came in petite sizes",
    "Small in the chest", "The XS was huge", "Fits as expected in my normal size",
]


def test_subject_words_keep_what_names_a_subject():
    # As crude stems: "size" and "sized" are one subject word, "siz".
    assert subject_words("The waistband is too tight, size 6") == {"waistband", "tight", "siz", "6"}
    assert subject_words("The staff were so rude and slow") == {"staff", "rud", "slow"}  # dimensions name it
    assert subject_words("Beautiful colors, cheap fabric") == {"beautiful", "color", "cheap", "fabric"}
    assert subject_words("returned it") == subject_words("returns") == subject_words("returning") == {"return"}
    assert subject_words("curvy hips") == subject_words("curves, hip") == {"curv", "hip"}


def test_subject_words_drop_what_only_judges():
    assert subject_words("I was so disappointed, it's a keeper though!") == set()
    assert subject_words("Sooooo happy, loooove it!!") == set()
    assert subject_words("Didn't work out, wouldn't recommend this item to friends") == set()
    assert subject_words("[NAME] was great") == set()  # a placeholder is no subject


def test_subject_words_read_other_alphabets_and_curly_apostrophes():
    assert subject_words("Le café était froid") >= {"café", "froid"}  # "café": too short to cut
    assert subject_words("It didn’t fit") == {"fit"}


def test_top_subject_is_the_most_shared_word_first_alphabetically_on_a_tie():
    assert top_subject(["thin fabric", "fabric pills", "so thin", "love it"]) == ("fabric", 2)
    assert top_subject(["Love it!", "meh"]) == ("", 0)


def test_reactions_are_general_and_subjects_are_not():
    assert is_general(REACTIONS)
    assert not is_general(SIZES)
    assert not is_general(["so rude!", "very rude and unhelpful", "rude staff at the till", "Terrible, rude"] * 3)


def test_a_word_needs_a_tenth_of_the_segments_and_two_of_them():
    # "fabric" once among ten: shared by no two segments, so no subject.
    assert is_general(REACTIONS[:9] + ["The fabric is lovely"])
    # Twice among twenty: a tenth, and two segments.
    assert not is_general(REACTIONS[:18] + ["The fabric is lovely", "fabric pills"])
    # Twice among thirty: two segments, but not a tenth.
    assert is_general(REACTIONS + REACTIONS[:8] + ["The fabric is lovely", "fabric pills"])
    assert not is_general([])


def test_general_themes_finds_the_reaction_theme_whatever_the_row_order():
    texts = REACTIONS + SIZES + ["no idea"]
    ids = [3] * len(REACTIONS) + [7] * len(SIZES) + [-1]
    assert general_themes(texts, ids) == {3}
    rows = list(zip(texts, ids))
    random.Random(1).shuffle(rows)
    assert general_themes([t for t, _ in rows], [i for _, i in rows]) == {3}
    assert general_themes(texts, ids, exclude=[3]) == frozenset()
    with pytest.raises(ValueError):
        general_themes(texts, ids[:-1])


def test_general_themes_reads_a_seeded_sample_of_large_themes():
    # 30 % of the theme names a size: found in the sample of MAX_READ segments, the same on every call.
    n = MAX_READ * 3
    texts = [SIZES[i % len(SIZES)] if i % 10 < 3 else REACTIONS[i % len(REACTIONS)] for i in range(n)]
    assert general_themes(texts, [0] * n) == frozenset()
    only_reactions = [REACTIONS[i % len(REACTIONS)] for i in range(n)]
    assert general_themes(only_reactions, [0] * n) == {0}
