"""Quality benchmark: verbatim's ThemeModel vs BERTopic defaults on SemEval-2016 restaurants.

Sentences with exactly one human aspect category are embedded once (all-MiniLM-L6-v2,
through verbatim's cached embedder); both models cluster the *same* embeddings in the
same run. Reported per model: NMI and ARI (scikit-learn) against the categories, with
"unassigned" (-1) counted as one more cluster, and the unassigned share.

Run on demand (not part of the test suite):

    .venv/bin/python benchmarks/bench_semeval.py [--xml PATH] [--out benchmarks/results/semeval.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from semeval import DEFAULT_PATH, load_single_category_sentences  # noqa: E402


def _scores(categories, labels, seconds: float) -> dict:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    labels = np.asarray(labels)
    return {
        "nmi": round(float(normalized_mutual_info_score(categories, labels)), 4),
        "ari": round(float(adjusted_rand_score(categories, labels)), 4),
        "unassigned_share": round(float(np.mean(labels == -1)), 4),
        "n_themes": int(len(set(labels.tolist()) - {-1})),
        "seconds": round(seconds, 2),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xml", default=str(DEFAULT_PATH))
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "semeval.json"))
    args = parser.parse_args(argv)

    from verbatim.embed import Embedder, EmbedSettings
    from verbatim.themes import ThemeModel, ThemeSettings, _bertopic

    texts, categories = load_single_category_sentences(args.xml)
    embedder = Embedder(EmbedSettings(show_progress=False))
    start = time.perf_counter()
    X = embedder.embed(texts)
    embed_seconds = time.perf_counter() - start

    start = time.perf_counter()
    model = ThemeModel(ThemeSettings(), embedder=embedder).fit(texts, X)
    ours = _scores(categories, model.labels_, time.perf_counter() - start)

    BERTopic = _bertopic().BERTopic
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        topics, _ = BERTopic().fit_transform(texts, embeddings=X)  # defaults: UMAP + HDBSCAN
    theirs = _scores(categories, topics, time.perf_counter() - start)

    result = {
        "dataset": "SemEval-2016 Task 5 restaurants train, sentences with exactly one aspect category",
        "n_sentences": len(texts),
        "n_categories": len(set(categories)),
        "embedding_model": embedder.model_id,
        "embed_seconds": round(embed_seconds, 2),
        "verbatim": ours,
        "bertopic_default": theirs,
        "nmi_ratio": round(ours["nmi"] / theirs["nmi"], 3) if theirs["nmi"] else None,
        "unassigned_ratio": (
            round(ours["unassigned_share"] / theirs["unassigned_share"], 3) if theirs["unassigned_share"] else None
        ),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
