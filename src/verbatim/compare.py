"""Compare two runs: what changed between an earlier report.json (a) and a later one (b).

Themes are matched by id when both runs use the same theme model (b was run with
``--model a/model``: its theme ids and labels are those of a), otherwise by label
(case and spacing ignored), since two independent fits number their themes
arbitrarily. Each theme side ("all", "complaint", "praise") is matched separately.

Tests (the two runs are treated as independent samples of customers):

* NPS change: two-sided z-test with the standard error under the null hypothesis, from the
  shares pooled over both runs (:func:`verbatim.stats.nps_difference_p`).
* Share change: exact conditional test of n_mentions out of n_scored
  (:func:`verbatim.stats.conditional_binomial_p`; the pooled z-test was anti-conservative
  for waves of unequal size). A theme of the same model with no mention in one run is
  "appeared" or "disappeared" only when that test says so.
* Impact change: z = (impact_b - impact_a) / sqrt(se_a^2 + se_b^2), each standard error
  read back from the run's bootstrap interval as (ci_high - ci_low) / (2 z).
  Share and impact tests are each Benjamini-Hochberg corrected over every compared
  (group, theme) row; a change is significant when its q-value is below ``alpha``.

Units: NPS and impacts in NPS points (-100..100), shares 0-1.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from . import stats
from .errors import VerbatimError
from .guided import name_key

ALL = "__all__"
_SUFFIX = {"all": "", "complaint": " (complaints)", "praise": " (praise)"}


def load_run(path: str | Path) -> dict:
    """The report.json of a run folder (or the file itself); VerbatimError E303 if unusable."""
    file = _report_file(path)
    if not file.is_file():
        raise VerbatimError("E303", "no report.json here; pass a folder written by verbatim analyze", file=file)
    if file.suffix.lower() != ".json":  # a survey export given in place of a run: "not readable JSON" misled
        raise VerbatimError("E303", "is not a run: pass the folder verbatim analyze wrote (or its report.json)",
                            file=file)
    try:
        report = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VerbatimError("E303", f"report.json is not readable JSON ({exc})", file=file) from None
    from jsonschema import ValidationError

    from .report.build import validate_report

    try:
        validate_report(_as_current_minor(report))
    except ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "top level"
        raise VerbatimError("E303", f"report.json does not match the report schema at {where}: {exc.message}",
                            file=file) from None  # fmt: skip
    return report


def _report_file(path: str | Path) -> Path:
    """The report.json of a run folder, or the path itself."""
    path = Path(path)
    return path / "report.json" if path.is_dir() else path


def _as_current_minor(report: dict) -> dict:
    """``report`` as the current schema checks it: a report of an earlier minor version of
    the same major (written by an earlier verbatim: a MINOR bump only adds optional fields)
    is checked as if it were of the current version, so last month's run still compares."""
    from .report.build import SCHEMA_VERSION

    version = report.get("schema_version") if isinstance(report, dict) else None
    if isinstance(version, str) and version != SCHEMA_VERSION:
        major, _, minor = version.partition(".")
        current_major, _, current_minor = SCHEMA_VERSION.partition(".")
        if major == current_major and minor.isdigit() and int(minor) < int(current_minor):
            return {**report, "schema_version": SCHEMA_VERSION}
    return report


def same_theme_model(a: dict, b: dict) -> bool:
    """True when one report's themes (id, label) are all in the other's.

    A run made with ``--model`` keeps the saved model's ids and labels and may add new
    themes with new ids; two independent fits practically never agree on every (id,
    label) pair, and when they do the themes are the same anyway, so matching by id is
    then right.
    """
    ids = [{(t["id"], t["label"]) for t in r["themes"] if t["id"] >= 0} for r in (a, b)]
    return bool(ids[0]) and bool(ids[1]) and (ids[0] <= ids[1] or ids[1] <= ids[0])


def _theme_rows(report: dict, group: str, by_id: bool) -> dict:
    """{match key: impact row plus its display label} of one group; 'Other' (-1) is not a theme."""
    labels = {t["id"]: t["label"] for t in report["themes"]}
    rows, seen = {}, set()
    for row in report["impact"]:
        if row["group"] != group or row["theme_id"] < 0:
            continue
        label = labels.get(row["theme_id"], str(row["theme_id"]))
        base = row["theme_id"] if by_id else name_key(label)
        if not by_id and (base, row["side"]) in seen:
            base = f"{base}#{row['theme_id']}"  # two themes share a label: keep both, unmatched
        seen.add((base, row["side"]))
        rows[(base, row["side"])] = {**row, "label": label + _SUFFIX[row["side"]]}
    return rows


