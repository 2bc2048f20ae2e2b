"""A realistic, schema-valid report dict and its per-response rows, for the renderer tests.

A fictional retailer: three departments (one too small to rank), eight themes plus
"Other", one mixed theme whose praise and complaint sides are ranked separately, and
customer texts that try to inject Markdown and HTML/JS. The numbers are hand-picked to
be coherent (NPS without a theme = NPS - impact; NPS with it follows from the share).
"""

from __future__ import annotations

import copy
import random

XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SVG = '"><svg onload="window.__xss=1">'
XSS_PAYLOADS = (XSS_SCRIPT, XSS_IMG, XSS_SVG)
MD_INJECTION = "# URGENT [click here](http://evil.example/login) ![pixel](http://evil.example/p.png) <b>bold</b> | col"

ALL = "__all__"
DELIVERY, SERVICE, BILLING = "Delivery", "Customer Service", "Billing & Payments"
DEPARTMENTS = {  # name: (slug, respondents, scored nps object args)
    DELIVERY: "delivery",
    SERVICE: "customer-service",
    BILLING: "billing-payments",
}

# id: (label, keywords, share of commenting respondents, sentiment neg/neu/pos, mixed)
THEMES = {
    0: ("Late delivery", ["late", "days", "waiting", "delivery"], 0.112, (0.86, 0.10, 0.04), False),
    1: ("Long wait on the phone", ["hold", "phone", "wait", "minutes"], 0.094, (0.81, 0.15, 0.04), False),
    2: ("Charged twice or the wrong amount", ["charged", "twice", "refund", "amount"], 0.041, (0.78, 0.18, 0.04), False),
    3: ("Damaged parcel or item", ["damaged", "broken", "box", "scratched"], 0.058, (0.83, 0.12, 0.05), False),
    4: ("Staff attitude", ["staff", "friendly", "rude", "helpful"], 0.137, (0.31, 0.11, 0.58), True),
    5: ("Fast delivery", ["fast", "quick", "next day", "arrived"], 0.121, (0.03, 0.09, 0.88), False),
    6: ("Good value for money", ["price", "value", "cheap", "quality"], 0.083, (0.05, 0.20, 0.75), False),
    7: (f"Marketing e-mails {XSS_SVG}", ["emails", "spam", "unsubscribe"], 0.036, (0.70, 0.25, 0.05), False),
    -1: ("Other", [], 0.069, (0.30, 0.50, 0.20), False),
}

# NPS objects: (n, promoters, passives, detractors, ci_low, ci_high, too_small)
NPS = {
    ALL: (1200, 540, 270, 390, 9.3, 15.6, False),
    DELIVERY: (540, 196, 126, 218, -11.0, 2.6, False),
    SERVICE: (600, 282, 102, 216, 5.1, 16.9, False),
    BILLING: (24, 8, 6, 10, -38.0, 30.0, True),
}

# (theme, side): {group: (n_mentions, impact, ci_low, ci_high, significant, stability)}
# A group missing from a row is too small there.
IMPACT = {
    (0, "all"): {ALL: (128, -6.8, -8.9, -4.9, True, 0.97), DELIVERY: (102, -18.4, -23.9, -13.1, True, 0.98)},
    (1, "all"): {ALL: (107, -6.1, -8.0, -4.2, True, 0.91), SERVICE: (88, -14.8, -19.6, -10.2, True, 0.96)},
    (2, "all"): {ALL: (47, -3.0, -4.6, -1.5, True, 0.05), SERVICE: (21, -2.6, -5.9, 0.6, False, 0.22)},
    (3, "all"): {ALL: (66, -3.7, -5.4, -2.0, True, 0.08), DELIVERY: (55, -6.2, -10.0, -2.5, True, 0.81)},
    (4, "complaint"): {ALL: (61, -1.2, -2.9, 0.5, False, 0.01), SERVICE: (44, -3.1, -6.3, 0.2, False, 0.55)},
    (4, "praise"): {ALL: (95, 3.5, 1.9, 5.2, True, 0.74), SERVICE: (71, 7.4, 4.0, 10.9, True, 0.93)},
    (5, "all"): {ALL: (138, 4.1, 2.4, 5.9, True, 0.88), DELIVERY: (97, 5.1, 2.2, 8.1, True, 0.90)},
    (6, "all"): {ALL: (95, 2.2, 0.6, 3.9, True, 0.42), DELIVERY: (36, 1.1, -2.4, 4.4, False, 0.30), SERVICE: (40, 1.8, -1.6, 5.0, False, 0.41)},
    (7, "all"): {ALL: (41, -0.8, -2.1, 0.6, False, 0.0)},
    (-1, "all"): {ALL: (79, -0.4, -1.9, 1.1, False, 0.0)},
}

