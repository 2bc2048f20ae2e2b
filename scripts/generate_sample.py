"""Generate the bundled sample NPS survey with a planted, measurable truth.

    python scripts/generate_sample.py            # rewrites data/samples/
    python scripts/generate_sample.py --out DIR  # writes the same files into DIR

The output is byte-identical on every run: only the standard library is used
(``random.Random`` has a stable stream across Python versions, unlike numpy's
Generator whose streams may change between numpy releases).

How a response is made
----------------------
1. Each respondent gets a month (volume varies by month), a department
   (fixed, unequal sizes) and a comment kind (blank, non-answer, non-English
   or themed; exact counts).
2. A themed comment carries 1-3 theme segments (55/35/10 %). Themes are drawn
   without replacement from the department's sampling weights, which change by
   month for the planted trend (app-crash prevalence in App triples in Oct-Nov 2026; checkout
   queues vanish after May 2026).
3. Each segment is one hand-written phrasing, varied (typos, case, emoji,
   intensifiers, discourse prefixes/suffixes) and joined with "but", "and",
   ";", "," or ". ", sometimes with a filler sentence. Some comments get PII
   (e-mail, phone, card, URL, staff names) or product names.
4. Score = round(clip(base + sum of the planted theme effects + noise, 0, 10)).
5. Impacts are measured on the generated data (NPS(all) - NPS(without theme))
   and the design margins are checked; the script fails loudly if they break.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
from collections import Counter
from pathlib import Path


SEED = 20251201
N_RESPONSES = 2400

MONTHS = [f"{y}-{m:02d}" for y, m in [(2025, 12)] + [(2026, m) for m in range(1, 12)]]
# Retail seasonality: Christmas, January returns and Black Friday are busier.
MONTH_VOLUME = [1.27, 1.18, 0.91, 0.88, 0.97, 0.89, 0.84, 0.87, 0.93, 0.96, 1.04, 1.31]

DEPARTMENT_SIZES = {
    "Delivery": 560,
    "Customer Service": 450,
    "App": 400,
    "Stores": 360,
    "Returns": 340,
    "Billing": 290,
}

KIND_COUNTS = {"blank": 120, "non_answer": 72, "non_english": 24}  # 5 %, 3 %, 1 %
SEGMENT_COUNT_PROBS = {1: 0.55, 2: 0.35, 3: 0.10}

# theme id -> (label, kind, planted latent score effect in score points)
THEMES: dict[str, tuple[str, str, float]] = {
    "late_delivery": ("Late delivery", "issue", -3.4),
    "damaged_parcel": ("Damaged parcel or item", "issue", -2.6),
    "parcel_wrong_place": ("Courier left parcel in the wrong place", "issue", -2.2),
    "long_phone_wait": ("Long wait on the phone", "issue", -3.3),
    "unhelpful_agents": ("Unhelpful or rude agents", "issue", -3.0),
    "unresolved_after_contacts": ("Issue not resolved after several contacts", "issue", -3.0),
    "billing_wrong_charge": ("Charged twice or the wrong amount", "issue", -3.0),
    "confusing_invoice": ("Confusing invoice", "issue", -2.2),
    "app_crashes": ("App crashes", "issue", -2.8),
    "login_problems": ("Can't log in / password reset", "issue", -2.4),
    "slow_refund": ("Refund takes too long", "issue", -2.8),
    "complicated_returns": ("Returns process complicated", "issue", -2.2),
    "checkout_queues": ("Long checkout queues in store", "issue", -2.6),
    "out_of_stock": ("Item out of stock", "issue", -1.8),
    "prices_too_high": ("Prices too high", "issue", -1.4),
    "too_many_emails": ("Too many marketing e-mails", "issue", -0.8),
    "friendly_staff": ("Friendly, helpful staff", "strength", 1.2),
    "fast_delivery": ("Fast delivery", "strength", 1.0),
    "easy_app": ("Easy to use app and website", "strength", 1.0),
    "good_value_quality": ("Good value, quality products", "strength", 1.1),
    "quick_refund": ("Quick refund", "strength", 1.2),
    "overall_satisfied": ("Happy overall, would recommend", "strength", 1.3),
}

# Relative sampling weights of each theme among a department's theme segments.
# The department's own issues dominate; small weights are cross-department spill-over.
DEPARTMENT_WEIGHTS: dict[str, dict[str, float]] = {
    "Delivery": {
        "late_delivery": 30, "damaged_parcel": 15, "parcel_wrong_place": 6,
        "prices_too_high": 3, "too_many_emails": 2, "long_phone_wait": 1, "app_crashes": 1,
        "friendly_staff": 6, "fast_delivery": 20, "good_value_quality": 7,
        "easy_app": 2, "overall_satisfied": 12,
    },
    "Customer Service": {
        "long_phone_wait": 34, "unresolved_after_contacts": 16, "unhelpful_agents": 6,
        "prices_too_high": 3, "too_many_emails": 2, "late_delivery": 2, "slow_refund": 2,
        "billing_wrong_charge": 1,
        "friendly_staff": 20, "good_value_quality": 4, "overall_satisfied": 12,
    },
    "Billing": {
        "billing_wrong_charge": 28, "confusing_invoice": 20, "prices_too_high": 5,
        "too_many_emails": 3, "long_phone_wait": 2, "unhelpful_agents": 2,
        "friendly_staff": 10, "quick_refund": 9, "good_value_quality": 5, "overall_satisfied": 12,
    },
    "App": {
        "app_crashes": 6, "login_problems": 20, "too_many_emails": 4, "prices_too_high": 3,
        "billing_wrong_charge": 1, "late_delivery": 1,
        "easy_app": 24, "good_value_quality": 5, "fast_delivery": 3, "overall_satisfied": 12,
    },
    "Returns": {
        "slow_refund": 28, "complicated_returns": 17, "prices_too_high": 2, "too_many_emails": 2,
        "damaged_parcel": 3, "long_phone_wait": 1,
        "quick_refund": 14, "friendly_staff": 8, "good_value_quality": 4, "overall_satisfied": 12,
    },
    "Stores": {
        "checkout_queues": 28, "out_of_stock": 22, "prices_too_high": 4, "too_many_emails": 1,
        "unhelpful_agents": 2,
        "friendly_staff": 20, "good_value_quality": 12, "overall_satisfied": 12,
    },
}

# Themes one respondent would not say together ("late" and "fast" about one delivery):
# drawing one removes the other from that comment's draws.
CONTRADICTIONS = {
    "late_delivery": "fast_delivery", "fast_delivery": "late_delivery",
    "slow_refund": "quick_refund", "quick_refund": "slow_refund",
    "prices_too_high": "good_value_quality", "good_value_quality": "prices_too_high",
}

TREND = {
    "growing": {"theme": "app_crashes", "department": "App",
                "months": ["2026-10", "2026-11"], "factor": 4.0},
    "fixed": {"theme": "checkout_queues", "department": "Stores",
              "last_month_present": "2026-05"},
}

SCORE_BASE = 9.3
SCORE_NOISE_SD = 1.3
# Respondents who write nothing are a little less enthusiastic than commenters.
SILENT_BASE_SHIFT = -0.6

MARGIN = 1.3
MIN_MENTIONS = 40
NPS_RANGE = (10.0, 25.0)

# Variation rates (per segment unless noted).
P_TYPO = 0.08
P_EMOJI = 0.05
P_PREFIX = 0.10
P_SUFFIX = 0.12
P_INTENSIFY = 0.30
P_FILLER = 0.12            # per comment
P_LOWER_COMMENT = 0.12     # whole comment in lower case
P_UPPER_COMMENT = 0.03     # whole comment shouting
N_CONTACT_PII = 48
N_NAMED_STAFF = 48
N_PRODUCT = 16


# --------------------------------------------------------------------------- weights


def month_weights(department: str, month: str) -> dict[str, float]:
    """Sampling weights of a department's themes in one month (trend applied)."""
    weights = dict(DEPARTMENT_WEIGHTS[department])
    growing, fixed = TREND["growing"], TREND["fixed"]
    if month in growing["months"] and growing["theme"] in weights:
        weights[growing["theme"]] *= growing["factor"]
    if month > fixed["last_month_present"] and fixed["theme"] in weights:
        # A fixed issue is gone entirely so "last month present" is exact.
        weights.pop(fixed["theme"])
    return weights