def _unmentioned(themes: dict, key: tuple) -> dict | None:
    """The row of a theme of a run's model (``themes``: id -> its report.json theme; matched by
    id, ``key``) that no respondent of the group mentioned, None when the model has no such
    theme."""
    theme = themes.get(key[0])
    if theme is None:
        return None
    return {"theme_id": theme["id"], "side": key[1], "n_mentions": 0, "impact": None, "ci_low": None,
            "ci_high": None, "too_small": True, "label": theme["label"] + _SUFFIX[key[1]]}


def _group_nps(report: dict, group: str) -> dict | None:
    if group == ALL:
        return report["nps"]
    for dept in report["departments"]:
        if dept["name"] == group and dept["source"] == "column":
            return dept["nps"]
    return None


def _top2(report: dict, group: str) -> list[str]:
    ranking = report["overall"] if group == ALL else next(d["ranking"] for d in report["departments"] if d["name"] == group)
    key = "improvement_areas" if ranking["method"] == "impact" else "driver_improvement_areas"
    return [area["label"] for area in ranking[key][:2]]


def _min_group_size(report: dict) -> int:
    """The scored respondents a group needs to be ranked in ``report`` (impact.min_group_size)."""
    return int((report["run"].get("config") or {}).get("impact", {}).get("min_group_size", 30))


def _z(report: dict) -> float:
    level = (report["run"].get("config") or {}).get("impact", {}).get("ci_level", 0.95)
    return stats.normal_quantile(float(level))


def _se(row: dict, z: float) -> float:
    if row.get("ci_low") is None or row.get("ci_high") is None:
        return math.nan
    return (row["ci_high"] - row["ci_low"]) / (2.0 * z)


def _value(x) -> float:
    return math.nan if x is None else float(x)


def _compare_group(a: dict, b: dict, group: str, by_id: bool, min_mentions: int, alpha: float = 0.05) -> dict:
    na, nb = _group_nps(a, group), _group_nps(b, group)
    p = float(stats.nps_difference_p(nb["promoters"], nb["detractors"], nb["n"],
                                     na["promoters"], na["detractors"], na["n"]))  # fmt: skip
    change = None if na["nps"] is None or nb["nps"] is None else round(nb["nps"] - na["nps"], 1)
    low, high = (float(v) for v in stats.nps_difference_interval(nb["promoters"], nb["detractors"], nb["n"],
                                                               na["promoters"], na["detractors"], na["n"],
                                                               1.0 - alpha))
    rows_a, rows_b = _theme_rows(a, group, by_id), _theme_rows(b, group, by_id)
    # Looked up once per group, not once per theme (250 departments x 180 themes).
    themes_a, themes_b = ({t["id"]: t for t in r["themes"]} for r in (a, b))
    ids_a, ids_b = {k[0] for k in rows_a}, {k[0] for k in rows_b}
    za, zb = _z(a), _z(b)
    themes = []
    for key in list(rows_a) + [k for k in rows_b if k not in rows_a]:
        ra, rb = rows_a.get(key), rows_b.get(key)
        # One model, so a theme without a row in one run was there and no one mentioned it:
        # 0 mentions, tested like any fall ("gone" from 76 of 800 to 0 of 20 was chance).
        # (A theme with rows of other sides was split in one run only: "resplit", below.)
        if by_id:
            ra = ra or (None if key[0] in ids_a else _unmentioned(themes_a, key))
            rb = rb or (None if key[0] in ids_b else _unmentioned(themes_b, key))
        xa = ra["n_mentions"] if ra else 0
        xb = rb["n_mentions"] if rb else 0
        # A theme split into complaint/praise in one run only is "resplit", not new or gone.
        other = rows_b if ra and not rb else rows_a if rb and not ra else None
        resplit = other is not None and any(k[0] == key[0] for k in other)
        row = {
            "label": (rb or ra)["label"], "theme_id_a": ra["theme_id"] if ra else None,
            "theme_id_b": rb["theme_id"] if rb else None, "side": key[1],
            "n_mentions_a": xa, "n_mentions_b": xb,
            "share_a": xa / na["n"] if na["n"] else math.nan, "share_b": xb / nb["n"] if nb["n"] else math.nan,
            "impact_a": _value(ra["impact"]) if ra else math.nan, "impact_b": _value(rb["impact"]) if rb else math.nan,
            "share_p": math.nan, "impact_p": math.nan, "resplit": resplit,
        }  # fmt: skip
        if ra and rb:
            row["share_p"] = float(stats.conditional_binomial_p(xb, nb["n"], xa, na["n"]))
            se = math.hypot(_se(ra, za), _se(rb, zb))
            if se > 0 and not (ra["too_small"] or rb["too_small"]):
                row["impact_p"] = float(stats.two_sided_normal_p((row["impact_b"] - row["impact_a"]) / se))
        row["share_change"] = row["share_b"] - row["share_a"]
        row["impact_change"] = row["impact_b"] - row["impact_a"]
        themes.append(row)
    least = min(_min_group_size(a), _min_group_size(b))
    return {
        "group": group,
        "nps": {"a": na["nps"], "b": nb["nps"], "n_a": na["n"], "n_b": nb["n"], "change": change,
                # Fewer scored respondents than a run ranks a group with: no verdict either way.
                "too_small": min(na["n"], nb["n"]) < least,
                # The change's range: "not significant" alone read as "no change".
                "ci_low": None if change is None or math.isnan(low) else round(low, 1),
                "ci_high": None if change is None or math.isnan(high) else round(high, 1),
                "p_value": None if math.isnan(p) else p, "significant": False},
        "top2_a": _top2(a, group), "top2_b": _top2(b, group),
        "themes": themes, "_min_mentions": min_mentions,
    }  # fmt: skip