QUOTES = {
    0: [
        ("R000112", DELIVERY, 2, "negative", "Ordered on Monday, it arrived the following Friday. Five days late with no update."),
        ("R000245", DELIVERY, 3, "negative", MD_INJECTION + " still waiting for my parcel"),
        ("R000318", DELIVERY, 4, "negative", f"Delivery was late again {XSS_SCRIPT} third time this year"),
        ("R000401", None, 5, "negative", "The tracking said out for delivery for three days."),
    ],
    1: [
        ("R000131", SERVICE, 1, "negative", "Forty minutes on hold before anyone picked up."),
        ("R000209", SERVICE, 3, "negative", f"Waited an hour on the phone {XSS_IMG} and then got cut off"),
        ("R000377", SERVICE, 6, "negative", "The hold music is lovely but I heard it for 25 minutes *again*."),
    ],
    2: [
        ("R000150", BILLING, 0, "negative", "I was charged twice for the same order and still have no refund."),
        ("R000288", SERVICE, 4, "negative", "Wrong amount taken from my card, [REDACTED_EMAIL] never replied."),
    ],
    3: [
        ("R000177", DELIVERY, 3, "negative", "The box was crushed and the lamp inside was broken."),
        ("R000333", DELIVERY, 5, "negative", "Screen arrived scratched; packaging was far too thin."),
    ],
    4: [
        ("R000190", SERVICE, 10, "positive", "Sarah on the phone was incredibly kind and sorted everything."),
        ("R000256", SERVICE, 2, "negative", "The agent was rude and hung up on me."),
        ("R000299", SERVICE, 9, "positive", "Staff are always friendly and patient."),
    ],
    5: [
        ("R000120", DELIVERY, 10, "positive", "Ordered at 10pm, on my doorstep by lunch. Amazing!"),
        ("R000222", DELIVERY, 9, "positive", "Next-day delivery actually means next day here."),
    ],
    6: [
        ("R000142", None, 8, "neutral", "Decent prices for the quality, nothing special."),
        ("R000310", DELIVERY, 10, "positive", "Great value for money; cheaper than the high street."),
    ],
    7: [("R000199", SERVICE, 7, "negative", f"Three e-mails a day is too many {XSS_SVG} please stop")],
    -1: [("R000404", None, 7, "neutral", "Parking near the store is hard to find.")],
}


def _quote(row: tuple) -> dict:
    response_id, department, score, sentiment, text = row
    return {"text": text, "response_id": response_id, "department": department, "score": float(score),
            "nps_group": _group(score), "sentiment": sentiment}


def _nps(group: str) -> dict:
    n, prom, pas, det, lo, hi, too_small = NPS[group]
    pp, pa, pd_ = (100.0 * x / n for x in (prom, pas, det))
    return {
        "n": n, "promoters": prom, "passives": pas, "detractors": det,
        "pct_promoters": round(pp, 2), "pct_passives": round(pa, 2), "pct_detractors": round(pd_, 2),
        "nps": round(pp - pd_, 2), "ci_low": lo, "ci_high": hi, "too_small": too_small,
    }  # fmt: skip