def remaining_after(weights: dict[str, float], theme: str) -> dict[str, float]:
    """The weights left for a comment's next draw once ``theme`` is drawn."""
    drop = {theme, CONTRADICTIONS.get(theme)}
    return {t: w for t, w in weights.items() if t not in drop}


def inclusion_probabilities(weights: dict[str, float], k: int) -> dict[str, float]:
    """Exact P(theme among up to k sequential draws, as ``draw_themes`` makes them)."""
    probs: Counter = Counter()

    def walk(w: dict[str, float], draws_left: int, p_path: float, drawn: tuple) -> None:
        if draws_left == 0 or not w:
            for t in drawn:
                probs[t] += p_path
            return
        total = sum(w.values())
        for t, wt in w.items():
            walk(remaining_after(w, t), draws_left - 1, p_path * wt / total, drawn + (t,))

    walk(weights, k, 1.0, ())
    return dict(probs)


def planted_prevalence() -> dict[str, dict[str, float]]:
    """Design share (0-1) of each department's respondents whose comment carries each theme."""
    month_share = [v / sum(MONTH_VOLUME) for v in MONTH_VOLUME]
    p_themed = 1 - sum(KIND_COUNTS.values()) / N_RESPONSES
    out: dict[str, dict[str, float]] = {}
    for dept in DEPARTMENT_SIZES:
        acc: Counter = Counter()
        for month, share in zip(MONTHS, month_share):
            w = month_weights(dept, month)
            for k, pk in SEGMENT_COUNT_PROBS.items():
                for t, p in inclusion_probabilities(w, k).items():
                    acc[t] += share * p_themed * pk * p
        out[dept] = dict(acc)
    return out


# --------------------------------------------------------------------------- text variation


def weighted_choice(rng: random.Random, weights: dict[str, float]) -> str:
    """One key drawn proportionally to its weight (dict order is fixed, so deterministic)."""
    x = rng.random() * sum(weights.values())
    for key, w in weights.items():
        x -= w
        if x < 0:
            return key
    return key