def _classify(groups: list[dict], alpha: float) -> None:
    """BH-correct share and impact tests over all rows, then sort themes into lists."""
    rows = [t for g in groups for t in g["themes"]]
    for test in ("share", "impact"):
        q = stats.benjamini_hochberg(np.array([t[f"{test}_p"] for t in rows], float))
        for t, value in zip(rows, q):
            t[f"{test}_q"] = float(value)
    for g in groups:
        g["nps"]["significant"] = (g["nps"]["p_value"] is not None and g["nps"]["p_value"] < alpha
                                   and not g["nps"]["too_small"])
        least = g.pop("_min_mentions")
        for name in ("rose", "fell", "appeared", "disappeared", "impact_worse", "impact_better"):
            g[name] = []
        for t in g["themes"]:
            if t["theme_id_a"] is None or t["theme_id_b"] is None:
                if not t["resplit"] and t["theme_id_a"] is None and t["n_mentions_b"] >= least:
                    g["appeared"].append(t["label"])
                elif not t["resplit"] and t["theme_id_b"] is None and t["n_mentions_a"] >= least:
                    g["disappeared"].append(t["label"])
                continue
            # No mention in one run: new or gone only beyond noise (from 0 of 500 to 12 of
            # 10,000 is what the larger wave's size alone makes likely).
            if t["n_mentions_a"] == 0 and t["n_mentions_b"] >= least and t["share_q"] < alpha:
                g["appeared"].append(t["label"])
            elif t["n_mentions_b"] == 0 and t["n_mentions_a"] >= least and t["share_q"] < alpha:
                g["disappeared"].append(t["label"])
            elif t["share_q"] < alpha:
                g["rose" if t["share_change"] > 0 else "fell"].append(t["label"])
            if t["impact_q"] < alpha:
                g["impact_worse" if t["impact_change"] < 0 else "impact_better"].append(t["label"])


