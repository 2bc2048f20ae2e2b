"""verbatim.mentions: which responses mention which theme, and on which side."""

from __future__ import annotations

import pandas as pd

from verbatim.mentions import ALL_SIDE, COMPLAINT, PRAISE, MentionSettings, theme_mentions


def test_mentions_matrix_sides_and_other():
    responses = pd.Series(["r0", "r1", "r2", "r3", "r4"])  # r4 wrote nothing
    segments = pd.DataFrame(
        [("r0", 0, "negative"), ("r0", 0, "positive"), ("r0", 1, "neutral"), ("r1", 0, "negative"),
         ("r2", 0, "positive"), ("r2", -1, "negative"), ("r3", 2, "negative"), ("r3", 2, "negative")],
        columns=["response_id", "theme_id", "sentiment"],
    )
    found = theme_mentions(responses, segments, MentionSettings(mixed_min_share=0.25))
    assert found.mixed == frozenset({0})  # 2 of 3 responses complain, 2 of 3 praise
    assert found.keys == {"0:complaint": (0, COMPLAINT), "0:praise": (0, PRAISE), "1": (1, ALL_SIDE), "2": (2, ALL_SIDE)}
    assert found.matrix.index.tolist() == ["r0", "r1", "r2", "r3", "r4"]  # every response, in order
    assert found.matrix["0:complaint"].tolist() == [True, True, False, False, False]
    assert found.matrix["0:praise"].tolist() == [True, False, True, False, False]
    assert found.matrix["1"].tolist() == [True, False, False, False, False]
    assert found.matrix["2"].tolist() == [False, False, False, True, False]  # two segments, one mention
    assert found.matrix.dtypes.eq(bool).all()


def test_mentions_sides_count_distinct_responses_not_segments():
    # One response with three complaining segments does not outweigh three praising responses.
    responses = pd.Series(["a", "b", "c", "d"])
    segments = pd.DataFrame(
        [("a", 5, "negative"), ("a", 5, "negative"), ("a", 5, "negative"),
         ("b", 5, "positive"), ("c", 5, "positive"), ("d", 5, "positive")],
        columns=["response_id", "theme_id", "sentiment"],
    )
    assert theme_mentions(responses, segments, MentionSettings(mixed_min_share=0.3)).mixed == frozenset()
    assert theme_mentions(responses, segments, MentionSettings(mixed_min_share=0.25)).mixed == frozenset({5})
