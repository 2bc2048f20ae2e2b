"""Build the ``report.json`` document from an analysis (schema: ``schema/report.schema.json``).

The report is plain JSON data: the Markdown and HTML renderers read only this dict, and so
can any other tool. Every number comes from the analysis tables; this module only selects,
names and rounds. NaN never reaches the JSON: it becomes ``null``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Analysis

SCHEMA_VERSION = "1.12"
ALL = "__all__"
QUOTE_MAX_CHARS = 280
QUOTES_PER_THEME = 3


def load_schema() -> dict:
    """The published JSON Schema of report.json."""
    return json.loads(resources.files("verbatim").joinpath("schema/report.schema.json").read_text("utf-8"))


def validate_report(report: dict) -> None:
    """Raise ``jsonschema.ValidationError`` when ``report`` breaks the published schema."""
    import jsonschema

    jsonschema.Draft202012Validator(load_schema(), format_checker=jsonschema.FormatChecker()).validate(report)


SLUG_MAX = 60  # characters: a page name, not the department's whole name (file names stop at 255 bytes)


def slugify(name: str) -> str:
    """File-name-safe, lower-case ASCII slug: 'Customer Service' -> 'customer-service'.

    At most :data:`SLUG_MAX` characters (a 300-character department name failed the run with
    "File name too long"); a name with no ASCII letter or digit ('客服') becomes
    'department-' and 8 hex digits of its hash, so two such names get two pages."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    if not slug:
        return "department-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    slug = slug[:SLUG_MAX].rstrip("-")
    # Windows cannot create or open CON.md, AUX.md, COM1.md, ... (the name is reserved
    # whatever its extension), and a zip of the run fails to unpack there.
    return f"department-{slug}" if slug in _RESERVED_FILE_NAMES else slug


_RESERVED_FILE_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                                  *(f"lpt{i}" for i in range(10))})


def unique_slugs(names: Sequence[str]) -> list[str]:
    """:func:`slugify` of each name, made unique in order: the second 'R-D' of 'R&D' and 'R-D'
    is 'r-d-2' (both departments' pages were written to r-d.md, the second over the first)."""
    taken: set[str] = set()
    out = []
    for name in names:
        base = slug = slugify(name)
        number = 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        out.append(slug)
    return out


def _num(value: Any, digits: int = 2) -> float | None:
    """A finite float rounded for reading, or None."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) or math.isinf(value) else round(value, digits)


def _prob(value: Any) -> float | None:
    value = _num(value, 6)
    return None if value is None else min(1.0, max(0.0, value))


# Two quotes sharing this share of their words (Jaccard) say the same thing.
NEAR_DUPLICATE_QUOTE = 0.6
# Candidates read for a theme's quotes, clearest first: a theme of 5,000 alike sentences is
# not read to its end for three different ones.
QUOTE_SCAN = 500
# Whose words a complaint / praise is shown in first (lower first); no score (None): 2.
_COMPLAINT_VOICES = {"detractor": 0, "passive": 1, "promoter": 3}
_PRAISE_VOICES = {"promoter": 0, "passive": 1, "detractor": 3}
# The sentiment of the segments that speak for each side of a theme.
_SIDE_SENTIMENT = {"complaint": "negative", "praise": "positive"}


def _group_or_none(group: Any) -> str | None:
    return group if isinstance(group, str) else None


def nps_block(row: pd.Series | None, weighted: bool = False) -> dict | None:
    """One row of :func:`verbatim.impact.nps_table` as the schema's ``nps`` object; the
    weighted NPS's interval and effective size only when ``weighted`` (weights not all equal)."""
    if row is None:
        return None
    n = int(row["n_scored"])

    def pct(share):
        return None if n == 0 else _num(100 * float(share), 2)

    block = {
        "n": n,
        "promoters": int(row["n_promoters"]),
        "passives": int(row["n_passives"]),
        "detractors": int(row["n_detractors"]),
        "pct_promoters": pct(row["share_promoters"]),
        "pct_passives": pct(row["share_passives"]),
        "pct_detractors": pct(row["share_detractors"]),
        "nps": _num(row["nps"], 1) if n else None,
        "ci_low": _num(row["ci_low"], 1) if n else None,
        "ci_high": _num(row["ci_high"], 1) if n else None,
        "too_small": bool(row["too_small"]),
    }
    if "weighted_nps" in row and _num(row["weighted_nps"]) is not None:
        block["weighted_nps"] = _num(row["weighted_nps"], 1)
    if weighted and _num(row.get("weighted_nps")) is not None:
        block["weighted_ci_low"] = _num(row["weighted_ci_low"], 1)
        block["weighted_ci_high"] = _num(row["weighted_ci_high"], 1)
        block["n_effective"] = _num(row["n_effective"], 1)
    return block