def _impact_rows() -> list[dict]:
    rows = []
    for (theme_id, side), by_group in IMPACT.items():
        for group in NPS:
            nps = _nps(group)
            found = by_group.get(group)
            if found is None:
                n_mentions = 4 if group != ALL else 0
                rows.append({
                    "group": group, "theme_id": theme_id, "side": side, "n_mentions": n_mentions,
                    "share": round(n_mentions / nps["n"], 4), "nps_with": None, "nps_without": None,
                    "impact": None, "ci_low": None, "ci_high": None, "p_value": None, "q_value": None,
                    "significant": False, "too_small": True,
                })  # fmt: skip
                continue
            n_mentions, impact, lo, hi, significant, _ = found
            share = n_mentions / nps["n"]
            without = nps["nps"] - impact
            with_ = max(-100.0, min(100.0, (nps["nps"] - (1 - share) * without) / share))
            rows.append({
                "group": group, "theme_id": theme_id, "side": side, "n_mentions": n_mentions,
                "share": round(share, 4), "nps_with": round(with_, 2), "nps_without": round(without, 2),
                "impact": impact, "ci_low": lo, "ci_high": hi,
                "p_value": 0.0004 if significant else 0.21, "q_value": 0.003 if significant else 0.34,
                "significant": significant, "too_small": False,
                "driver_weight": round(abs(impact) / 100, 4), "driver_sign": 1 if impact > 0 else -1,
            })  # fmt: skip
    return rows


def _label(theme_id: int, side: str) -> str:
    label = THEMES[theme_id][0]
    return label if side == "all" else f"{label} ({'complaints' if side == 'complaint' else 'praise'})"


def _ranking(group: str) -> dict:
    nps = _nps(group)
    improvement, strengths = [], []
    for (theme_id, side), by_group in IMPACT.items():
        found = by_group.get(group)
        if found is None or theme_id == -1:
            continue
        n_mentions, impact, lo, hi, significant, stability = found
        entry = {
            "theme_id": theme_id, "label": _label(theme_id, side), "side": side, "impact": impact,
            "ci_low": lo, "ci_high": hi, "rank_stability": stability,
            "nps_without": round(nps["nps"] - impact, 2), "n_mentions": n_mentions,
            "share": round(n_mentions / nps["n"], 4), "significant": significant,
            "driver_weight": round(abs(impact) / 100, 4),
            "quotes": [_quote(q) for q in QUOTES[theme_id] if group == ALL or q[1] == group][:3],
        }  # fmt: skip
        (improvement if impact < 0 else strengths).append(entry)
    improvement.sort(key=lambda e: e["impact"])
    strengths.sort(key=lambda e: -e["impact"])
    passive = {
        ALL: [(6, 0.21, 0.13, 1.62, 0.002), (7, 0.06, 0.034, 1.76, 0.04)],
        DELIVERY: [(6, 0.12, 0.067, 1.79, 0.03)],
        SERVICE: [(2, 0.07, 0.035, 2.0, 0.08)],
    }.get(group, [])
    return {
        "method": "impact",
        "improvement_areas": improvement,
        "strengths": strengths,
        "passive_themes": [
            {"theme_id": t, "label": THEMES[t][0], "share_passives": sp, "share_all": sa, "lift": lift, "p_value": p}
            for t, sp, sa, lift, p in passive
        ],
        "driver_improvement_areas": copy.deepcopy(improvement),
        "driver_strengths": copy.deepcopy(strengths),
    }


def _themes() -> list[dict]:
    themes = []
    for theme_id, (label, keywords, share, (neg, neu, pos), mixed) in THEMES.items():
        responses = round(share * 1140)
        owner = {0: DELIVERY, 3: DELIVERY, 5: DELIVERY, 1: SERVICE, 2: BILLING}.get(theme_id)
        themes.append({
            "id": theme_id, "label": label, "keywords": keywords, "parent_id": None, "parent_label": None,
            "segments": round(responses * 1.1), "responses": responses, "share": share,
            "sentiment": {"negative": neg, "neutral": neu, "positive": pos}, "mixed": mixed,
            "quotes": [_quote(q) for q in QUOTES[theme_id]], "guided": False,
            "owner": {"department": owner, "similarity": 0.61, "margin": 0.12} if owner else None,
        })  # fmt: skip
    return themes


