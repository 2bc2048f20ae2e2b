"""Planted-theme purity on the bundled sample, with and without sides, over several seeds.

The bundled sample (``data/samples``) plants 22 themes, among them opposite experiences of
one topic (quick / slow refund, fast / late delivery, friendly / unhelpful staff). Each planted
theme is mapped to the discovered theme holding most of its segments; its purity is the share
of that theme's segments that are of the planted theme (``tests/test_themes.py`` asserts
purity >= 0.8 for every planted theme at the default seed). This script fits the theme model
on the 3,385 planted segments (real MiniLM vectors) for seeds 0, 1, 2 and 42 (the default),
unguided and with ``configs/themes.toml``, under three polarities:

- ``none``: no polarity (``themes.sides = "off"``);
- ``lexicon``: VADER with complaint cues (``sides = "on"`` on a survey whose scores teach
  nothing);
- ``learnt``: the polarity learnt, cross-fitted, from the sample's scores (what ``analyze``
  passes with ``sides = "auto"``).

    .venv/bin/python benchmarks/bench_planted.py

Writes ``benchmarks/results/planted.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TRUTH = ROOT / "data" / "samples" / "nps_survey_segments_truth.csv"
SAMPLE = ROOT / "data" / "samples" / "nps_survey.csv"
GUIDED = ROOT / "configs" / "themes.toml"
SEEDS = (0, 1, 2, 42)


def purity_by_planted(planted: np.ndarray, found: np.ndarray) -> dict[str, float]:
    """As ``tests/test_themes.py``: each planted theme's best discovered theme (Other aside)
    and the share of that theme's segments that are of the planted theme."""
    table = pd.crosstab(planted, found).drop(columns=[-1], errors="ignore")
    return {theme: float(table.loc[theme, table.loc[theme].idxmax()] / table[table.loc[theme].idxmax()].sum())
            for theme in table.index}


def main() -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from verbatim.embed import Embedder, EmbedSettings
    from verbatim.polarity import group_sign, learn_polarity
    from verbatim.sentiment import SentimentSettings, score_sentiment
    from verbatim.themes import ThemeModel, ThemeSettings

    frame = pd.read_csv(TRUTH)
    texts = frame["segment_text"].astype(str).tolist()
    planted = frame["theme_id"].to_numpy()
    embedder = Embedder(EmbedSettings(show_progress=False))
    X = embedder.embed(texts)
    lexicon = score_sentiment(texts)
    scores = frame["response_id"].map(pd.read_csv(SAMPLE).set_index("response_id")["score"])
    group = np.where(scores >= 9, "promoter", np.where(scores <= 6, "detractor", "passive"))
    learnt, probe = learn_polarity(X, np.arange(len(texts)), frame["response_id"].tolist(), group_sign(group),
                                   lexicon["label"].to_numpy(object), lexicon["compound"].to_numpy(float),
                                   SentimentSettings())
    polarities = {"none": None, "lexicon": lexicon["label"].to_numpy(object), "learnt": learnt}
    results: dict = {"segments": len(texts), "planted_themes": int(len(set(planted))), "probe_auc": round(probe.auc, 4),
                     "seeds": list(SEEDS), "runs": {}}
    for guided in (False, True):
        for name, polarity in polarities.items():
            key = f"{'guided' if guided else 'unguided'}_{name}"
            runs = []
            for seed in SEEDS:
                settings = ThemeSettings(seed=seed, guided_path=str(GUIDED) if guided else "")
                model = ThemeModel(settings, embedder=embedder).fit(texts, X, polarity=polarity)
                purity = purity_by_planted(planted, model.labels_)
                runs.append({"seed": seed, "pure": sum(v >= 0.8 for v in purity.values()),
                             "themes": len(model.themes_),
                             "unassigned": round(float(np.mean(model.labels_ == -1)), 4),
                             "impure": {k: round(v, 2) for k, v in sorted(purity.items()) if v < 0.8}})
            results["runs"][key] = runs
            print(f"{key:18s} pure of {results['planted_themes']}: {[r['pure'] for r in runs]}  "
                  f"themes: {[r['themes'] for r in runs]}", flush=True)
    out = Path(__file__).resolve().parent / "results" / "planted.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