def add_typo(rng: random.Random, text: str) -> str:
    """Misspell one alphabetic word of 4+ letters: swap, drop or double a letter."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    how = rng.choice(["swap", "drop", "double"])
    if how == "swap":
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    elif how == "drop":
        w = w[:j] + w[j + 1:]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


def intensify(rng: random.Random, text: str) -> str:
    """Strengthen an existing intensifier ("really" -> "really really", "very" -> "extremely")."""
    for word, louder in ((" really ", [" really really ", " REALLY "]),
                         (" very ", [" extremely ", " very very "]),
                         (" so ", [" soooo ", " so so "])):
        if word in f" {text} ":
            return f" {text} ".replace(word, rng.choice(louder), 1).strip()
    return text


def render_segment(rng: random.Random, theme: str, phrasing: str) -> str:
    """Turn one hand-written phrasing into a messy customer-typed segment (lower case start)."""
    kind = THEMES[theme][1]
    text = phrasing
    if rng.random() < P_INTENSIFY:
        text = intensify(rng, text)
    if rng.random() < P_PREFIX:
        text = rng.choice(PREFIXES[kind]) + " " + text
    if rng.random() < P_SUFFIX:
        suffix = rng.choice(SUFFIXES[kind])
        if not text.endswith(suffix.strip(" !-")):
            text = text + suffix
    if rng.random() < P_TYPO:
        text = add_typo(rng, text)
    if rng.random() < P_EMOJI:
        text = text + " " + rng.choice(EMOJI[kind])
    return text


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def connector(rng: random.Random, kind_before: str, kind_after: str) -> str:
    """Join two segments the way people do: contrast gets "but", agreement "and"."""
    if kind_before != kind_after:
        options = {" but ": 0.5, ". ": 0.3, "; ": 0.1, ", ": 0.1}
    else:
        options = {" and ": 0.35, ". ": 0.45, "; ": 0.1, ", ": 0.1}
    return weighted_choice(rng, options)


# --------------------------------------------------------------------------- respondents


def allocate(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of ``total`` into integer parts proportional to ``weights``."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def draw_timestamp(rng: random.Random, month: str) -> str:
    year, mon = map(int, month.split("-"))
    days = 31 if mon in (1, 3, 5, 7, 8, 10, 12) else 30 if mon != 2 else 28
    # Surveys are answered mostly in waking hours.
    hour = min(23, max(6, int(rng.gauss(14, 4))))
    return (f"{year:04d}-{mon:02d}-{rng.randint(1, days):02d}T"
            f"{hour:02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}")


def build_respondents(rng: random.Random) -> list[dict]:
    """Month, department and comment kind for every respondent, exact counts, shuffled."""
    months = [m for m, n in zip(MONTHS, allocate(N_RESPONSES, MONTH_VOLUME)) for _ in range(n)]
    depts = [d for d, n in DEPARTMENT_SIZES.items() for _ in range(n)]
    n_themed = N_RESPONSES - sum(KIND_COUNTS.values())
    kinds = [k for k, n in KIND_COUNTS.items() for _ in range(n)] + ["themed"] * n_themed
    rng.shuffle(depts)
    rng.shuffle(kinds)
    people = [{"month": m, "department": d, "kind": k} for m, d, k in zip(months, depts, kinds)]
    for p in people:
        p["submitted_at"] = draw_timestamp(rng, p["month"])
    people.sort(key=lambda p: p["submitted_at"])
    for i, p in enumerate(people, start=1):
        p["response_id"] = f"R{i:06d}"
    return people


def draw_themes(rng: random.Random, department: str, month: str) -> list[str]:
    k = int(weighted_choice(rng, {str(k): p for k, p in SEGMENT_COUNT_PROBS.items()}))
    weights = month_weights(department, month)
    chosen: list[str] = []
    for _ in range(k):
        t = weighted_choice(rng, weights)
        chosen.append(t)
        weights = remaining_after(weights, t)
    return chosen


def pick_phrasing(rng: random.Random, theme: str, person: dict) -> str:
    """A base phrasing, or a named-staff / product variant when the respondent was picked for one."""
    if person.get("named_staff") and theme in NAMED_STAFF:
        by_dept = NAMED_STAFF[theme]
        return rng.choice(by_dept.get(person["department"], by_dept["*"])).format(
            name=rng.choice(STAFF_NAMES), city=rng.choice(STAFF_CITIES))
    if person.get("product") and theme in PRODUCT_PHRASINGS:
        return rng.choice(PRODUCT_PHRASINGS[theme]).format(product=rng.choice(PRODUCTS))
    return rng.choice(THEME_PHRASINGS[theme])


def write_comment(rng: random.Random, person: dict) -> tuple[str, list[tuple[str, str]]]:
    """Assemble a themed comment; returns it and [(segment_text, theme_id)] in order."""
    themes = person["themes"]
    case = weighted_choice(rng, {"lower": P_LOWER_COMMENT, "upper": P_UPPER_COMMENT,
                                 "normal": 1 - P_LOWER_COMMENT - P_UPPER_COMMENT})
    restyle = {"lower": str.lower, "upper": str.upper, "normal": lambda s: s}[case]
    segments = [restyle(render_segment(rng, t, pick_phrasing(rng, t, person))) for t in themes]
    pieces: list[str] = []
    if rng.random() < 0.05:
        pieces.append(restyle(rng.choice(CONNECTIVE_FILLERS)) + " ")
    for i, (theme, seg) in enumerate(zip(themes, segments)):
        if i == 0:
            joiner = ""
            starts_sentence = not pieces or pieces[-1].endswith(". ")
        else:
            joiner = connector(rng, THEMES[themes[i - 1]][1], THEMES[theme][1])
            starts_sentence = joiner == ". "
        if case == "normal" and starts_sentence and rng.random() < 0.9:
            seg = capitalise(seg)
            segments[i] = seg
        pieces.append(joiner)
        pieces.append(seg)
    ending = weighted_choice(rng, {".": 0.6, "": 0.25, "!": 0.15})
    pieces.append(ending)
    if rng.random() < P_FILLER:
        pieces.append(" " + restyle(rng.choice(FILLERS)))
    extra = person.get("pii_text")
    if extra:
        ended = pieces[-1].rstrip()[-1:] in {".", "!", "?"}
        pieces.append(("" if ended else ".") + " " + extra)
    return "".join(pieces), list(zip(segments, themes))


def assign_extras(rng: random.Random, people: list[dict]) -> None:
    """Mark who names a staff member or a product and who adds contact details, a card or a URL.

    Staff names and product names replace the phrasing of a segment that already carries
    the matching theme, so they never change the planted theme counts.
    """
    themed = [p for p in people if p["kind"] == "themed"]
    staff_ok = [p for p in themed if set(p["themes"]) & set(NAMED_STAFF)]
    for p in rng.sample(staff_ok, N_NAMED_STAFF):
        p["named_staff"] = True
    product_ok = [p for p in themed if set(p["themes"]) & set(PRODUCT_PHRASINGS)
                  and not p.get("named_staff")]
    for p in rng.sample(product_ok, N_PRODUCT):
        p["product"] = True
    free = [p for p in themed if not p.get("named_staff") and not p.get("product")]
    # Card numbers only make sense in comments about a wrong charge.
    cards = rng.sample([p for p in free if "billing_wrong_charge" in p["themes"]],
                       len(PAYMENT_CARDS))
    free = [p for p in free if p not in cards]
    chosen = rng.sample(free, N_CONTACT_PII + len(URLS))
    contact, urls = chosen[:N_CONTACT_PII], chosen[N_CONTACT_PII:]
    for i, p in enumerate(contact):
        p["pii_kind"], p["pii_text"] = contact_sentence(rng, "email" if i % 2 else "phone")
    for p, text in zip(cards, PAYMENT_CARDS):
        p["pii_kind"], p["pii_text"] = "card", text
    for p, text in zip(urls, URLS):
        p["pii_kind"], p["pii_text"] = "url", text


def contact_sentence(rng: random.Random, kind: str) -> tuple[str, str]:
    """A sentence leaving a fictional e-mail address or phone number."""
    if kind == "email":
        user = rng.choice(CUSTOMER_FIRST) + rng.choice([".", "_", ""]) + rng.choice(CUSTOMER_LAST)
        if rng.random() < 0.5:
            user += str(rng.randint(1, 99))
        email = f"{user}@{rng.choice(EMAIL_DOMAINS)}"
        return kind, rng.choice(EMAIL_SENTENCES).format(email=email)
    phone = rng.choice(PHONE_FORMATS).format(n=rng.randrange(1000))
    return kind, rng.choice(PHONE_SENTENCES).format(phone=phone)


def draw_score(rng: random.Random, person: dict) -> int:
    """Latent satisfaction + planted theme effects + noise, rounded half up, clipped to 0-10."""
    latent = SCORE_BASE + rng.gauss(0.0, SCORE_NOISE_SD)
    if person["kind"] == "themed":
        latent += sum(THEMES[t][2] for t in person["themes"])
    elif person["kind"] == "non_english":
        latent += THEMES[person["hidden_theme"]][2]
    else:
        latent += SILENT_BASE_SHIFT
    return int(min(10.0, max(0.0, latent + 0.5)) // 1)


def generate(seed: int = SEED) -> list[dict]:
    """All respondents with their comment, score and planted segments."""
    rng = random.Random(seed)
    people = build_respondents(rng)
    for p in people:
        p["themes"] = draw_themes(rng, p["department"], p["month"]) if p["kind"] == "themed" else []
    assign_extras(rng, people)
    non_answers = list(NON_ANSWERS)
    for p in people:
        if p["kind"] == "blank":
            # Exports show empty answers as nothing or as stray whitespace.
            p["comment"], p["segments"] = rng.choice(["", "", "", " "]), []
        elif p["kind"] == "non_answer":
            p["comment"], p["segments"] = rng.choice(non_answers), []
        elif p["kind"] == "non_english":
            weights = DEPARTMENT_WEIGHTS[p["department"]]
            fitting = [e for e in NON_ENGLISH if e[1] in weights] or NON_ENGLISH
            p["language"], p["hidden_theme"], p["comment"] = rng.choice(fitting)
            p["segments"] = []
        else:
            p["comment"], p["segments"] = write_comment(rng, p)
        p["score"] = draw_score(rng, p)
    return people


# --------------------------------------------------------------------------- measurement


def nps(scores: list[int]) -> float:
    """Net Promoter Score in points: % promoters (9-10) minus % detractors (0-6)."""
    if not scores:
        return float("nan")
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    return 100.0 * (promoters - detractors) / len(scores)


def theme_impacts(people: list[dict]) -> dict[str, dict]:
    """Count and impact (NPS(all) - NPS(without the theme), points) per theme."""
    overall = nps([p["score"] for p in people])
    out = {}
    for t in THEMES:
        carrying = [t in p["themes"] for p in people]
        without = [p["score"] for p, c in zip(people, carrying) if not c]
        count = sum(carrying)
        out[t] = {"count": count,
                  "impact": round(overall - nps(without), 3) if count else 0.0}
    return out


def top_two(impacts: dict[str, dict]) -> tuple[list[str], float]:
    """The two most negative impacts and the 2nd's cost over the 3rd's (ratio, inf if 3rd >= 0)."""
    ranked = sorted(impacts, key=lambda t: (impacts[t]["impact"], t))
    second, third = -impacts[ranked[1]]["impact"], -impacts[ranked[2]]["impact"]
    ratio = second / third if third > 0 else float("inf")
    return ranked[:2], ratio


def measure(people: list[dict]) -> dict:
    """Everything the truth file reports that is computed from the generated data."""
    by_dept = {d: [p for p in people if p["department"] == d] for d in DEPARTMENT_SIZES}
    overall = theme_impacts(people)
    dept_impacts = {d: theme_impacts(rows) for d, rows in by_dept.items()}
    top2, ratio = top_two(overall)
    dept_top = {d: top_two(imp) for d, imp in dept_impacts.items()}
    strengths = sorted((t for t in THEMES if THEMES[t][1] == "strength"),
                       key=lambda t: -overall[t]["impact"])
    return {
        "nps_overall": round(nps([p["score"] for p in people]), 3),
        "nps_by_department": {d: round(nps([p["score"] for p in rows]), 3)
                              for d, rows in by_dept.items()},
        "overall": overall,
        "by_department": dept_impacts,
        "top2_overall": top2,
        "top2_margin_overall": round(ratio, 3),
        "top2_by_department": {d: v[0] for d, v in dept_top.items()},
        "top2_margin_by_department": {d: round(v[1], 3) for d, v in dept_top.items()},
        "strengths": strengths,
    }


def monthly_share(people: list[dict], theme: str, department: str) -> dict[str, float]:
    """Share (0-1) of a department's respondents per month whose comment carries ``theme``."""
    out = {}
    for m in MONTHS:
        rows = [p for p in people if p["department"] == department and p["month"] == m]
        out[m] = round(sum(theme in p["themes"] for p in rows) / len(rows), 4)
    return out


def growth_ratio(people: list[dict]) -> float:
    """Mean monthly share of the growing theme in its growth months over the other months."""
    grow = TREND["growing"]
    shares = monthly_share(people, grow["theme"], grow["department"])
    late = [v for m, v in shares.items() if m in grow["months"]]
    early = [v for m, v in shares.items() if m not in grow["months"]]
    return (sum(late) / len(late)) / (sum(early) / len(early))