def make_report() -> dict:
    """A schema-valid report (see ``src/verbatim/schema/report.schema.json``)."""
    departments = []
    for name, slug in DEPARTMENTS.items():
        nps = _nps(name)
        too_small = nps["too_small"]
        warnings = [f"Only {nps['n']} scored respondents (fewer than 30): themes are not ranked."] if too_small else []
        ranking = _ranking(name) if not too_small else {
            "method": "impact", "improvement_areas": [], "strengths": [], "passive_themes": [],
            "driver_improvement_areas": [], "driver_strengths": [],
        }  # fmt: skip
        departments.append({
            "name": name, "slug": slug, "source": "column", "nps": nps,
            "responses": {DELIVERY: 560, SERVICE: 610, BILLING: 27}[name], "too_small": too_small,
            "ranking": ranking, "owned_themes": [0, 3, 5] if name == DELIVERY else [],
            "warnings": warnings,
        })  # fmt: skip
    return {
        "schema_version": "1.12",
        "run": {
            "verbatim_version": "0.1.0",
            "created_at": "2026-12-01T09:30:00Z",
            "input": {"path": "surveys/retail_nps_2026.csv", "format": "csv", "sha256": "ab" * 32},
            "columns": {"text": ["comment"], "score": "score", "group": None, "department": "department", "date": "submitted_at", "id": "response_id", "weight": None},
            "config": {"impact": {"ci_level": 0.95, "top_k": 2, "min_group_size": 30, "n_bootstrap": 1000}},
            "redacted": True,
            "embedder": "all-MiniLM-L6-v2",
            "scale": {"name": "nps", "minimum": 0.0, "maximum": 10.0, "promoter_min": 9.0, "detractor_max": 6.0,
                      "whole_numbers": True},
            "rows": {
                "read": 1300, "usable": 1260, "rejected": 40, "without_score": 60, "without_comment": 90,
                "segments": 1630, "segments_unassigned": 112, "rejections": {"score is not a number": 31, "score out of range": 9},
            },  # fmt: skip
            "pii_redacted": {"email": 14, "phone": 6, "name": 22},
            "timings_s": {"ingest": 0.4, "embed": 12.1, "themes": 8.3, "impact": 2.2},
            "notes": ["24 comments are not in English and were kept out of theme discovery."],
        },
        "nps": _nps(ALL),
        "no_comment": {"n": 90, "share": round(90 / 1260, 4), "nps": {**_nps(ALL), "n": 84, "promoters": 30, "passives": 20, "detractors": 34, "pct_promoters": 35.71, "pct_passives": 23.81, "pct_detractors": 40.48, "nps": -4.76, "ci_low": -25.0, "ci_high": 15.5, "too_small": False}},
        "themes": _themes(),
        "impact": _impact_rows(),
        "overall": _ranking(ALL),
        "departments": departments,
    }


def make_empty_report() -> dict:
    """A schema-valid report of a survey where nothing could be measured (no scores, no themes)."""
    report = make_report()
    empty_nps = {**report["nps"], "n": 0, "promoters": 0, "passives": 0, "detractors": 0, "pct_promoters": None,
                 "pct_passives": None, "pct_detractors": None, "nps": None, "ci_low": None, "ci_high": None, "too_small": True}  # fmt: skip
    report.update(nps=empty_nps, themes=[], impact=[], departments=[])
    report["no_comment"]["nps"] = None
    report["overall"] = {key: [] for key in report["overall"]} | {"method": "impact"}
    return report



_TEXTS = {  # theme id: (sentiment, text) pairs a respondent may write
    0: [("negative", "Parcel came four days late."), ("negative", "Delivery took two weeks, far too slow."), ("neutral", "Delivery was a day later than promised.")],
    1: [("negative", "Half an hour on hold to change an address."), ("negative", "Nobody answers the phone.")],
    2: [("negative", "Charged twice for one order."), ("negative", "Wrong amount on my card statement.")],
    3: [("negative", "Item arrived broken."), ("negative", "Box was soaked and the contents damaged.")],
    4: [("positive", "Lovely helpful staff."), ("negative", "The agent was rude to me."), ("positive", "Very friendly person on the chat.")],
    5: [("positive", "Super fast delivery!"), ("positive", "Arrived the next morning."), ("neutral", "Delivery was quick enough.")],
    6: [("positive", "Good prices for good quality."), ("neutral", "Prices are fair, nothing more.")],
    7: [("negative", "Too many marketing e-mails."), ("negative", "I keep getting spam after unsubscribing.")],
    -1: [("neutral", "Parking is hard near the shop."), ("neutral", "I bought a gift for my mum.")],
}