class ReportBuilder:
    """Turn an :class:`~verbatim.pipeline.Analysis` into the report dict."""

    def __init__(self, analysis: "Analysis") -> None:
        self.a = analysis
        themes = analysis.themes
        self.labels = dict(zip(themes["theme_id"].astype(int), themes["label"]))
        self.labels[-1] = "Other"
        responses = analysis.ingest.responses
        # A row without a department holds NaN (pandas' missing value): quotes say null.
        self.department_of = {r: None if d is None or (isinstance(d, float) and math.isnan(d)) else d
                              for r, d in _column_dict(responses, "department").items()}
        self.score_of = _column_dict(responses, "score")
        self.group_of = _column_dict(responses, "nps_group")
        self.full_text = _column_dict(analysis.flags, "redacted_text")
        self._by_theme: dict[int, dict[str, np.ndarray]] | None = None
        self._segments_by_response: dict[str, list[tuple[int, str]]] | None = None
        self._spans: dict[str, dict[int, list[int] | None]] = {}  # per response quoted, see _spans_of

    # ---------------------------------------------------------------- quotes

    def quote(self, response_id: str, segment_text: str, sentiment: str, segment_index: int | None = None) -> dict:
        """A quote: the whole redacted comment when short enough, else the segment. In a whole
        comment, ``highlight`` marks the segment (number ``segment_index`` of its response) the
        theme was found in (see :func:`segment_spans`): a complaint's quote can open with praise
        ("Love the colour, but the zip broke")."""
        full = str(self.full_text.get(response_id, "") or "")
        whole = 0 < len(full) <= QUOTE_MAX_CHARS
        text = full if whole else str(segment_text)
        highlight = None
        if whole:
            spans = self._spans_of(response_id, full)
            span = spans.get(segment_index) if segment_index is not None else None
            if span is None:  # no index given (or not among the response's segments): its text
                span = next(iter(segment_spans(full, [str(segment_text)])), None)
            highlight = span if span and full[: span[0]].strip() + full[span[1] :].strip() else None
        score = self.score_of.get(response_id)
        return {
            "text": text,
            "highlight": highlight,
            "response_id": str(response_id),
            "department": self.department_of.get(response_id),
            "score": None if score is None or (isinstance(score, float) and math.isnan(score)) else float(score),
            "nps_group": _group_or_none(self.group_of.get(response_id)),
            "sentiment": str(sentiment),
        }

    def _spans_of(self, response_id: str, full: str) -> dict[int, list[int] | None]:
        """{segment_index: span in ``full``} of a response's segments (:func:`segment_spans`),
        found once per response: a response is a candidate quote overall, in its department and
        for each theme it mentions."""
        if response_id in self._spans:
            return self._spans[response_id]
        if self._segments_by_response is None:
            seg = self.a.segments
            self._segments_by_response = {}
            for rid, index, text in zip(seg["response_id"].tolist(), seg["segment_index"].tolist(), seg["text"].tolist()):
                self._segments_by_response.setdefault(rid, []).append((int(index), str(text)))
        own = sorted(self._segments_by_response.get(response_id, []))
        spans = self._spans[response_id] = dict(zip((i for i, _ in own), segment_spans(full, [t for _, t in own])))
        return spans

    def _segments_of(self, theme_id: int) -> dict[str, np.ndarray]:
        """The segments of one theme as arrays (``response_id``, ``text``, ``sentiment``,
        ``compound``, their response's ``department`` and ``id_rank``, the rank of the
        response id in sorted order); split once, since every theme is asked for quotes
        overall and per department, and read as arrays: filtering, sorting and reading
        rows of a DataFrame of Arrow-backed strings 229 times cost 2.8 s at 50,000 comments."""
        if self._by_theme is None:
            seg = self.a.segments
            ids = np.array(seg["response_id"].tolist(), dtype=object)
            columns = {
                "response_id": ids,
                "text": np.array(seg["text"].tolist(), dtype=object),
                "segment_index": seg["segment_index"].to_numpy(np.int64),
                "sentiment": np.array(seg["sentiment"].tolist(), dtype=object),
                "compound": seg["compound"].to_numpy(float),
                "department": np.array([self.department_of.get(r) for r in ids], dtype=object),
                # Whose voice each segment is in, for complaints and for praise (lower first).
                **{f"voice_{side}": np.array([voices.get(_group_or_none(self.group_of.get(r)), 2) for r in ids], dtype=np.int8)
                   for side, voices in (("complaint", _COMPLAINT_VOICES), ("praise", _PRAISE_VOICES))},
                "id_rank": np.unique(ids, return_inverse=True)[1].reshape(-1) if len(ids) else np.zeros(0, np.int64),
            }
            theme = seg["theme_id"].to_numpy()
            order = np.argsort(theme, kind="stable")  # each theme's rows keep their order
            starts = np.flatnonzero(np.r_[True, theme[order][1:] != theme[order][:-1]]) if len(theme) else []
            bounds = list(starts) + [len(theme)]
            self._by_theme = {}
            for a, b in zip(bounds[:-1], bounds[1:]):
                rows = order[a:b]
                self._by_theme[int(theme[rows[0]])] = {k: v[rows] for k, v in columns.items()}
            self._no_segments = {k: v[:0] for k, v in columns.items()}
        return self._by_theme.get(int(theme_id), self._no_segments)

    def quotes_for(self, theme_id: int, side: str, *, department: str | None = None,
                   k: int = QUOTES_PER_THEME) -> list[dict]:
        """Up to ``k`` distinct quotes of a theme, the clearest of the wanted side first.

        Complaints come from detractors first, then passives, respondents without a score and
        promoters, each by most negative sentiment; praise from promoters first, by most
        positive: a strength is shown in the words of those who recommend (a passive's
        "simple, beautiful and comfortable" led the "lovely dress" strength of 4,000 clothing
        reviews). Ties break on response id, then on the segments' order, so the choice is
        deterministic.

        A theme can go with lower scores in a group without one mention that reads as a
        complaint: "ordered a size medium" is neutral, "fabulous design" praise from customers
        unhappy with something else. Its issue still needs its evidence, so when no segment of
        the wanted side is found, the quotes are what the side's own voice said of it:
        detractors for a complaint (most negative first), promoters for praise. Their
        ``sentiment`` tells a reader (and :func:`verbatim.report.wording.issue_quotes_caption`) so.
        """
        seg = self._segments_of(theme_id)
        wanted = np.ones(len(seg["compound"]), dtype=bool)
        if department is not None:
            wanted &= seg["department"] == department
        compound = seg["compound"]
        first = seg.get(f"voice_{side}", np.zeros(len(compound), dtype=np.int8))  # "any": no voice first
        if side in _SIDE_SENTIMENT:
            key = compound if side == "complaint" else -compound
            quotes = self._pick(seg, wanted & (seg["sentiment"] == _SIDE_SENTIMENT[side]), key, first, k)
            return quotes or self._pick(seg, wanted & (first == 0), key, first, k)
        return self._pick(seg, wanted, -np.abs(compound), first, k)

    def _pick(self, seg: dict[str, np.ndarray], wanted: np.ndarray, key: np.ndarray, first: np.ndarray,
              k: int) -> list[dict]:
        """Up to ``k`` distinct quotes of the ``wanted`` segments, by ``first`` (voice), then
        ``key``, then response id."""
        rows = np.flatnonzero(wanted)
        rows = rows[np.lexsort((seg["id_rank"][rows], key[rows], first[rows]))]  # stable: ties keep segment order
        candidates = ((self.quote(seg["response_id"][i], seg["text"][i], seg["sentiment"][i], int(seg["segment_index"][i])),
                       seg["text"][i])
                      for i in rows[:QUOTE_SCAN])
        return pick_distinct_quotes(candidates, k)

    # ---------------------------------------------------------------- blocks

    def run_block(self) -> dict:
        a = self.a
        ingest = a.ingest
        cols = ingest.columns
        seg = a.segments
        summary = a.summary
        from .. import __version__

        return {
            "verbatim_version": __version__,
            "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            "input": {"path": str(ingest.source), "format": ingest.format, "sha256": a.input_sha256},
            "columns": {"text": list(cols.text), "score": cols.score, "group": cols.group,
                        "department": cols.department, "date": cols.date, "id": cols.id, "weight": cols.weight},
            "config": a.config.as_dict(),
            "redacted": bool(a.config.prepare.redact),
            "embedder": a.embedder_id,
            "rows": {
                "read": summary.rows_read,
                "usable": summary.rows_usable,
                "rejected": summary.rows_rejected,
                "without_score": summary.rows_without_score,
                "without_comment": int(self.a.flags["non_answer"].sum()),
                "segments": int(len(seg)),
                "segments_unassigned": int((seg["theme_id"] == -1).sum()),
                "rejections": {str(k): int(v) for k, v in summary.rejections.items()},
            },
            "pii_redacted": {str(k): int(v) for k, v in a.pii_counts.items()},
            "timings_s": {k: round(float(v), 3) for k, v in a.timings.items()},
            "scale": {"name": ingest.scale.name, "minimum": float(ingest.scale.minimum),
                      "maximum": float(ingest.scale.maximum), "promoter_min": float(ingest.scale.promoter_min),
                      "detractor_max": float(ingest.scale.detractor_max),
                      "whole_numbers": bool(ingest.scale.whole_numbers)},
            "polarity": None if a.polarity is None else {
                "learnt": a.polarity.used, "auc": round(a.polarity.auc, 4), "p": float(f"{a.polarity.p:.3g}"),
                "promoters": a.polarity.responses[0], "detractors": a.polarity.responses[1],
                "changed": a.polarity.changed, "reason": a.polarity.reason, "from_model": a.polarity.from_model},
            "notes": list(summary.notes) + list(a.notes),
        }

    def theme_blocks(self) -> list[dict]:
        a = self.a
        n_commenting = max(1, int((~a.flags["non_answer"]).sum()))
        owners = a.owners.set_index("theme_id") if a.owners is not None and len(a.owners) else None
        blocks = []
        for _, theme in a.themes.sort_values("theme_id").iterrows():
            tid = int(theme["theme_id"])
            rows = self._segments_of(tid)
            counts = pd.Series(rows["sentiment"]).value_counts()
            total = max(1, len(rows["sentiment"]))
            owner = None
            if owners is not None and tid in owners.index:
                o = owners.loc[tid]
                owner = {"department": str(o["department"]), "similarity": _num(o["similarity"], 3) or 0.0,
                         "margin": _num(o["margin"], 3) or 0.0}
            blocks.append({
                "id": tid,
                "label": str(theme["label"]),
                "keywords": [str(k) for k in theme["keywords"]],
                "parent_id": None if pd.isna(theme.get("parent_id")) else int(theme["parent_id"]),
                "parent_label": None if pd.isna(theme.get("parent_label")) else str(theme["parent_label"]),
                "segments": int(len(rows["response_id"])),
                "responses": len(set(rows["response_id"])),
                "share": _prob(len(set(rows["response_id"])) / n_commenting),
                "sentiment": {s: _prob(counts.get(s, 0) / total) for s in ("negative", "neutral", "positive")},
                "mixed": tid in a.mixed_themes,
                "quotes": self.quotes_for(tid, "any"),
                "guided": bool(theme.get("guided", False)),
                "side": theme.get("side") if isinstance(theme.get("side"), str) else None,
                "new": bool(theme.get("new", False)),
                "general": bool(theme.get("general", False)),
                "owner": owner,
            })
        other = self._segments_of(-1)
        if len(other["response_id"]):
            counts = pd.Series(other["sentiment"]).value_counts()
            blocks.append({
                "id": -1, "label": "Other", "keywords": [], "parent_id": None, "parent_label": None,
                "segments": int(len(other["response_id"])), "responses": len(set(other["response_id"])),
                "share": _prob(len(set(other["response_id"])) / n_commenting),
                "sentiment": {s: _prob(counts.get(s, 0) / len(other["sentiment"])) for s in ("negative", "neutral", "positive")},
                "mixed": False, "quotes": self.quotes_for(-1, "any"), "guided": False, "side": None, "owner": None,
            })
        return blocks

    def parent_blocks(self) -> list[dict]:
        """The parent themes (``ThemeModel.parents_``), which themes[].parent_id points into."""
        parents = self.a.model.parents_
        return [{"id": int(pid), "label": str(label), "theme_ids": [int(t) for t in ids], "size": int(size)}
                for pid, label, ids, size in zip(parents["parent_id"], parents["label"], parents["theme_ids"],
                                                 parents["size"])]

    def impact_rows(self) -> list[dict]:
        imp = self.a.impact.theme_impact
        drivers = self.a.impact.drivers.set_index(["group", "theme"])
        rows = []
        for _, r in imp.iterrows():
            tid, side = self.a.theme_keys[r["theme"]]
            d = drivers.loc[(r["group"], r["theme"])] if (r["group"], r["theme"]) in drivers.index else None
            row = {
                "group": str(r["group"]), "theme_id": tid, "side": side,
                "n_mentions": int(r["n_mentions"]), "share": _prob(r["share"]) or 0.0,
                "nps_with": _num(r["nps_with"], 1), "nps_without": _num(r["nps_without"], 1),
                "impact": _num(r["impact"], 2), "ci_low": _num(r["ci_low"], 2), "ci_high": _num(r["ci_high"], 2),
                "p_value": _prob(r["p_value"]), "q_value": _prob(r["q_value"]),
                "significant": bool(r["significant"]), "too_small": bool(r["too_small"]),
                "weighted_impact": _num(r["weighted_impact"], 2) if self.a.impact.weighted else None,
                "driver_weight": None if d is None else _num(d["signed_weight"], 4),
                "driver_sign": None if d is None or _num(d["coefficient"]) is None else int(np.sign(d["coefficient"])),
            }
            rows.append(row)
        return rows

    def ranked(self, table: pd.DataFrame, group: str, kind: str, *, drivers: bool = False,
               department: str | None = None, limit: int = 5, only: set[int] | None = None) -> list[dict]:
        """Ranked themes of one group, joined with their impact row for intervals (of the
        theme ids ``only`` when given)."""
        rows = table[table["group"] == group]
        if only is not None:
            rows = rows[self._owned(rows, only)]
        rows = rows.sort_values("rank").head(limit)
        impact = self.a.impact.theme_impact.set_index(["group", "theme"])
        return [self._entry(impact.loc[(group, r["theme"])], r["theme"], kind, department=department,
                            rank_stability=None if drivers else r["rank_stability"],
                            driver_weight=r["signed_weight"] if drivers else None,
                            tied_with=None if drivers else r["tied_with"])
                for _, r in rows.iterrows()]

    def _entry(self, imp: pd.Series, key: str, kind: str, *, department: str | None, rank_stability=None,
               driver_weight=None, tied_with=None, n_quotes: int = 5) -> dict:
        """One theme of a list (ranked or not) from its impact row ``imp``; ``tied_with``: the
        key of the theme ranked next when the two cannot be told apart."""
        tid, side = self.a.theme_keys[key]
        tie = None
        if tied_with is not None and tied_with in self.a.theme_keys:
            tie_id, tie_side = self.a.theme_keys[tied_with]
            tie = {"theme_id": tie_id, "side": tie_side, "label": self.labels.get(tie_id, str(tie_id)) + _side_suffix(tie_side)}
        quote_side = side if side != "all" else ("complaint" if kind == "improvement" else "praise")
        return {
            "theme_id": tid,
            "label": self.labels.get(tid, str(tid)) + _side_suffix(side),
            "side": side,
            "impact": _num(imp["impact"], 2) or 0.0,
            "ci_low": _num(imp["ci_low"], 2),
            "ci_high": _num(imp["ci_high"], 2),
            "rank_stability": _prob(rank_stability),
            "nps_without": _num(imp["nps_if_removed"], 1),
            "n_mentions": int(imp["n_mentions"]),
            "share": _prob(imp["share"]) or 0.0,
            "significant": bool(imp["significant"]),
            "driver_weight": _num(driver_weight, 4),
            "tied_with": tie,
            "quotes": self.quotes_for(tid, quote_side, department=department)[:n_quotes],
        }

    def general_block(self, group: str, department: str | None = None, only: set[int] | None = None,
                      limit: int = 5) -> list[dict]:
        """The general themes of ``group`` (:mod:`verbatim.general`) that the rankings leave out and
        whose effect is beyond noise, largest first whatever its sign; empty when they are ranked
        (impact.rank_general). A mood that may be chance is not worth a department head's line."""
        imp = self.a.impact
        if imp.settings.rank_general or not imp.general:
            return []
        table = imp.theme_impact
        rows = table[(table["group"] == group) & table["theme"].isin(list(imp.general)) & ~table["too_small"]
                     & table["significant"].astype(bool)]
        if only is not None:
            rows = rows[self._owned(rows, only)]
        rows = rows.assign(size=rows["impact"].abs()).sort_values(["size", "theme"], ascending=[False, True]).head(limit)
        return [self._entry(r, r["theme"], "improvement" if r["impact"] < 0 else "strength", department=department,
                            n_quotes=1)
                for _, r in rows.iterrows()]

    def _owned(self, table: pd.DataFrame, only: set[int]) -> np.ndarray:
        """Boolean mask of the rows of ``table`` whose theme is one of ``only`` (a mask, not a
        list: an empty list would select no columns of an empty table)."""
        return np.fromiter((self.a.theme_keys[key][0] in only for key in table["theme"]), dtype=bool, count=len(table))

    def passive_block(self, group: str, limit: int = 5, only: set[int] | None = None) -> list[dict]:
        table = self.a.impact.passive_themes
        if only is not None:
            table = table[self._owned(table, only)]
        # Only themes passives raise more often beyond noise (BH over every passive test):
        # the reports say "they bring these up more than others do", which a lift of 1.01
        # at p = 0.96 does not support.
        rows = table[(table["group"] == group) & table["significant"]]
        rows = rows.sort_values(["lift", "theme"], ascending=[False, True]).head(limit)
        out = []
        for _, r in rows.iterrows():
            tid, side = self.a.theme_keys[r["theme"]]
            out.append({
                "theme_id": tid, "label": self.labels.get(tid, str(tid)) + _side_suffix(side),
                "share_passives": _prob(r["share_passives"]) or 0.0, "share_all": _prob(r["share_all"]) or 0.0,
                "lift": _num(r["lift"], 3), "p_value": _prob(r["p_value"]),
            })
        return out

    def ranking(self, group: str, department: str | None = None, only: set[int] | None = None) -> dict:
        """The ranked lists of ``group``; ``only``: of these theme ids alone (a routed
        department's themes, picked before the lists are cut to length)."""
        imp = self.a.impact
        ranked = functools.partial(self.ranked, group=group, department=department, only=only)
        return {
            "method": imp.settings.method,
            "improvement_areas": ranked(imp.improvement_areas, kind="improvement"),
            "strengths": ranked(imp.strengths, kind="strength"),
            "passive_themes": self.passive_block(group, only=only),
            "driver_improvement_areas": ranked(imp.driver_improvement_areas, kind="improvement", drivers=True),
            "driver_strengths": ranked(imp.driver_strengths, kind="strength", drivers=True),
            "general_reactions": self.general_block(group, department=department, only=only),
        }

    def department_blocks(self) -> list[dict]:
        imp = self.a.impact
        nps = imp.nps.set_index("group")
        blocks = []
        settings = imp.settings
        for name in [g for g in nps.index if g != ALL]:
            row = nps.loc[name]
            warnings = []
            if bool(row["too_small"]):
                n = int(row["n_scored"])
                warnings.append(
                    (f"Only {n} scored response{'' if n == 1 else 's'}" if n else "No scored response")
                    + f" (fewer than {settings.min_group_size}): figures are shown but no issue is ranked as certain."
                )
            small = imp.theme_impact[(imp.theme_impact["group"] == name) & imp.theme_impact["too_small"]
                                     & (imp.theme_impact["n_mentions"] > 0)]
            if len(small) and not bool(row["too_small"]):
                labels = sorted({self.labels.get(self.a.theme_keys[k][0], str(k)) for k in small["theme"]})
                warnings.append(
                    f"{len(labels)} theme(s) are mentioned by fewer than {settings.min_mentions} respondents "
                    "here and are not ranked: " + ", ".join(labels[:8]) + ("…" if len(labels) > 8 else "")
                )
            owned = []
            if self.a.owners is not None and len(self.a.owners):
                owned = sorted(int(t) for t in self.a.owners.loc[self.a.owners["department"] == name, "theme_id"])
            blocks.append({
                "name": str(name), "slug": slugify(str(name)), "source": "column",
                "nps": nps_block(row, self.a.impact.weighted), "responses": int(row["n_responses"]), "too_small": bool(row["too_small"]),
                "ranking": self.ranking(name, department=name), "owned_themes": owned, "warnings": warnings,
            })
        blocks.extend(self.routed_department_blocks({b["name"] for b in blocks}))
        for block, slug in zip(blocks, unique_slugs([b["name"] for b in blocks])):
            block["slug"] = slug
        return blocks

    def routed_department_blocks(self, known: set[str]) -> list[dict]:
        """Departments known only from the routing file: the overall ranking of the themes they own."""
        owners = self.a.owners
        if owners is None or not len(owners):
            return []
        blocks = []
        from ..departments import ROUTING_BUCKETS

        for name in sorted(set(owners["department"]) - known - ROUTING_BUCKETS):
            owned = sorted(int(t) for t in owners.loc[owners["department"] == name, "theme_id"])
            # Its own themes first, then the top five: cut from the survey's top five, App's
            # "Login problems" (-1.4 points, beyond noise) went missing behind other
            # departments' issues.
            ranking = self.ranking(ALL, only=set(owned))
            blocks.append({
                "name": str(name), "slug": slugify(str(name)), "source": "routing", "nps": None,
                "responses": int(self.a.segments.loc[self.a.segments["theme_id"].isin(owned), "response_id"].nunique()),
                "too_small": False, "ranking": ranking, "owned_themes": owned,
                "warnings": [("This department is not in the survey's department column" if self.a.ingest.columns.department
                              else "The survey has no department column")
                             + ": this department's issues are the themes routed to it by meaning, ranked on the "
                             "whole survey (how sure a ranking is refers to the survey's top themes)."],
            })
        return blocks

    def build(self) -> dict:
        imp = self.a.impact
        nps = imp.nps.set_index("group")
        non_answer = self.a.flags["non_answer"].to_numpy(bool)
        no_comment_ids = set(self.a.flags.loc[non_answer, "response_id"])
        no_comment = self.a.ingest.responses[self.a.ingest.responses["response_id"].isin(no_comment_ids)]
        from ..impact import nps_table

        no_comment_nps = nps_block(nps_table(no_comment, settings=imp.settings).iloc[0]) if len(no_comment) else None
        report = {
            "schema_version": SCHEMA_VERSION,
            "run": self.run_block(),
            "nps": nps_block(nps.loc[ALL], imp.weighted),
            "no_comment": {"n": int(non_answer.sum()), "share": _prob(non_answer.mean() if len(non_answer) else 0) or 0.0,
                           "nps": no_comment_nps},
            "themes": self.theme_blocks(),
            "parents": self.parent_blocks(),
            "impact": self.impact_rows(),
            "overall": self.ranking(ALL),
            "departments": self.department_blocks(),
        }
        if self.a.trends is not None:
            from ..trends import trend_block

            report["trend"] = trend_block(self.a.trends, self.a.theme_keys)
        return report