def compare_reports(a: dict, b: dict, *, same_model: bool | None = None, alpha: float = 0.05,
                    min_mentions: int = 10, shared_respondents: int = 0) -> dict:
    """What changed from run ``a`` (earlier) to run ``b`` (later), overall and per department.

    ``same_model``: match themes by id (True) or by label (False); None decides with
    :func:`same_theme_model`. A theme counts as appeared/disappeared only with at least
    ``min_mentions`` mentions on the side where it exists. Returns a JSON-ready dict:
    ``match`` ("id"/"label"), ``a`` and ``b`` (path, created_at, sha256), ``same_input``,
    ``alpha``, ``overall`` (a group block), ``departments`` (group blocks of the
    departments present in both, by name), ``only_in_a`` / ``only_in_b`` (department
    names), ``notes``. A group block: ``group``, ``nps`` {a, b, n_a, n_b, change
    (points), ci_low, ci_high (the change's interval at 1 - alpha), p_value, significant,
    too_small (either run holds fewer scored respondents than its impact.min_group_size: never
    significant)},
    ``top2_a`` / ``top2_b`` (labels), ``rose`` / ``fell`` (share changed, q < alpha), ``appeared`` / ``disappeared``,
    ``impact_worse`` / ``impact_better`` (impact changed, q < alpha), and ``themes``: one
    row per matched key with label, theme_id_a/b, side, n_mentions_a/b, share_a/b,
    share_change, share_p, share_q, impact_a/b, impact_change, impact_p, impact_q,
    resplit (split into complaint/praise in one run only). None marks an untested value.
    ``shared_respondents``: response ids found in both runs (:func:`shared_respondents`).
    """
    by_id = same_theme_model(a, b) if same_model is None else bool(same_model)
    names = [[d["name"] for d in r["departments"] if d["source"] == "column" and d["nps"]] for r in (a, b)]
    shared = [n for n in names[0] if n in names[1]]
    groups = [_compare_group(a, b, g, by_id, min_mentions, alpha) for g in [ALL, *shared]]
    _classify(groups, alpha)
    notes = []
    same_input = a["run"]["input"]["sha256"] == b["run"]["input"]["sha256"]
    if same_input:
        notes.append("Both runs analysed the same file: differences come from the analysis, not from customers, "
                     "and the tests do not apply.")  # fmt: skip
    elif shared_respondents:
        n_b = (b.get("nps") or {}).get("n") or 0
        share = f" ({shared_respondents / n_b:.0%} of the later run's scored respondents)" if n_b else ""
        notes.append(f"{shared_respondents:,} response id(s) appear in both runs{share}: the tests treat the runs as "
                     f"independent samples of customers, and answers counted in both hide a change among them. "
                     f"Compare waves without shared responses (an export of the new responses only).")  # fmt: skip
    scales = [r["run"].get("scale") or {} for r in (a, b)]
    if scales[0] and scales[1] and scales[0] != scales[1]:
        notes.append(f"The runs read their scores on different scales ({_scale_name(scales[0])} against "
                     f"{_scale_name(scales[1])}): promoters and detractors are not the same customers' answers, "
                     f"so the NPS change is no like-for-like comparison.")  # fmt: skip
    unscored = [not (r.get("nps") or {}).get("n") for r in (a, b)]
    for run_name, empty in zip(("earlier", "later"), unscored):
        if empty:
            notes.append(f"The {run_name} run has no scored respondent: there is no NPS, theme impact or department "
                         f"to compare in it.")  # fmt: skip
    if not by_id:
        notes.append("Themes were matched by label (the runs use different theme models): a theme whose label "
                     "changed shows as disappeared and appeared. Run the later survey with --model to match by id.")  # fmt: skip
    run = lambda r: {"path": r["run"]["input"]["path"], "created_at": r["run"]["created_at"],  # noqa: E731
                     "sha256": r["run"]["input"]["sha256"]}  # fmt: skip
    return _json_safe({
        "match": "id" if by_id else "label", "a": run(a), "b": run(b), "same_input": same_input, "alpha": alpha,
        "overall": groups[0], "departments": groups[1:],
        # A run without scores lists no department: the other run's are not "only" in it.
        "only_in_a": [n for n in names[0] if n not in names[1]] if not unscored[1] else [],
        "only_in_b": [n for n in names[1] if n not in names[0]] if not unscored[0] else [],
        "notes": notes,
    })  # fmt: skip


def _scale_name(scale: dict) -> str:
    """"nps 0-10 (promoters from 9, detractors up to 6)": a scale as report.json's run.scale gives it."""
    def number(key: str) -> str:
        value = scale.get(key)
        return f"{value:g}" if isinstance(value, (int, float)) else "?"

    return (f"{scale.get('name', '?')} {number('minimum')}-{number('maximum')} (promoters from "
            f"{number('promoter_min')}, detractors up to {number('detractor_max')})")


