"""Segment polarity: VADER with verbatim's complaint cues against the polarity learnt from scores.

verbatim labels each segment with VADER plus complaint cues (``verbatim.sentiment``); a
theme's complaint side is its negative segments. VADER scores words, so complaints without
a sentiment word ("the fabric is thin", "late again") come out neutral. With
``[sentiment] learn_from_scores = true``, :mod:`verbatim.polarity` also uses each comment's
score: a ridge probe on the segment embeddings, trained to tell promoters' segments from
detractors', cross-fitted by response and gated on its held-out AUC, relabels the segments
whose lexicon score is weak. This script measures both on sentences with known polarity.

Data: SemEval-2016 restaurant reviews (``../shared/data``), whose sentences carry opinion
polarities. They have no scores, so each review gets a pseudo score: the share of positive
opinions among its positive and negative ones (>= 0.8 promoter, <= 0.5 detractor, else
passive). The sentences' own polarities feed their review's pseudo score, as a comment's
content feeds a real score; the probe is cross-fitted (5 folds grouped by review), so no
sentence is labelled by a model that saw its own review. Scored: sentences whose opinions are
all positive or all negative. The same probe with the pseudo scores shuffled across reviews
must learn nothing (its gate fails).

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
    import dataclasses

    from verbatim.embed import Embedder, EmbedSettings
    from verbatim.polarity import learn_polarity
    from verbatim.sentiment import SentimentSettings, score_sentiment

    texts, reviews, polarity, group = load_reviews()
    X = Embedder(EmbedSettings(show_progress=False)).embed(texts)
    vader = score_sentiment(texts)
    compound, label = vader["compound"].to_numpy(), vader["label"].to_numpy(dtype=object)
    sign = np.where(group == 1, 1, np.where(group == 0, -1, 0)).astype(np.int8)
    known = polarity != None  # noqa: E711 - object array: elementwise
    truth = polarity[known]
    print(f"{len(texts)} sentences in {len(set(reviews))} reviews; {known.sum()} with one polarity; "
          f"pseudo groups: {(group == 1).sum()} promoter, {(group == 0).sum()} detractor, {(group == -1).sum()} passive")
    settings = dataclasses.replace(SentimentSettings(), learn_from_scores=True)

    def learn(signs, **change):
        return learn_polarity(X, np.arange(len(X)), reviews.tolist(), signs, label, compound,
                              dataclasses.replace(settings, **change))

    learnt, probe = learn(sign)
    alone, _ = learn(sign, learn_keep_lexicon=1.01, learn_margin=0.0)
    print(f"probe: held-out AUC {probe.auc:.3f}, used: {probe.used}, {probe.changed} labels changed")
    rows = [
        score("VADER + complaint cues (the default)", (label == "positive")[known], (label != "neutral")[known], truth),
        score("learnt from scores (learn_from_scores)", (learnt == "positive")[known], (learnt != "neutral")[known], truth),
        score("the probe alone, no margin", (alone == "positive")[known], (alone != "neutral")[known], truth),
    ]
    shuffled = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        by_review = dict(zip(sorted(set(reviews)), rng.permutation([sign[reviews == r][0] for r in sorted(set(reviews))])))
        _, null = learn(np.array([by_review[r] for r in reviews], dtype=np.int8))
        shuffled.append({"seed": seed, "auc": round(null.auc, 4), "p": null.p, "used": null.used})
        print(f"shuffled pseudo scores, seed {seed}: held-out AUC {null.auc:.3f}, used: {null.used}")
    result = {"data": "SemEval-2016 restaurants train, pseudo review scores from opinion polarities",
              "promoter_share": PROMOTER_SHARE, "detractor_share": DETRACTOR_SHARE,
              "sentences": len(texts), "scored_sentences": int(known.sum()),
              "probe": {"auc": round(probe.auc, 4), "used": probe.used, "changed": probe.changed,
                        "settings": {k: v for k, v in dataclasses.asdict(settings).items() if k.startswith("learn_")}},
              "rules": rows, "shuffled_scores": shuffled}
    out = Path(__file__).resolve().parent / "results" / "polarity.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
