"""Tests for verbatim.sentiment: VADER polarity plus survey complaint cues."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from verbatim.sentiment import SentimentSettings, complaint_cues, label_sentiment, score_sentiment


@pytest.mark.parametrize(
    "text, label",
    [
        ("Great service, very friendly staff", "positive"),
        ("Love this dress, fits perfectly!", "positive"),
        ("Terrible customer service and rude staff", "negative"),
        ("The zip broke, really disappointed", "negative"),
        ("I bought it in March", "neutral"),
        ("", "neutral"),
    ],
)
def test_sentiment_hand_made_examples(text, label):
    assert score_sentiment([text])["label"].iloc[0] == label


@pytest.mark.parametrize(
    "text",
    [
        "Still waiting for my refund",
        "never arrived",
        "Delivery took 3 weeks",
        "I was charged twice",
        "no one called back",
        "The parcel hasn't arrived yet",
        "the app doesn't work",
        "I was on hold for 40 minutes",
        "The colour is not as pictured",
        "had to chase them for an update",
        "the app crashes when I try to pay",
        "after the update the app won't even open",
    ],
)
def test_sentiment_complaint_cues_push_negative(text):
    row = score_sentiment([text]).iloc[0]
    assert row["complaint_cue"]
    assert row["label"] == "negative"
    assert row["compound"] < row["vader_compound"]


@pytest.mark.parametrize(
    "text",
    ["It has arrived quickly", "Delivery took only 2 days", "never had a problem", "Everything arrived on time",
     "Works perfectly", "I got a call back within the hour", "the app opens in a second", "frozen yoghurt was lovely"],
)
def test_sentiment_complaint_cues_no_false_alarm(text):
    assert not complaint_cues([text])[0]


def test_sentiment_hedges_are_not_praise():
    # VADER scores "honest" +2.3 and "fair" +1.3: as hedges they judge nothing.
    hedged = score_sentiment(["To be honest the delivery was late", "Honestly, the worst service ever",
                              "to be fair it was a Monday", "the staff were honest and fair"])
    assert hedged["label"].tolist() == ["neutral", "negative", "neutral", "positive"]


def test_sentiment_strong_praise_with_cue_only_pulled_down():
    row = score_sentiment(["Delivery took 3 weeks but worth the wait, love it"]).iloc[0]
    assert row["complaint_cue"]
    assert row["compound"] == pytest.approx(row["vader_compound"] - 0.5)
    assert row["label"] == "positive"


def test_sentiment_cues_can_be_turned_off():
    row = score_sentiment(["never arrived"], SentimentSettings(complaint_cues=False)).iloc[0]
    assert not row["complaint_cue"] and row["label"] == "neutral"
    custom = SentimentSettings(complaint_patterns=(r"\bsmelled of smoke\b",))
    assert score_sentiment(["The room smelled of smoke"], custom)["label"].iloc[0] == "negative"
    assert score_sentiment(["never arrived"], custom)["label"].iloc[0] == "neutral"


def test_sentiment_vectorised_keeps_order_and_duplicates():
    texts = ["Awful", "Lovely", "Awful", "It is a shirt"]
    out = score_sentiment(texts)
    assert out.columns.tolist() == ["vader_compound", "complaint_cue", "compound", "label"]
    assert out["label"].tolist() == ["negative", "positive", "negative", "neutral"]
    assert out.loc[0, "compound"] == out.loc[2, "compound"]
    assert out["compound"].between(-1, 1).all()
    assert len(score_sentiment([])) == 0


def test_sentiment_on_worker_processes_equals_one_process():
    texts = ["Awful", "Lovely", "still waiting for my refund", "It is a shirt", "Awful"] * 30
    one = score_sentiment(texts, SentimentSettings(n_process=1))
    two = score_sentiment(texts, SentimentSettings(n_process=2))
    pd.testing.assert_frame_equal(one, two)


def test_sentiment_label_thresholds_inclusive_and_configurable():
    scores = np.array([-0.5, -0.05, 0.0, 0.05, 0.5])
    assert label_sentiment(scores).tolist() == ["negative", "negative", "neutral", "positive", "positive"]
    wide = SentimentSettings(negative_threshold=-0.3, positive_threshold=0.3)
    assert label_sentiment(scores, wide).tolist() == ["negative", "neutral", "neutral", "neutral", "positive"]


def test_sentiment_settings_validated():
    with pytest.raises(ValueError):
        SentimentSettings(negative_threshold=0.5, positive_threshold=0.1)
    with pytest.raises(ValueError):
        SentimentSettings(complaint_patterns=("(unclosed",))


def test_complaint_cues_match_as_the_patterns_joined_case_insensitively():
    """The cues are matched faster (patterns opening on a word boundary grouped, ASCII text
    lower-cased) but find exactly what one case-insensitive regex of the patterns finds,
    for the defaults and for patterns a user writes (capitals, a top-level alternation)."""
    import re

    from verbatim.sentiment import DEFAULT_COMPLAINT_PATTERNS, SentimentSettings, complaint_cues

    texts = ["STILL WAITING for my refund", "Café: it never arrived", "It Didn’t Work", "only took 3 weeks",
             "took 3 Weeks to come", "Kept Crashing!", "İ am still waiting", "the parcel was fine", "",
             "nobody called back", "Charged me TWICE", "bar none", "a foobar", "Never  Arrived"]
    for patterns in (DEFAULT_COMPLAINT_PATTERNS, (r"Never\s+Arrived", r"\bfoo|bar", r"\bstill waiting")):
        joined = re.compile("|".join(f"(?:{p})" for p in patterns), re.I)
        expected = [bool(joined.search(t.replace("’", "'"))) for t in texts]
        assert complaint_cues(texts, SentimentSettings(complaint_patterns=patterns)).tolist() == expected
        assert any(expected) and not all(expected)


def test_score_sentiment_remembers_texts_per_settings():
    """A text scored once is not scored again with the same settings (the theme fit asks for
    segments the sentiment stage scored), with the same result; other settings score afresh."""
    from verbatim import sentiment
    from verbatim.sentiment import SentimentSettings, score_sentiment

    texts = ["the parcel never arrived", "lovely staff", "it was ok"]
    first = score_sentiment(texts)
    assert set(texts) <= set(sentiment._scored_memo(SentimentSettings()))
    again = score_sentiment(texts[::-1])
    pd.testing.assert_frame_equal(again.iloc[::-1].reset_index(drop=True), first)
    no_cues = score_sentiment(texts, SentimentSettings(complaint_cues=False))
    assert not no_cues["complaint_cue"].any() and first["complaint_cue"].tolist() == [True, False, False]
    # A full memo starts afresh before it scores, so what a call asks for is all there.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sentiment, "_MEMO_TEXTS", 4)
        wider = score_sentiment([*texts, "late again", "rude agent"])
        pd.testing.assert_frame_equal(wider.iloc[:3], first)
