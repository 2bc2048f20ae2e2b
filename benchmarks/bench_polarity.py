"""Segment polarity: VADER with verbatim's complaint cues against a polarity learnt from scores.

A measure for a lever that is not built. verbatim labels each segment with VADER plus
complaint cues (``verbatim.sentiment``); a theme's complaint side is its negative segments.
VADER scores words, so complaints without a sentiment word ("the fabric is thin", "late
again") come out neutral. A survey has something VADER never uses: each comment's score.
This script measures what a linear probe on the segment embeddings, trained to tell
promoters' segments from detractors', gets right that VADER does not.

Data: SemEval-2016 restaurant reviews (``../shared/data``), whose sentences carry opinion
polarities. They have no scores, so each review gets a pseudo score: the share of positive
opinions among its positive and negative ones (>= 0.8 promoter, <= 0.5 detractor, else
passive). The sentences' own polarities feed their review's pseudo score, as a comment's
content feeds a real score; the probe is cross-fitted (5 folds grouped by review), so no
sentence is labelled by a model that saw its own review. Scored: sentences whose opinions are
all positive or all negative.

    .venv/bin/python benchmarks/bench_polarity.py

Writes ``benchmarks/results/polarity.json``.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from semeval import DEFAULT_PATH  # noqa: E402

PROMOTER_SHARE, DETRACTOR_SHARE = 0.8, 0.5
STRONG_VADER = 0.5  # |compound| from which the combined rule keeps VADER's sign


def load_reviews(path: str | Path = DEFAULT_PATH) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Sentence texts, their review ids, their polarity ('positive'/'negative'/None when mixed,
    neutral or absent) and their review's pseudo NPS group (1 promoter, 0 detractor, -1 passive)."""
    texts, reviews, polarity, share_of = [], [], [], {}
    for review in ET.parse(str(path)).getroot().iter("Review"):
        rid = review.get("rid")
        opinions = []
        for sentence in review.iter("sentence"):
            text = (sentence.findtext("text") or "").strip()
            found = [op.get("polarity") for op in sentence.iter("Opinion")]
            opinions += found
            if text:
                texts.append(text)
                reviews.append(rid)
                single = set(found)
                polarity.append(single.pop() if len(single) == 1 and single <= {"positive", "negative"} else None)
        pos, neg = opinions.count("positive"), opinions.count("negative")
        share_of[rid] = pos / (pos + neg) if pos + neg else None
    share = np.array([np.nan if share_of[r] is None else share_of[r] for r in reviews])
    group = np.where(share >= PROMOTER_SHARE, 1, np.where(share <= DETRACTOR_SHARE, 0, -1))
    group[np.isnan(share)] = -1
    return texts, np.array(reviews), np.array(polarity, dtype=object), group


def probe_probabilities(X: np.ndarray, group: np.ndarray, reviews: np.ndarray, folds: int = 5) -> np.ndarray:
    """P(promoter) of each row from a logistic regression fitted on the other folds' promoter
    and detractor rows (folds grouped by review)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    prob = np.full(len(X), np.nan)
    for train, test in GroupKFold(n_splits=folds).split(X, group, reviews):
        train = train[group[train] >= 0]
        prob[test] = LogisticRegression(max_iter=2000).fit(X[train], group[train]).predict_proba(X[test])[:, 1]
    return prob


def score(name: str, positive: np.ndarray, decided: np.ndarray, truth: np.ndarray) -> dict:
    """Coverage, accuracy where a side is given, and the share of the truly negative
    sentences called negative (the complaint side found)."""
    is_pos = truth == "positive"
    negatives = ~is_pos
    row = {
        "rule": name,
        "decided": round(float(decided.mean()), 4),
        "accuracy_where_decided": round(float((positive[decided] == is_pos[decided]).mean()), 4),
        "negatives_found": round(float((decided & ~positive & negatives).sum() / negatives.sum()), 4),
        "positives_found": round(float((decided & positive & is_pos).sum() / is_pos.sum()), 4),
    }
    print(f"{name:<40} decided {row['decided']:6.1%}   accurate {row['accuracy_where_decided']:6.1%}   "
          f"negatives found {row['negatives_found']:6.1%}   positives found {row['positives_found']:6.1%}")
    return row


def main() -> dict:
    from verbatim.embed import Embedder, EmbedSettings
    from verbatim.sentiment import score_sentiment

    texts, reviews, polarity, group = load_reviews()
    X = Embedder(EmbedSettings(show_progress=False)).embed(texts)
    prob = probe_probabilities(X, group, reviews)
    vader = score_sentiment(texts)
    compound, label = vader["compound"].to_numpy(), vader["label"].to_numpy()
    known = polarity != None  # noqa: E711 - object array: elementwise
    truth = polarity[known]
    print(f"{len(texts)} sentences in {len(set(reviews))} reviews; {known.sum()} with one polarity; "
          f"pseudo groups: {(group == 1).sum()} promoter, {(group == 0).sum()} detractor, {(group == -1).sum()} passive")
    every = np.ones(known.sum(), dtype=bool)
    strong = np.abs(compound) >= STRONG_VADER
    rows = [
        score("VADER + complaint cues (verbatim today)", (label == "positive")[known], (label != "neutral")[known], truth),
        score("probe", (prob > 0.5)[known], every, truth),
        score(f"VADER where |compound| >= {STRONG_VADER}, else probe",
              np.where(strong, compound > 0, prob > 0.5)[known], every, truth),
    ]
    result = {"data": "SemEval-2016 restaurants train, pseudo review scores from opinion polarities",
              "promoter_share": PROMOTER_SHARE, "detractor_share": DETRACTOR_SHARE,
              "sentences": len(texts), "scored_sentences": int(known.sum()), "rules": rows}
    out = Path(__file__).resolve().parent / "results" / "polarity.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