def check_design(people: list[dict], measured: dict) -> list[str]:
    """Every property the sample promises; an empty list means the truth is sound."""
    problems = []
    lo, hi = NPS_RANGE
    if not lo <= measured["nps_overall"] <= hi:
        problems.append(f"overall NPS {measured['nps_overall']} outside {NPS_RANGE}")
    if measured["top2_margin_overall"] < MARGIN:
        problems.append(f"overall top-2 margin {measured['top2_margin_overall']} < {MARGIN}")
    for d, top2 in measured["top2_by_department"].items():
        if measured["top2_margin_by_department"][d] < MARGIN:
            problems.append(f"{d}: top-2 margin {measured['top2_margin_by_department'][d]}")
        for t in top2:
            n = measured["by_department"][d][t]["count"]
            if n < MIN_MENTIONS or THEMES[t][1] != "issue":
                problems.append(f"{d}: top-2 theme {t} has {n} mentions / kind {THEMES[t][1]}")
    imp = measured["overall"]
    worst_strength = min(imp[t]["impact"] for t in measured["strengths"])
    best_issue = max(imp[t]["impact"] for t in THEMES if THEMES[t][1] == "issue")
    if worst_strength <= max(best_issue, 0.0):
        problems.append(f"strength impact {worst_strength} not above every issue ({best_issue})")
    grow, fixed = TREND["growing"], TREND["fixed"]
    if growth_ratio(people) < 2.0:
        problems.append(f"growing theme grew only {growth_ratio(people):.2f}x")
    after = [p for p in people if fixed["theme"] in p["themes"]
             and p["month"] > fixed["last_month_present"]]
    in_last = [p for p in people if fixed["theme"] in p["themes"]
               and p["month"] == fixed["last_month_present"]]
    if after or not in_last:
        problems.append("fixed theme is still present after its last month or absent in it")
    if min(Counter(p["department"] for p in people).values()) < 200:
        problems.append("a department has fewer than 200 responses")
    return problems


# --------------------------------------------------------------------------- outputs


def survey_csv(people: list[dict]) -> str:
    """The export a survey tool would produce: no truth columns."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["response_id", "submitted_at", "score", "comment", "department"])
    for p in people:
        w.writerow([p["response_id"], p["submitted_at"], p["score"], p["comment"], p["department"]])
    return buf.getvalue()


def truth_csv(people: list[dict]) -> str:
    """One row per planted theme segment; ``segment_text`` is a substring of the comment."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["response_id", "segment_index", "segment_text", "theme_id"])
    for p in people:
        for i, (text, theme) in enumerate(p["segments"]):
            w.writerow([p["response_id"], i, text, theme])
    return buf.getvalue()


def truth_json(people: list[dict], measured: dict) -> dict:
    """The planted truth: design parameters next to what was measured on the data."""
    prevalence = planted_prevalence()
    sizes = DEPARTMENT_SIZES
    themes = []
    for t, (label, kind, effect) in THEMES.items():
        depts = [d for d in DEPARTMENT_WEIGHTS if t in DEPARTMENT_WEIGHTS[d]]
        overall_prev = sum(prevalence[d].get(t, 0.0) * sizes[d] for d in sizes) / N_RESPONSES
        themes.append({
            "id": t,
            "label": label,
            "kind": kind,
            "departments": depts,
            "planted_prevalence": {
                "overall": round(overall_prev, 4),
                "by_department": {d: round(prevalence[d][t], 4) for d in depts},
            },
            "planted_effect": effect,
            "measured": {
                "count": measured["overall"][t]["count"],
                "impact": measured["overall"][t]["impact"],
                "by_department": {d: measured["by_department"][d][t] for d in sizes},
            },
        })
    kinds = Counter(p["kind"] for p in people)
    pii = Counter(p["pii_kind"] for p in people if p.get("pii_kind"))
    pii["staff_name"] = sum(bool(p.get("named_staff")) for p in people)
    grow = TREND["growing"]
    return {
        "description": "Planted truth of data/samples/nps_survey.csv; see README.md.",
        "generator": "scripts/generate_sample.py",
        "seed": SEED,
        "n_responses": len(people),
        "impact_definition": "NPS(all) - NPS(respondents whose comment does not carry the "
                             "theme), NPS points; NPS = %promoters(9-10) - %detractors(0-6)",
        "nps_overall": measured["nps_overall"],
        "nps_by_department": measured["nps_by_department"],
        "department_sizes": sizes,
        "themes": themes,
        "top2_overall": measured["top2_overall"],
        "top2_margin_overall": measured["top2_margin_overall"],
        "top2_by_department": measured["top2_by_department"],
        "top2_margin_by_department": measured["top2_margin_by_department"],
        "strengths": measured["strengths"],
        "trend": {
            "growing": {**grow, "measured_ratio": round(growth_ratio(people), 3),
                        "monthly_share": monthly_share(people, grow["theme"],
                                                               grow["department"])},
            "fixed": {**TREND["fixed"],
                      "monthly_share": monthly_share(people, TREND["fixed"]["theme"],
                                                     TREND["fixed"]["department"])},
        },
        "counts": {
            "blank": kinds["blank"],
            "non_answer": kinds["non_answer"],
            "non_english": kinds["non_english"],
            "non_english_languages": dict(sorted(Counter(
                p["language"] for p in people if p["kind"] == "non_english").items())),
            "themed": kinds["themed"],
            "segments": sum(len(p["segments"]) for p in people),
            "product_names": sum(bool(p.get("product")) for p in people),
            "pii": dict(sorted(pii.items())),
        },
        "score_model": {"base": SCORE_BASE, "noise_sd": SCORE_NOISE_SD,
                        "silent_base_shift": SILENT_BASE_SHIFT},
    }


def write_outputs(out: Path, people: list[dict], truth: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "nps_survey.csv": survey_csv(people),
        "nps_survey_segments_truth.csv": truth_csv(people),
        "planted_truth.json": json.dumps(truth, indent=2, ensure_ascii=False) + "\n",
        "README.md": readme(truth),
    }
    for name, text in files.items():
        # newline="" so the bytes are the same on every platform.
        with open(out / name, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/samples"),
                        help="output directory (default: data/samples)")
    args = parser.parse_args(argv)
    people = generate()
    measured = measure(people)
    problems = check_design(people, measured)
    if problems:
        raise SystemExit("planted truth does not hold:\n  " + "\n  ".join(problems))
    write_outputs(args.out, people, truth_json(people, measured))
    print(f"wrote {len(people)} responses to {args.out}; NPS {measured['nps_overall']:+.1f}; "
          f"top-2 {measured['top2_overall']}")
    return 0


# --------------------------------------------------------------------------- phrase bank
# Hand-written phrasings, one per line, lower-case start (the comment writer capitalises).
# Each theme has 27 phrasings that differ in wording and syntax, not one swapped word,
# and stay clearly on their own topic so an embedding model can separate the themes.


def _lines(block: str) -> list[str]:
    return [line.strip() for line in block.strip().splitlines() if line.strip()]