def _json_safe(value):
    """NaN (an untested or undefined value) becomes None, so the dict is valid JSON."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def compare_runs(run_a: str | Path, run_b: str | Path, **options) -> dict:
    """:func:`compare_reports` of two run folders (earlier first), with the respondents they
    share (:func:`shared_respondents`); options are passed on."""
    if _report_file(run_a).resolve() == _report_file(run_b).resolve():
        raise VerbatimError("E303", "is given twice: compare an earlier run with a later one", file=run_a)
    a, b = load_run(run_a), load_run(run_b)
    options.setdefault("shared_respondents", shared_respondents(run_a, run_b, a, b))
    return compare_reports(a, b, **options)


def shared_respondents(run_a: str | Path, run_b: str | Path, a: dict, b: dict) -> int:
    """How many scored response ids two run folders share, read from their assignments.csv;
    0 when either run numbered its rows itself (no id column: "row-2" of one file is no
    respondent of the other) or a folder lacks the file. A cumulative export (January to
    June, after January to March) repeats the earlier run's customers, which the tests
    take for independent samples."""
    import pandas as pd

    from .ingest import GENERATED_ID

    if not all((r["run"].get("columns") or {}).get("id") for r in (a, b)):
        return 0
    ids = []
    for path in (run_a, run_b):
        file = Path(path) / "assignments.csv"
        if not Path(path).is_dir() or not file.is_file():
            return 0
        try:
            table = pd.read_csv(file, usecols=["response_id", "nps_group"], dtype=str, keep_default_na=False)
        except (OSError, ValueError, UnicodeDecodeError):
            return 0
        scored = table.loc[table["nps_group"] != "", "response_id"]
        # Rows without an id are numbered by ingest ("row-5" of one file is no respondent of the other).
        ids.append(set(scored[~scored.str.fullmatch(GENERATED_ID)]))
    return len(ids[0] & ids[1])


def _pct(share: float) -> str:
    return "-" if share is None or math.isnan(share) else f"{100 * share:.1f}%"


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _group_lines(g: dict, indent: str) -> list[str]:
    nps = g["nps"]
    if nps["a"] is None or nps["b"] is None:
        head = "NPS not available in both runs"
    elif nps.get("too_small"):
        head = (f"NPS {nps['a']:+.1f} -> {nps['b']:+.1f}: too few respondents to tell a change from noise "
                f"(n {nps['n_a']} -> {nps['n_b']})")
    else:
        mark = "significant" if nps["significant"] else "not significant"
        low, high = nps.get("ci_low"), nps.get("ci_high")
        agrees = low is not None and high is not None and (low <= 0 <= high) != nps["significant"]
        span = f", likely between {low:+.1f} and {high:+.1f}" if agrees else ""
        head = (f"NPS {nps['a']:+.1f} -> {nps['b']:+.1f}: {nps['change']:+.1f} points{span} "
                f"({_p(nps['p_value'])}, {mark}; n {nps['n_a']} -> {nps['n_b']})")  # fmt: skip
    lines = [indent + head]
    lines.append(f"{indent}top 2 improvement areas then: {', '.join(g['top2_a']) or '-'}")
    lines.append(f"{indent}top 2 improvement areas now:  {', '.join(g['top2_b']) or '-'}")
    by_label = {t["label"]: t for t in g["themes"]}
    for name, title in (("rose", "mentioned more"), ("fell", "mentioned less"), ("appeared", "new"),
                        ("disappeared", "gone"), ("impact_worse", "worse for NPS"),
                        ("impact_better", "better for NPS")):  # fmt: skip
        if not g[name]:
            continue
        parts = []
        for label in g[name]:
            t = by_label[label]
            if name.startswith("impact"):
                parts.append(f"{label} ({t['impact_a']:+.1f} -> {t['impact_b']:+.1f} pts)")
            else:
                parts.append(f"{label} ({_pct(t['share_a'])} -> {_pct(t['share_b'])})")
        lines.append(f"{indent}{title}: " + "; ".join(parts))
    return lines


def format_comparison(result: dict) -> str:
    """The comparison as terminal text: NPS change, top 2 then and now, moving themes."""
    a, b = result["a"], result["b"]
    lines = [f"comparing {a['path']} ({a['created_at']}) -> {b['path']} ({b['created_at']})",
             f"themes matched by {result['match']}"]  # fmt: skip
    lines += [f"note: {n}" for n in result["notes"]]
    lines += _group_lines(result["overall"], "")
    for g in result["departments"]:
        lines.append(f"{g['group']}:")
        lines += _group_lines(g, "  ")
    if result["only_in_a"]:
        lines.append("departments only in the earlier run: " + ", ".join(result["only_in_a"]))
    if result["only_in_b"]:
        lines.append("departments only in the later run: " + ", ".join(result["only_in_b"]))
    return "\n".join(lines)