def _column_dict(frame: pd.DataFrame, column: str) -> dict:
    """``frame[column]`` by ``response_id`` as a dict (what ``Series.to_dict`` gives, at a
    quarter of its cost on 50,000 rows)."""
    return dict(zip(frame["response_id"].tolist(), frame[column].tolist()))


def segment_spans(text: str, segments: Iterable[str]) -> list[list[int] | None]:
    """``[start, end)`` in ``text`` (characters: Unicode code points) of each of its
    ``segments``, in their order, or None for one not found. A segment is a stretch of its
    comment with its runs of white space made one space (and a clause marker such as "but"
    cut off its start), so it is found with any white space between its words, as whole
    words, after the previous segment: in "the zip broke. I got a new one but the zip broke",
    the third segment is the second "the zip broke"."""
    spans: list[list[int] | None] = []
    position = 0
    for segment in segments:
        words = segment.split()
        found = None
        if words:
            pattern = r"\s+".join(map(re.escape, words))
            pattern = (r"(?<!\w)" if re.match(r"\w", words[0]) else "") + pattern + (r"(?!\w)" if re.search(r"\w$", words[-1]) else "")
            found = re.compile(pattern).search(text, position)
        if found is None:
            spans.append(None)
            continue
        spans.append([found.start(), found.end()])
        position = found.end()
    return spans