THEME_PHRASINGS: dict[str, list[str]] = {t: _lines(b) for t, b in {
    "late_delivery": """
        my parcel arrived three days late
        delivery was late again
        late again
        the order turned up a week after the date I was given
        still waiting for my delivery, it was due on Monday
        it came two days after the promised delivery date
        the delivery slot was missed completely and it came the next day
        took nearly a fortnight to arrive when it said 3-5 working days
        the estimated delivery date came and went
        the parcel was delayed for no reason
        ordered a present for a birthday and it arrived after the party
        they kept pushing the delivery date back
        waited in all day and the delivery never came
        my order was days late with no explanation
        next day delivery took four days
        it arrived way later than promised
        the courier was over a week late
        it was supposed to be here before Christmas and arrived in January
        shipping took forever
        tracking said out for delivery all day then nothing until Thursday
        late delivery, not for the first time
        I paid for express shipping and it still came late
        the items took far too long to get to me
        my delivery was rescheduled twice and ended up a week overdue
        the package showed up long after the expected date
        deliveries are always late
        missed the delivery window by two days
    """,
    "damaged_parcel": """
        the box was crushed when it arrived
        my item arrived broken
        parcel was damaged
        the glass was smashed inside the package
        half the plates came in pieces
        the packaging was ripped open and the contents were scratched
        the lamp arrived with a dented base
        it turned up soaking wet and the box was falling apart
        the TV screen was cracked straight out of the box
        the chair arrived with a snapped leg
        clearly thrown around, one corner of the box was caved in
        the frame was bent when I unpacked it
        the mug was chipped when I opened the parcel
        arrived damaged so I had to send it back
        big tear in the packaging and the item was scuffed
        my order came in bits
        the bottle had leaked everywhere inside the parcel
        everything was broken because there was no padding in the box
        the item was dented, looked like the parcel had been dropped
        the mirror was shattered on arrival
        the wardrobe doors were cracked when they delivered it
        poor packaging meant my vase arrived broken
        the parcel had been crushed and the contents were ruined
        the parcel was battered and the goods inside damaged
        the phone case was scratched and cracked in transit
        my shoes came in a squashed box with a scuffed toe
        the goods arrived in a terrible state, broken and dented
    """,
    "parcel_wrong_place": """
        the courier left my parcel in the bin
        the driver left it on the doorstep in the pouring rain
        my parcel was left with a neighbour I have never met
        they threw it over the back gate
        it was delivered to the wrong address
        my package was left outside in full view of the street
        marked as delivered but it was at a house two streets away
        the driver hid it behind the wheelie bin without telling me
        it was left in the communal hallway and went missing
        the courier dumped the box by the garage door
        they posted it through the wrong letterbox
        the photo proof showed someone else's front door
        the parcel was left in a bush outside
        my parcel ended up at the corner shop and there was no card through the door
        the delivery driver left it at the front gate where anyone could take it
        they put it in my recycling bin
        I asked for it to go to reception but they left it on the step outside
        the driver ignored my safe place instructions
        left at a random neighbour's house and I had to knock on doors to find it
        they said it was handed to me but it was actually at number 42
        the courier put it in the shed without asking
        it was left out on the pavement
        my package was dropped at the wrong flat
        the order was left unattended outside the building
        they left my parcel outside on a wet doormat
        the courier delivered it to a different town entirely
        left on top of the meter box outside for anyone to take
    """,
    "long_phone_wait": """
        I was on hold for over an hour
        waited 45 minutes to speak to someone
        the phone queue is ridiculous
        took forever to get through on the phone
        "you are caller number 27", really? I was on hold for ages
        hung on the line for ages listening to the same music
        I spent my whole lunch break on hold
        couldn't get through to anyone on the phone
        the call waiting times are far too long
        over 50 minutes on the phone before a human picked up
        I call the helpline and it just rings and rings
        kept on hold for what felt like forever
        I gave up after an hour waiting on the line
        the phone lines are always busy
        the hold music drove me mad, 40 minutes of it
        it took three attempts and two hours on hold to reach an agent
        long waits on the phone every time I call
        got cut off after waiting 30 minutes in the phone queue
        the call centre takes ages to answer
        nobody answers the phone
        I waited on the phone for an eternity
        was told my call was important to you for 55 minutes
        the wait to talk to customer service on the phone is way too long
        had to wait on hold forever to speak to an advisor
        long hold times
        the promised callback never came so I sat on hold for over an hour
        the phone line queue was more than an hour
    """,
    "unhelpful_agents": """
        the agent was rude to me
        the advisor was really unhelpful
        the person I spoke to couldn't care less
        staff on the phone were dismissive and condescending
        the agent was rude and hung up on me mid sentence
        the guy on the chat was sarcastic and rude
        the agent just read from a script and didn't listen
        your advisor was patronising
        the customer service rep was really impolite
        they spoke to me like I was stupid
        the staff member had a terrible attitude
        nobody seemed to know anything or want to help
        the man I spoke to was argumentative
        the agent blamed me for their own mistake
        it felt like they couldn't wait to get rid of me
        the live chat person was dismissive and kept ignoring my questions
        they were short with me and quite rude
        an unhelpful agent who gave me the wrong information
        the representative laughed at my complaint
        rude staff
        the woman on the phone was very abrupt and rude
        the agent had zero empathy
        the operator refused to put me through to a manager and was rude about it
        the support staff were disinterested and unfriendly
        the advisor was clueless and unwilling to help
        the support person was cold and unprofessional
        got attitude from the agent when I asked a simple question
    """,
    "unresolved_after_contacts": """
        I have contacted you five times and it is still not sorted
        still not resolved after three weeks of emails
        I had to chase it again and again
        nobody ever gets back to me about my complaint
        I keep explaining the same problem to different people
        my case has been open for a month with no resolution
        every time I call I'm promised a fix that never happens
        issue still unresolved after multiple calls
        I've raised this four times and nothing has changed
        they said they would ring me back and never did
        my complaint was closed without being fixed
        had to contact them over and over to get anything done
        three chats, two calls and an email later, still no answer
        the problem was never actually solved
        they keep passing me from one department to another
        still waiting for someone to sort it out
        going round in circles trying to get this fixed
        each agent tells me something different and nothing gets done
        I've been chasing this for weeks and it's still not fixed
        my ticket keeps getting closed without a fix
        no one takes ownership of the problem
        promised an escalation twice and heard nothing
        after six contacts the issue remains
        I had to repeat my story every single time I got in touch
        it took weeks and several complaints to get it resolved
        never heard back after they took my details
        still no resolution despite countless emails
    """,
    "billing_wrong_charge": """
        I was charged twice for the same order
        you took the payment two times
        the amount taken from my account was wrong
        I was billed more than the price shown at checkout
        double charged
        there was a duplicate payment on my card
        my bank statement shows two charges for one order
        I was charged for an item I had cancelled
        I was overcharged by twenty pounds
        the discount wasn't applied so I paid the wrong amount
        they took money for a subscription I had already cancelled
        the direct debit came out twice this month
        I was billed for delivery even though it was meant to be free
        charged the full price instead of the sale price
        an extra payment appeared that I never authorised
        my card was debited twice
        you charged me for two when I only ordered one
        the final charge didn't match my order total
        the wrong amount came out of my account
        I got billed again after the refund
        there's a charge from you on my statement I don't recognise
        the payment was taken at dispatch and then again on delivery
        I was charged more this month than what we agreed
        the payment page glitched and both payments went through
        incorrect charge on my account
        my card was charged £80 when the basket said £56
        a payment of £49.99 was taken from my account twice
    """,
    "confusing_invoice": """
        the invoice is impossible to understand
        I couldn't make sense of my bill
        the bill is really confusing
        there are codes on the invoice that mean nothing to me
        the invoice layout is a mess
        I can't work out what each line on the invoice is for
        the invoice doesn't show the VAT clearly
        the breakdown of charges on the invoice is unclear
        the invoice lists items under strange names I don't recognise
        the billing statement is full of jargon
        I had to call just to understand my invoice
        the bill doesn't explain the pro rata amounts
        the invoice format changed and now it makes no sense
        hard to tell from the invoice what I am actually paying for
        the invoice PDF is cluttered and confusing
        there's no clear total on the invoice
        credits and debits are jumbled on the statement so I can't follow it
        the bill uses abbreviations nobody understands
        the invoice shows three different dates and I don't know which matters
        it's not clear from the bill when the payment is due
        the receipt and the invoice describe things differently
        I need an accountant to read your invoices
        confusing bills
        the monthly statement is baffling to read
        the wording on the invoice is misleading
        the invoice doesn't say which order it relates to
        can't find the invoice number or order reference anywhere on the bill
    """,
    "app_crashes": """
        the app keeps crashing
        the app crashes every time I open it
        it crashes at checkout
        since the last update the app just closes itself
        the app froze and then shut down
        the app crashed halfway through paying
        the app keeps force closing on my phone
        constant crashes
        the app crashes when I try to track my order
        every time I add something to the basket the app crashes
        after updating, the app won't even open
        the app freezes and kicks me out
        it keeps crashing on android
        the new version crashes constantly
        the app crashed three times while I was ordering
        the app is so buggy, it keeps shutting down
        the app quits unexpectedly when I scroll
        white screen then crash
        the app crashed and I lost my whole basket
        crashes whenever I open my orders
        the latest update broke the app, it crashes on launch
        the app is unstable and crashes all the time
        the iPhone app keeps closing on me
        it crashes if I try to use the barcode scanner
        the app stopped working after the update
        every other time I open the app it crashes
        the app hangs and then closes
    """,
    "login_problems": """
        I can't log in to my account
        the password reset email never arrives
        couldn't log in
        it keeps saying my password is wrong even after resetting it
        locked out of my account again
        the reset link has expired by the time it arrives
        login doesn't work
        I can't sign in with my email any more
        the verification code never comes through
        it logs me out every five minutes and won't let me back in
        forgot password just loops back to the login screen
        my account got locked after one wrong attempt
        the two factor login code doesn't work
        I had to reset my password three times this month
        can't get into my account at all
        it won't accept my password
        the sign in page keeps refreshing
        the login with Google button does nothing
        it says my account doesn't exist when I try to sign in
        the reset password link is broken
        I'm stuck on the login screen
        getting access to my account is a nightmare
        it never remembers my login
        the login passcode arrives too late to use
        it keeps asking me to verify my email before I can log in
        can't log into my account since I changed my email address
        the password reset process is a joke
    """,
    "slow_refund": """
        my refund took over a month
        still waiting for my refund
        the refund takes far too long
        it took six weeks to get my money back
        the refund still hasn't appeared in my account
        I returned it weeks ago and no refund yet
        waiting ages for the money to come back
        the refund was painfully slow, weeks of waiting
        it's been 21 days and no sign of the refund
        they received the return two weeks ago but the refund is still processing
        slow refunds
        the money took forever to come back to my card
        the refund took longer than the delivery did
        I had to wait nearly two months for a refund
        my refund is stuck on pending
        refund took ages
        it took far too long for the refund to go through
        I'm out of pocket for weeks waiting on a refund
        still no refund after 30 days
        the refund was delayed again and again
        you are very slow to pay refunds
        waited a month to be reimbursed
        the refund processing time is ridiculous
        no money back yet and it's been weeks
        my refund still hasn't come through
        it takes forever to get refunded
        the refund to my card took weeks to show up
    """,
    "complicated_returns": """
        the returns process is so complicated
        returning an item was a real hassle
        I couldn't print the returns label
        too many steps to send something back
        the returns portal is confusing
        I had to fill in a long form just to return a shirt
        to return it I had to go to a specific drop off point miles away
        there's no option to return things in store
        the return instructions make no sense
        you need a printer to return something, who has a printer these days
        the returns form kept rejecting my order number
        sending it back was far too much effort
        I had to phone up to get permission to return it
        the returns policy is a maze
        returns had to be in the original packaging which I'd thrown away
        the returns label only works with one courier I can't get to
        returns are a faff
        far too difficult to return things
        the return QR code wouldn't scan at the post office
        you have to jump through hoops to return anything
        I had to book a return slot online before I could send it back
        the returns page sent me round in circles
        arranging a collection for the return was impossible
        the returns process needs simplifying
        returning a large item was a logistical nightmare
        I still don't know if I sent the return back the right way
        the return had to be booked with a code that never came
    """,
    "checkout_queues": """
        the queues at the till were huge
        waited twenty minutes in the queue to pay
        only one checkout open on a Saturday
        long queues at the checkout
        the self checkouts were all broken so the queue went out the door
        not enough staff on the tills
        queued for ages just to buy a pint of milk
        the checkout line was massive
        I left my basket and walked out because of the queue
        there's always a queue at the tills
        queueing to pay took longer than the shopping
        two tills open and a line down the aisle
        the wait at the checkout is ridiculous
        too few cashiers and long lines
        stood in a queue for 25 minutes to pay
        checkout queues are terrible at lunchtime
        the queue to pay stretched to the back of the store
        had to queue forever at the till
        the lines at the registers never move
        long waits to pay in store
        half the self service tills were out of order, so long queues
        queues queues queues
        stuck in a line for ages with only one slow till open
        I spend more time queuing than shopping
        you need more people on the checkouts
        slow moving queues at the checkout
        the queue for the tills was snaking round the store
    """,
    "out_of_stock": """
        the item I wanted was out of stock
        the shelves were empty
        they never have my size
        half the things on my list weren't available
        out of stock again
        the product was sold out in store and online
        the website said it was in stock but the store had none
        couldn't find the basics, the shelves were bare
        the sale items had already gone when I got there
        the things I buy every week keep going out of stock
        the colour I wanted wasn't available anywhere
        no stock of the item advertised in the leaflet
        the store had none left
        no bread left on the shelves by lunchtime
        the range is always missing items
        my click and collect order was cancelled because it was out of stock
        I went specially for it and they didn't have any
        gaps on the shelves everywhere
        it's been unavailable for weeks
        they only had display models left
        the boots I wanted are never in stock in my size
        poor availability
        nothing on the shelf despite the app saying 12 in stock
        items were missing from my order because they were out of stock
        stock levels on the shelves are terrible
        I was told it would be back in stock last week and it still isn't
        every time I go in something I need is sold out
    """,
    "prices_too_high": """
        prices are too high
        it's far too expensive
        way overpriced
        the prices have gone up a lot recently
        you're more expensive than your competitors
        I can get the same thing cheaper elsewhere
        the delivery charges are far too expensive
        the cost keeps creeping up
        a bit pricey for what it is
        prices are ridiculous these days
        too pricey
        I can't afford to shop here as often now
        everything costs more than it should
        the mark up is outrageous
        prices went up but the quality didn't
        your prices are higher than the supermarket down the road
        expensive compared to other retailers
        I feel ripped off by the prices
        charging premium prices for basic stuff
        not cheap at all
        prices have doubled in a year
        the membership fee is too high for what you get
        overpriced products
        it's getting too expensive to justify
        the price rises are putting me off
        it costs more than on Amazon for the same item
        the prices are steep
    """,
    "too_many_emails": """
        you send far too many marketing emails
        I get spammed with emails every day
        stop sending me promotional emails
        I unsubscribed but the emails keep coming
        too many emails
        my inbox is full of your offers
        constant texts and emails about sales
        I get three newsletters a day from you
        the marketing messages are relentless
        I can't unsubscribe from the mailing list
        you bombard me with promotions
        way too many push notifications and emails
        I'm sick of the daily sale emails
        the spam never stops
        please stop emailing me about deals
        I receive endless promotional texts
        too many marketing messages
        your newsletters are overwhelming
        I opted out and still get adverts by email
        an email every single day is too much
        the amount of marketing mail is annoying
        constant nagging emails asking me to leave a review
        I get the same offer email several times
        so many notifications that I turned them all off
        every time I buy something I'm flooded with emails
        the email frequency is excessive
        unwanted marketing emails
    """,
    "friendly_staff": """
        the staff were really friendly
        the lady who served me was lovely
        everyone was so helpful
        staff went out of their way to help me
        the assistant was very patient and kind
        a really helpful and polite team
        the person on the phone was friendly and understanding
        the staff member was cheerful and welcoming
        the team were courteous and professional
        the advisor was really kind and listened to me
        the staff are always so nice
        the young man at the counter was brilliant
        staff were warm and attentive
        the agent was helpful and genuinely cared
        friendly staff
        lovely helpful people
        the driver was polite and friendly
        the friendly staff member took time to explain everything
        I was treated with real kindness
        the employees are always smiling and happy to help
        really pleasant staff
        the woman on the chat was fantastic and so friendly
        your team member couldn't have been nicer
        the staff are knowledgeable and helpful
        great customer service from a lovely advisor
        everyone I dealt with was helpful and friendly
        the assistant was so nice and answered all my questions
    """,
    "fast_delivery": """
        delivery was really fast
        it arrived the very next day, so quick
        it came so quickly
        super quick delivery
        ordered in the evening and it was here the next morning
        it turned up a day earlier than expected
        fast delivery
        speedy shipping
        speedy service, my parcel came within 24 hours
        lightning fast delivery
        delivery was quicker than I expected
        amazing same day delivery
        the order arrived quickly, in no time
        prompt delivery
        it was delivered so fast I was surprised
        quick dispatch and quick delivery
        arrived well ahead of the estimated date
        next day delivery actually arrived the next day
        love how fast the parcel arrived
        rapid delivery
        quick turnaround, it came within two days of ordering
        the delivery was swift
        I had it in my hands the day after ordering
        they delivered really quickly
        shipping was fast
        the order got to me incredibly fast
        it came much faster than from other shops
    """,
    "easy_app": """
        the app is really easy to use
        the app is simple and intuitive
        ordering through the app is a breeze
        love the app
        the website is easy to navigate
        the app is great, very straightforward
        everything is easy to find in the app
        the app makes shopping so easy
        checkout on the app is quick and simple
        the app is clean and user friendly
        tracking my order in the app is easy
        the new app design is really nice to use
        the app just works
        I like how easy it is to reorder through the app
        simple to use app
        the app layout is clear
        even my mum can use the app
        the app is smooth and well designed
        I can do everything I need in the app in a few taps
        the app is handy and easy
        the search in the app works really well
        great app
        it's easy to find what I need on your website
        the app is so convenient
        it takes seconds to order on the app
        the app is user friendly
        brilliant easy app
    """,
    "good_value_quality": """
        great value for money
        the quality of the products is excellent
        good prices and good quality
        the products are well made
        really good quality for the price
        the clothes are good quality, they wash well and last
        you get a lot of quality for your money
        the quality is always consistent
        great deals
        the products are really well made and durable
        excellent quality items
        the food is always fresh and good quality
        good value
        reasonable prices for great quality
        the quality is better than other shops
        the own brand range is great value
        solid products that last
        it's affordable and good quality
        a real bargain for the quality
        the item is beautifully made
        value for money is excellent
        fair prices for really good stuff
        high quality products at fair prices
        the furniture is sturdy and well built
        cheap but decent quality
        the offers are really good value
        everything I've bought has been good quality
    """,
    "quick_refund": """
        my refund came through really quickly
        my refund came quickly, money back within two days
        the refund was fast
        refunded the same day they got the return
        quick refund
        my money was back in my account in no time
        the refund was processed straight away
        speedy refund
        the refund arrived much sooner than I expected
        they refunded me within 24 hours
        the refund was super quick
        got the refund almost instantly
        the refund was sorted within a couple of days
        impressed by how fast the refund came
        I had my refund before the parcel even reached the warehouse
        prompt refund
        the refund was quick and hassle free
        the money was returned to my card quickly
        refunded quickly
        I was reimbursed really fast
        the refund was back on my card in a day
        the refund appeared the next morning
        fast refunds
        they gave me my money back very quickly
        the refund was done promptly
        no waiting around for the refund at all
        it took hardly any time to get refunded
    """,
    "overall_satisfied": """
        I would definitely recommend you
        always a pleasure to shop with you
        never had a single problem shopping with you
        been a customer for years and I'm very happy
        great experience overall
        I'm a very happy customer
        no complaints at all
        keep up the good work
        I'll definitely shop with you again
        everything was perfect
        really happy with the whole experience
        I recommend you to all my friends
        you've never let me down, love this shop
        a great company to deal with, highly recommended
        couldn't fault the experience at all
        you're my go to shop for everything
        I love shopping with you
        brilliant service overall
        the whole thing went smoothly
        10/10 would happily shop again
        top notch
        first class service
        really pleased with everything
        I've recommended you to my whole family
        excellent all round
        overall a great experience
        happy customer, will recommend
    """,
}.items()}

