"""Every theme label verbatim gives on four corpora, to review a change to label choice.

Labels are read by people, so a change to how they are chosen is judged by reading them.
This fits the default themes (MiniLM, seed 0) on

- ``sample``: the bundled survey (``data/samples/nps_survey.csv``), as ``verbatim demo``;
- ``semeval``: the 1,265 single-category SemEval-2016 restaurant sentences (as bench_semeval);
- ``clothing``: ``--clothing N`` reviews (default 8,000) of ``womens_clothing_reviews``,
  drawn with seed 1;
- ``titled``: 4,000 reviews of the same file drawn with seed 7, read with their titles
  (``--text Title --text "Review Text"``: a title over its review, as multi-column exports
  give them), as ``verbatim analyze`` reads them;

prints each theme's id, size, label and top keywords, and writes them to
``benchmarks/results/labels.json``, with how well each corpus' themes keep the opposite ends of
a dimension apart (:func:`pole_mix`: "runs small" and "runs large") and which themes are general
(:func:`general_of`: "really disappointed", kept out of the rankings). With ``--compare OLD.json`` (a copy of that file from
another commit) it prints only the labels that changed. Vectors are cached in
``--cache`` (default ``.cache/labels`` of the clone), so a second run takes under a
minute.

    .venv/bin/python benchmarks/label_audit.py
    cp benchmarks/results/labels.json /tmp/before.json   # ... change labels.py ...
    .venv/bin/python benchmarks/label_audit.py --compare /tmp/before.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
RESULTS = HERE / "results" / "labels.json"
CLOTHING = ROOT.parent / "shared" / "data" / "womens_clothing_reviews" / "reviews.csv"


def _rows(themes) -> list[list]:
    return [[int(t.theme_id), int(t.size), str(t.label), list(t.keywords)[:4]] for t in themes.itertuples()]


def _fitted(analysis):
    """(themes table, segment texts, their theme ids) of a pipeline run."""
    return analysis.themes, analysis.segments["text"].tolist(), analysis.segments["theme_id"].to_numpy()


def pole_mix(themes, texts, theme_ids, min_judged: int = 30, min_share: float = 0.3) -> dict:
    """How well themes keep the opposite ends of a dimension apart (``verbatim.poles``): the
    themes about a dimension (at least ``min_judged`` of their segments, and ``min_share`` of
    them, judge it by one end only), the share of those segments that judge the end their
    theme judges less ("runs large" in a "runs small" theme; lower is purer), and the most mixed
    theme: its label, dimension and segments judging each end."""
    import numpy as np

    from verbatim.poles import POLES, pole_counts

    ends = pole_counts(texts)
    ids = np.asarray(theme_ids)
    label = dict(zip(themes["theme_id"].astype(int), themes["label"]))
    about = minority = judged = 0
    worst = None
    for theme in sorted(set(ids.tolist()) - {-1}):
        rows = ends[ids == theme]
        for j, (dimension, _, _) in enumerate(POLES):
            low, high = int((rows[:, j] < 0).sum()), int((rows[:, j] > 0).sum())
            if low + high >= max(min_judged, min_share * len(rows)):
                about += 1
                minority += min(low, high)
                judged += low + high
                if worst is None or min(low, high) > min(worst[2], worst[3]):
                    worst = [label.get(theme, str(theme)), dimension, low, high]
    return {"themes_about_a_dimension": about, "minority_share": round(minority / judged, 3) if judged else None,
            "most_mixed": worst}


def general_of(themes, texts, theme_ids, nearest: int = 5) -> dict:
    """The general themes (``verbatim.general``) of a fit, and their share of the segments;
    each with its size, its most shared subject word (a stem) and that word's share of its
    segments, and the same for the ``nearest`` other themes whose word is least shared (the
    themes just over the cut). A pipeline run's themes table says which are general; a bare
    theme model's (SemEval) is judged here the same way. Themes above MAX_READ segments are
    read whole here (the pipeline reads a sample of them)."""
    import numpy as np

    from verbatim.general import general_themes, top_subject

    if "general" in themes:
        general = set(themes.loc[themes["general"], "theme_id"].astype(int))
    else:
        general = general_themes(texts, theme_ids)
    ids = np.asarray(theme_ids)
    rows = []
    for t in themes.itertuples():
        members = [texts[i] for i in np.flatnonzero(ids == int(t.theme_id))]
        word, n = top_subject(members)
        rows.append((int(t.theme_id) in general, round(n / max(1, len(members)), 3), str(t.label), len(members), word))
    rows.sort(key=lambda r: (r[1], r[2]))
    return {"themes": [[label, size, word, share] for is_general, share, label, size, word in rows if is_general],
            "nearest_others": [[label, size, word, share] for is_general, share, label, size, word in rows
                               if not is_general][:nearest],
            "segment_share": round(float(np.isin(ids, list(general)).mean()) if len(ids) else 0.0, 4)}


def sample_labels(cache: str):
    from verbatim.config import Config
    from verbatim.pipeline import analyze

    config = Config.default().updated({"embed": {"cache_dir": cache, "show_progress": False}}, source="audit")
    return _fitted(analyze(ROOT / "data" / "samples" / "nps_survey.csv", None, config).analysis)


def clothing_labels(cache: str, n: int):
    import pandas as pd

    from verbatim.config import Config
    from verbatim.pipeline import analyze

    reviews = pd.read_csv(CLOTHING).dropna(subset=["Review Text"])
    config = Config.default().updated({
        "embed": {"cache_dir": cache, "show_progress": False},
        "columns": {"text": ["Review Text"], "score": "Rating", "department": "Department Name"},
        "input": {"scale": "5"},
    }, source="audit")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reviews.csv"
        reviews.sample(min(n, len(reviews)), random_state=1).to_csv(path, index=False)
        return _fitted(analyze(path, None, config).analysis)


def titled_labels(cache: str):
    import pandas as pd

    from verbatim.config import Config
    from verbatim.pipeline import analyze

    config = Config.default().updated({
        "embed": {"cache_dir": cache, "show_progress": False},
        "columns": {"text": ["Title", "Review Text"], "score": "Rating", "department": "Department Name",
                    "id": "Unnamed: 0"},
        "input": {"scale": "5"},
    }, source="audit")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reviews.csv"
        pd.read_csv(CLOTHING).sample(4000, random_state=7).to_csv(path, index=False)
        return _fitted(analyze(path, None, config).analysis)


def semeval_labels(cache: str):
    import numpy as np

    from semeval import load_single_category_sentences
    from verbatim.embed import Embedder, EmbedSettings
    from verbatim.themes import ThemeModel, ThemeSettings

    texts, _ = load_single_category_sentences()
    embedder = Embedder(EmbedSettings(show_progress=False, cache_dir=cache))
    vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    model = ThemeModel(ThemeSettings(seed=0), embedder=embedder).fit(texts, vectors)
    return model.themes_, texts, model.labels_


def changed(old: dict, new: dict) -> list[str]:
    """One line per theme whose label differs (themes matched by corpus and id). Where the
    themes themselves differ (their sizes: a change to segmentation or clustering), ids do not
    match the same themes: the labels that came and went are listed instead."""
    lines = []
    for corpus, rows in new.items():
        if corpus in old and [row[1] for row in old[corpus]] != [row[1] for row in rows]:
            gone = sorted({row[2] for row in old[corpus]} - {row[2] for row in rows})
            came = sorted({row[2] for row in rows} - {row[2] for row in old[corpus]})
            lines.append(f"{corpus:>8}: the themes changed ({len(old[corpus])} -> {len(rows)}); "
                         f"{len(gone)} labels gone: {gone}; {len(came)} new: {came}")
            continue
        before = {row[0]: row[2] for row in old.get(corpus, [])}
        for theme_id, size, label, keywords in rows:
            if before.get(theme_id, label) != label:
                lines.append(f"{corpus:>8} {theme_id:>4} {size:>5}  {before[theme_id]!r} -> {label!r}  {keywords}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="sample,semeval,clothing,titled")
    parser.add_argument("--clothing", type=int, default=8000, help="number of clothing reviews")
    parser.add_argument("--cache", default=str(ROOT / ".cache" / "labels"))
    parser.add_argument("--compare", type=Path, help="an earlier labels.json: print only what changed")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    fits = {"sample": lambda: sample_labels(args.cache), "semeval": lambda: semeval_labels(args.cache),
            "clothing": lambda: clothing_labels(args.cache, args.clothing), "titled": lambda: titled_labels(args.cache)}
    fitted = {corpus: fits[corpus]() for corpus in args.corpora.split(",")}
    labels = {corpus: _rows(themes) for corpus, (themes, _, _) in fitted.items()}
    poles = {corpus: pole_mix(themes, texts, ids) for corpus, (themes, texts, ids) in fitted.items()}
    general = {corpus: general_of(themes, texts, ids) for corpus, (themes, texts, ids) in fitted.items()}
    if args.compare:
        lines = changed(json.loads(args.compare.read_text())["labels"], labels)
        print("\n".join(lines) or "no label changed")
    else:
        for corpus, rows in labels.items():
            print(f"== {corpus}: {len(rows)} themes")
            for theme_id, size, label, keywords in rows:
                print(f"  {theme_id:>4} {size:>5}  {label:<40} {keywords}")
    for corpus, mix in poles.items():
        print(f"{corpus:>8}: {len(labels[corpus])} themes, {mix['themes_about_a_dimension']} about a dimension "
              f"(runs small / runs large), minority end {mix['minority_share']}, most mixed {mix['most_mixed']}")
    for corpus, found in general.items():
        print(f"{corpus:>8}: {len(found['themes'])} general themes, {found['segment_share']:.1%} of the segments: "
              + ", ".join(f"{label} ({n}, {word} {share:.1%})" for label, n, word, share in found["themes"])
              + "; nearest others: " + ", ".join(f"{label} ({n}, {word} {share:.1%})"
                                                 for label, n, word, share in found["nearest_others"]))
    from bench_pipeline import machine

    RESULTS.write_text(json.dumps({"machine": machine(), "clothing_reviews": args.clothing, "poles": poles,
                                   "general": general, "labels": labels}, indent=1) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