def _group(score: float | None) -> str | None:
    if score is None:
        return None
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def make_assignments() -> list[dict]:
    """Per-response rows for the HTML drill-down, including hostile texts.

    Deterministic. Rows: ``response_id``, ``department``, ``score``, ``nps_group``,
    ``themes`` (theme ids), ``sentiment``, ``text`` (already redacted), and ``complaints`` /
    ``praise`` on rows mentioning a side of the mixed theme 4.
    """
    rng = random.Random(20261201)
    departments = [DELIVERY, DELIVERY, SERVICE, SERVICE, BILLING]
    theme_ids = list(_TEXTS)
    rows = []
    for i in range(150):
        department = rng.choice(departments)
        themes = sorted(set(rng.sample(theme_ids, rng.choice((1, 1, 2)))))
        picks = [rng.choice(_TEXTS[t]) for t in themes]
        sentiments = {s for s, _ in picks}
        sentiment = "negative" if "negative" in sentiments else "positive" if "positive" in sentiments else "neutral"
        base = {"negative": 4, "neutral": 7, "positive": 9}[sentiment]
        score = float(max(0, min(10, base + rng.choice((-2, -1, 0, 1)))))
        row = {
            "response_id": f"R{i + 1:06d}", "department": department, "score": score,
            "nps_group": _group(score), "themes": themes, "sentiment": sentiment,
            "text": " ".join(text for _, text in picks),
        }  # fmt: skip
        # The sides of the mixed theme 4, as html_assignments lists them.
        for side, polarity in (("complaints", "negative"), ("praise", "positive")):
            if any(t == 4 and s == polarity for t, (s, _) in zip(themes, picks)):
                row[side] = [4]
        rows.append(row)
    hostile = [
        (DELIVERY, 2.0, [0], "negative", f"Late again {XSS_SCRIPT} unacceptable"),
        (SERVICE, 3.0, [1], "negative", f"On hold forever {XSS_IMG}"),
        (DELIVERY, 5.0, [0, 3], "negative", f"Late and broken {XSS_SVG} sigh"),
        (BILLING, 1.0, [2], "negative", f"{MD_INJECTION} charged twice"),
        (None, None, [7], "negative", f"Stop the e-mails {XSS_SCRIPT}{XSS_IMG}"),
        (SERVICE, 8.0, [-1], "neutral", "Line one\nline two\u2028after a line separator & an ampersand </script>"),
    ]
    for j, (department, score, themes, sentiment, text) in enumerate(hostile):
        rows.append({
            "response_id": f"H{j + 1:03d}", "department": department, "score": score, "nps_group": _group(score),
            "themes": themes, "sentiment": sentiment, "text": text,
        })  # fmt: skip
    return rows


def with_general_reaction(report: dict, label: str = "really disappointed") -> dict:
    """``report`` with a general theme (themes[].general) listed under general_reactions overall and
    in the first department, as build_report lists the themes it keeps out of the rankings."""
    report = copy.deepcopy(report)
    theme = copy.deepcopy(report["themes"][0]) | {"id": 90, "label": label, "general": True, "keywords": ["disappointed"]}
    report["themes"].append(theme)
    entry = copy.deepcopy(report["overall"]["improvement_areas"][0]) | {"theme_id": 90, "label": label,
                                                                        "rank_stability": None, "driver_weight": None}
    report["overall"]["general_reactions"] = [entry]
    row = next(r for r in report["impact"] if r["group"] == ALL and r["side"] == "all" and r["impact"] is not None)
    report["impact"].append(copy.deepcopy(row) | {"theme_id": 90, "impact": entry["impact"], "ci_low": entry["ci_low"],
                                                  "ci_high": entry["ci_high"], "significant": True})
    report["departments"][0]["ranking"]["general_reactions"] = [entry | {"quotes": entry["quotes"][:1]}]
    return report