# Segment variants that name a staff member (PII), by theme and the department surveyed;
# "*" serves departments without their own wording.
NAMED_STAFF = {
    "friendly_staff": {
        "Stores": ["{name} at the {city} store was brilliant",
                   "{name} in the {city} branch was lovely and helped me find everything",
                   "big thanks to {name} on the shop floor who went above and beyond"],
        "Customer Service": ["{name} on the phone was so patient with me",
                             "the chat agent {name} was really friendly and helpful"],
        "Delivery": ["{name} the driver was really friendly and helpful",
                     "our driver {name} was polite and cheerful"],
        "Returns": ["{name} at the returns desk could not have been nicer"],
        "Billing": ["{name} from the billing team was kind and explained everything"],
        "*": ["big thanks to {name} who went above and beyond",
              "{name} was so friendly and helpful"],
    },
    "unhelpful_agents": {
        "Customer Service": ["{name} on the phone was rude and hung up on me",
                             "the agent, {name}, was dismissive and unhelpful",
                             "{name} on the live chat was sarcastic and no help at all"],
        "Stores": ["{name} at the {city} store couldn't have cared less"],
        "*": ["the agent, {name}, was dismissive and unhelpful"],
    },
}
STAFF_NAMES = ["Priya", "Tom", "Sarah", "Mohammed", "Gary", "Aisha", "James", "Chloe",
               "Daniel", "Fatima", "Jake", "Emma", "Olu", "Wei", "Sophie", "Raj"]