def pick_distinct_quotes(candidates: Iterable[tuple[dict, str]], k: int) -> list[dict]:
    """Up to ``k`` quotes from ``(quote, segment text)`` pairs, clearest first.

    Customers repeat each other ("on hold for ages"): one quote per response, never the same
    text twice, and no two sharing most of their words ("sadly i had to return it", "sadly
    i had to return this") while different ones are left; when too few are, the alike fill
    up, in their order."""
    picked, alike, seen_responses, seen_texts, seen_words = [], [], set(), set(), []
    for position, (quote, text) in enumerate(candidates):
        keys = {_fold(quote["text"]), _fold(text)}
        if quote["response_id"] in seen_responses or keys & seen_texts:
            continue
        seen_responses.add(quote["response_id"])
        seen_texts.update(keys)
        words = set(_fold(text).split())
        if any(_jaccard(words, other) >= NEAR_DUPLICATE_QUOTE for other in seen_words):
            alike.append((position, quote))
            continue
        seen_words.append(words)
        picked.append((position, quote))
        if len(picked) == k:
            break
    if len(picked) < k:
        picked = sorted(picked + alike[: k - len(picked)], key=lambda pq: pq[0])
    return [quote for _, quote in picked]


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _fold(text: str) -> str:
    """Text folded for duplicate detection: lower case letters and digits only."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(text).lower()).split())


def _side_suffix(side: str) -> str:
    return {"all": "", "complaint": " (complaints)", "praise": " (praise)"}[side]


def build_report(analysis: "Analysis") -> dict:
    """The report dict of an analysis; valid against the published schema."""
    return ReportBuilder(analysis).build()