STAFF_CITIES = ["Leeds", "Bristol", "Manchester", "Glasgow", "Cardiff", "Norwich", "York"]

# Segment variants naming a product: names that look like proper nouns but are not people.
PRODUCTS = ["Galaxy S24", "AirPods", "iPhone 15", "PlayStation 5", "Dyson V15",
            "Kindle Paperwhite", "Apple Watch", "Nintendo Switch"]
PRODUCT_PHRASINGS = {
    "late_delivery": ["ordered the {product} as a gift and it came a week late",
                      "my {product} arrived days after the promised date"],
    "damaged_parcel": ["the box with my {product} was completely crushed",
                       "my {product} arrived damaged"],
    "out_of_stock": ["the {product} was out of stock again",
                     "wanted to buy the {product} but there were none on the shelf"],
    "good_value_quality": ["got the {product} at a great price",
                           "really happy with the quality of my {product}"],
    "billing_wrong_charge": ["I was charged twice for the {product}"],
    "fast_delivery": ["my {product} arrived the very next morning"],
}

PREFIXES = {
    "issue": ["honestly", "sadly", "once again", "tbh", "unfortunately", "to be honest"],
    "strength": ["honestly", "to be fair", "I must say", "tbh", "as always"],
}
SUFFIXES = {
    "issue": [" again", " as usual", " which is not good enough", "!!", " - very disappointing",
              ", absolutely ridiculous", " and it's not the first time", "!!!"],
    "strength": ["!", " as always", ", really impressed", ", thank you", ", absolutely brilliant",
                 " every time"],
}
EMOJI = {"issue": ["😡", "😤", "👎", "🙄", "😞", "😠"],
         "strength": ["😊", "👍", "🙌", "❤️", "😀", "⭐⭐⭐⭐⭐"]}

FILLERS = ["Overall ok.", "Thanks.", "That's all.", "Cheers", "Otherwise fine.",
           "Nothing else to add.", "Thank you", "Regards."]
CONNECTIVE_FILLERS = ["Where do I start.", "Well.", "Hmm.", "Ok so.", "Right."]

NON_ANSWERS = ["n/a", "N/A", "nothing", "no comment", "-", "ok", "nothing to add",
               "Nothing", "NA", "no comments", "Ok", ".", "none", "nothing really", "nope"]

# (language, theme the text is about, text). The theme moves the score like a planted
# theme but is not in the truth table: an English pipeline is not expected to read it.
NON_ENGLISH = [
    ("es", "late_delivery", "La entrega llegó tarde y nadie me avisó."),
    ("de", "late_delivery", "Die Lieferung kam zwei Tage zu spät."),
    ("fr", "fast_delivery", "Livraison très rapide, merci !"),
    ("fr", "long_phone_wait", "Trop d'attente au téléphone, c'est inadmissible."),
    ("es", "friendly_staff", "El personal fue muy amable, gracias."),
    ("de", "unresolved_after_contacts", "Ich habe dreimal angerufen und das Problem ist immer noch nicht gelöst."),
    ("es", "billing_wrong_charge", "Me cobraron dos veces el mismo pedido."),
    ("de", "confusing_invoice", "Die Rechnung ist völlig unverständlich."),
    ("es", "login_problems", "No puedo iniciar sesión en la aplicación."),
    ("de", "easy_app", "Die App ist sehr einfach zu bedienen."),
    ("fr", "slow_refund", "Le remboursement prend beaucoup trop de temps."),
    ("de", "complicated_returns", "Die Rücksendung war viel zu kompliziert."),
    ("fr", "friendly_staff", "Très bon accueil en magasin, personnel sympathique."),
    ("es", "out_of_stock", "No había stock del producto que buscaba."),
]

# Fictional contact details from reserved ranges: example.* domains and Ofcom's
# numbers for drama (07700 900xxx, 0161 496 0xxx, 020 7946 0xxx).
CUSTOMER_FIRST = ["sam", "aisha", "john", "lucy", "mark", "nadia", "peter", "zoe", "kwame", "ellen"]
CUSTOMER_LAST = ["jones", "khan", "smith", "williams", "patel", "brown", "nowak", "evans"]
EMAIL_DOMAINS = ["example.com", "example.org", "example.net", "example.co.uk"]
EMAIL_SENTENCES = ["Please contact me at {email}", "my email is {email} if you need it",
                   "Reply to {email} please.", "Email me back: {email}",
                   "you have my address, {email}"]
PHONE_FORMATS = ["07700 900{n:03d}", "+44 7700 900{n:03d}", "0161 496 0{n:03d}",
                 "(020) 7946 0{n:03d}", "07700900{n:03d}"]
PHONE_SENTENCES = ["Call me on {phone}", "You can reach me on {phone}.", "my number is {phone}",
                   "ring me on {phone} any time", "Please phone {phone} to discuss."]
# Luhn-valid test card numbers, never real cards.
PAYMENT_CARDS = [
    "My card number is 4111 1111 1111 1111 if you need to check.",
    "It was charged to 5555-5555-5555-4444 twice.",
]
URLS = [
    "See https://www.example.com/orders/12345 for the order.",
    "I followed www.example.co.uk/help/returns and it didn't help.",
    "the page https://example.com/account/reset just spins",
    "Screenshot here: https://imgur.example.com/a/Xy12Ab",
]


# --------------------------------------------------------------------------- README


def readme(truth: dict) -> str:
    """data/samples/README.md, written from the truth so the numbers can never drift."""
    depts = list(DEPARTMENT_SIZES)
    short = {"Customer Service": "CS"}
    rows = []
    for t in truth["themes"]:
        m = t["measured"]
        per_dept = " ".join(f"{short.get(d, d)} {m['by_department'][d]['impact']:+.1f}"
                            for d in depts if m["by_department"][d]["count"] >= MIN_MENTIONS)
        rows.append(f"| `{t['id']}` | {t['label']} | {t['kind']} | "
                    f"{100 * t['planted_prevalence']['overall']:.1f} % | {t['planted_effect']:+.1f} | "
                    f"{m['count']} | {m['impact']:+.2f} | {per_dept} |")
    labels = {t["id"]: t["label"] for t in truth["themes"]}
    top_dept = "\n".join(
        f"| {d} | {truth['department_sizes'][d]} | {truth['nps_by_department'][d]:+.1f} | "
        f"`{a}`, `{b}` | {truth['top2_margin_by_department'][d]:.2f} |"
        for d, (a, b) in truth["top2_by_department"].items())
    grow, fixed, c = truth["trend"]["growing"], truth["trend"]["fixed"], truth["counts"]
    grow_share = ", ".join(f"{m[5:]} {100 * v:.0f} %" for m, v in grow["monthly_share"].items())
    fixed_share = ", ".join(f"{m[5:]} {100 * v:.0f} %" for m, v in fixed["monthly_share"].items())
    pii = ", ".join(f"{k} {v}" for k, v in c["pii"].items())
    return f"""# Sample survey: `nps_survey.csv`

A synthetic NPS survey export from a fictional retailer, {truth['n_responses']:,} responses
from 2025-12-01 to 2026-11-30, with a **planted truth**: every theme, its effect on the
score and the expected rankings are known, so the engine can be tested end to end.

It was written for verbatim by `scripts/generate_sample.py` (hand-written phrasings,
stdlib `random` with seed {truth['seed']}); no real customer text is used.
Regenerate it (byte-identical) with:

```
python scripts/generate_sample.py            # or --out DIR
```

## Files

| file | content |
|---|---|
| `nps_survey.csv` | the export: `response_id`, `submitted_at` (ISO 8601), `score` (0-10), `comment`, `department` |
| `nps_survey_segments_truth.csv` | `response_id`, `segment_index`, `segment_text`, `theme_id`: one row per planted theme segment; `segment_text` is an exact substring of the comment |
| `planted_truth.json` | themes with planted prevalence/effect and measured count/impact (overall and per department), top-2, strengths, trend, counts |

## How responses are made

- Departments (the touchpoint surveyed): {", ".join(f"{d} {n}" for d, n in truth['department_sizes'].items())}.
  Monthly volume varies (busier in December, January and November).
- Comment kinds: {c['blank']} blank (empty or a space), {c['non_answer']} non-answers ("n/a", "-", "ok",
  "nothing to add", ...), {c['non_english']} non-English (Spanish, French, German; no planted theme),
  {c['themed']} themed comments with {c['segments']} theme segments.
- A themed comment has 1, 2 or 3 theme segments (55 / 35 / 10 %), drawn without replacement
  from its department's theme weights: the department's own issues dominate, with some
  cross-department themes (prices, marketing e-mails, staff, value).
- Each segment is one of 27 hand-written phrasings of its theme, then varied: typos (~8 % of
  segments), emoji (~5 %), discourse prefixes and suffixes ("honestly", "as usual"), doubled
  intensifiers, comment-wide lower case (~12 %) or capitals (~3 %), missing final punctuation,
  joined by "but", "and", ";", "," or ". ", sometimes with filler ("Overall ok.", "Thanks.").
- Score: `round(clip(base {truth['score_model']['base']} + sum of planted effects + N(0, {truth['score_model']['noise_sd']}), 0, 10))`;
  blank and non-answer respondents get base {truth['score_model']['silent_base_shift']:+.1f};
  a non-English comment is about one theme whose effect moves its score (not in the truth table).
  Overall NPS is {truth['nps_overall']:+.1f}.

## Themes

Impact = NPS(all) − NPS(respondents whose comment does not carry the theme), in NPS points;
NPS = % promoters (9–10) − % detractors (0–6). Prevalence is the planted share of all
respondents; effect is the planted shift of the latent score (score points).
Per-department impacts are listed where the theme has at least {MIN_MENTIONS} mentions there.

| id | label | kind | prevalence | effect | count | impact | impact by department |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

## Expected results

**Top-2 improvement areas overall:** `{truth['top2_overall'][0]}` ({labels[truth['top2_overall'][0]]})
and `{truth['top2_overall'][1]}` ({labels[truth['top2_overall'][1]]}); the 2nd costs
{truth['top2_margin_overall']:.2f}× the 3rd.

| department | responses | NPS | top-2 improvement areas | 2nd / 3rd cost |
|---|---|---|---|---|
{top_dept}

Every top-2 theme has at least {MIN_MENTIONS} mentions in its department and the 2nd costs at
least {MARGIN}× the 3rd; the generator refuses to write files otherwise.

**Strengths** (largest positive impacts overall, ranked): {", ".join(f"`{s}`" for s in truth['strengths'])}.

## Planted trend

- **Growing:** `{grow['theme']}` in {grow['department']} is sampled {grow['factor']:.0f}× as often in
  {" and ".join(grow['months'])} (an app update gone wrong), so its prevalence there is
  {grow['measured_ratio']:.1f}× that of the other months. Monthly share of {grow['department']}
  respondents: {grow_share}.
- **Fixed:** `{fixed['theme']}` in {fixed['department']} is present until {fixed['last_month_present']}
  and absent afterwards (more tills opened). Monthly share: {fixed_share}.

## Messy text and PII

- PII (fictional, reserved ranges): {pii}. E-mail addresses use example.com/.org/.net/.co.uk,
  phone numbers are Ofcom drama numbers, card numbers are Luhn-valid test numbers
  (4111 1111 1111 1111, 5555 5555 5555 4444), URLs point to example.com.
- Staff names appear inside `friendly_staff` / `unhelpful_agents` segments
  ("Priya at the Leeds store was brilliant"), so redaction changes the segment text.
- {c['product_names']} comments name a product ("Galaxy S24", "AirPods", "Dyson V15", ...), which
  must not be redacted as a person.

## Licence

Synthetic data written for this project; dedicated to the public domain under
[CC0 1.0](https://creativecommons.org/publicdomain/zero/1.0/).
"""


if __name__ == "__main__":
    raise SystemExit(main())
