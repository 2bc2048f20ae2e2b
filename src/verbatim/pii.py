"""Redaction of personal data in comments: e-mail addresses, phone numbers, payment cards, names.

Runs before anything is embedded, shown or written. Each kind is replaced by a fixed
placeholder (``[EMAIL]``, ``[PHONE]``, ``[CARD]``, ``[NAME]``) so that quotes stay readable
and the embedder sees one constant token instead of noise.

Rules (in this order, so a longer pattern is never eaten by a shorter one):

* **e-mail**: ``local@domain.tld``.
* **card**: 13-19 digits, contiguous or grouped as printed on cards (4-4-4-4[-3], 4-6-5,
  4-6-4) with spaces or dashes, whose first digit is 2-6 (every major network: Mastercard 2/5,
  Amex/Diners/JCB 3, Visa 4, Discover/UnionPay/Maestro 6) **and** that pass the Luhn
  checksum. A 16-digit order number fails Luhn nine times in ten and stays.
* **phone**: a ``+country`` number of 8-15 digits, or a national number of 10-11 digits
  (UK ``07700 900123`` / ``020 7946 0958``, US ``(555) 123-4567`` / ``555.123.4567`` /
  ``1-800-555-0199``) in groups separated by spaces, dots, dashes or parentheses. Context
  decides the rest: the nearest cue word in the ``context_chars`` before the number wins.
  A reference cue (``order``, ``ref``, ``invoice``, ``tracking``, ``account number``, ``#``,
  ...) keeps the number (``order 12345678``, ``order no. 07700900123``); a phone cue
  (``call``, ``phone``, ``mobile``, ``text``, ``my number``, ...) also makes 7-9 digit
  local numbers (``call 555-1234``) and bare 10-digit runs phones. A bare digit run without a
  cue is a phone only when it has a trunk prefix (``0`` + 10-11 digits, ``1`` + 11 digits).
  Prices (``£1,299.99``), dates (``2024-01-15``, ``15.01.2024``), times and years never have
  the digit count or grouping of a phone.
* **name**: spaCy PERSON entities, minus false positives: entities with a digit
  ("Galaxy S24"), on the allow-list ("Alexa", "Kindle", "AirPods"), written without any
  capital ("charlie pants": lower-case text makes the small model tag garments), all in
  capitals (shouting), camel-case brands starting lower-case ("iPhone"), contractions
  ("I'm"), right after a determiner ("the Kobe was great"), or a single
  capitalised word at the start of a sentence that is an English adjective/adverb, a stop
  word, or appears in lower case elsewhere in the same comment ("Beautifully made").
  Known limits of the small model: a name it tags ORG/NORP ("Priya") is missed, and venue
  or dish names it tags PERSON are redacted; add those to ``name_allowlist``. A sign-off
  ("... over an hour Cheers") and a word after a possessive ("my Nintendo Switch") are
  never names either.
* **staff names** (:func:`staff_name_spans`, with or without capitals): a word that is not
  English standing where a staff member's name stands ("Olu the driver", "the chat agent
  sophie", "aisha at the manchester store", "Emma on the phone"). On the bundled sample
  this and NER find 41 of the 50 planted staff names, NER alone 20.

  The NER pass is almost all of spaCy's cost (10,000 clothing reviews, one process: 79 s
  against 3.5 s for sentence splitting; ``benchmarks/bench_spacy.py``), and the guards above
  reject every entity without a capitalised word that could start a name. So
  :func:`may_contain_name` first looks for such a word with the same guards (a capital that
  is not the pronoun "I", not shouting, camel case or a contraction, not allow-listed, and
  not a sentence-opening common word) or a staff name, and only texts that have one go
  through NER: 8 % of those reviews, with identical redactions and segments. Within those
  texts NER reads only the sentences that have such a word, each with the sentences either
  side of it (without them the small model misses "Emma" in "... The shelves were empty.
  Emma at the Glasgow store ..." and "Rose" in "Shout out to Rose. Best shop ever"): the
  808 of 10,000 clothing reviews it flags get the same redactions and segments in 3.7 s
  instead of 7.4 s, one process (``benchmarks/bench_spacy.py --n 10000``).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence

from .nlp import DEFAULT_SPACY_MODEL

if TYPE_CHECKING:  # pragma: no cover - typing only
    from spacy.tokens import Doc

__all__ = [
    "PII_KINDS",
    "PLACEHOLDERS",
    "STAFF_ROLES",
    "STAFF_PLACES",
    "PiiSettings",
    "Redaction",
    "luhn_valid",
    "redact_emails",
    "redact_cards",
    "redact_phones",
    "redact_patterns",
    "name_spans",
    "staff_name_spans",
    "may_contain_name",
    "replace_spans",
    "redact_pii",
]

PII_KINDS: tuple[str, ...] = ("email", "phone", "card", "name")
PLACEHOLDERS: dict[str, str] = {"email": "[EMAIL]", "phone": "[PHONE]", "card": "[CARD]", "name": "[NAME]"}

# --- regexes, kept together -------------------------------------------------------------
_EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
# Candidate digit runs for cards: 13-19 digits with optional single space/dash separators.
_CARD_RE = re.compile(r"(?<![\w.,$£€])\d(?:[ -]?\d){12,18}(?![\w]|[.,]\d)")
# Candidate phone numbers: optional +country, then 2-6 groups of digits separated by one
# space/dot/dash, optionally with a bracketed area code. Not preceded by a currency sign,
# a decimal point or a word character (so "£1299", "v2.0.12345", "AB12345" are skipped).
_PHONE_RE = re.compile(
    r"(?<![\w$£€.,/#+-])"
    r"(?:\+\s?\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?)?"
    r"(?:\(\d{1,5}\)[\s.-]?)?"
    r"\d{1,12}(?:[ .-]\d{1,12}){0,5}"
    r"(?![\w]|[.,/:-]\d)"
)
_CONTEXT_WORD_RE = re.compile(r"#|[a-z]+")


@dataclasses.dataclass(frozen=True)
class PiiSettings:
    """What to redact and the guards that keep ordinary text.

    ``context_chars`` is the number of characters before a number searched for a cue word.
    ``batch_size`` is the number of texts per spaCy batch.
    """

    emails: bool = True
    phones: bool = True
    cards: bool = True
    names: bool = True
    name_allowlist: tuple[str, ...] = (
        "Alexa", "Siri", "Cortana", "Bixby", "Kindle", "Echo", "AirPods", "AirPod", "iPhone",
        "iPad", "iMac", "MacBook", "Galaxy", "Pixel", "Roomba", "Nest", "Ring", "Fitbit",
        "Prime", "Netflix", "Uber", "Deliveroo", "Evri", "Hermes", "Yodel", "DPD", "Klarna",
        "PayPal", "Venmo", "Zelle", "Trustpilot", "Google", "Apple", "Amazon", "Samsung",
    )
    reference_words: tuple[str, ...] = (
        "order", "orders", "ref", "reference", "invoice", "tracking", "track", "account", "acct",
        "booking", "ticket", "case", "claim", "po", "sku", "item", "model", "serial", "policy",
        "membership", "member", "customer", "confirmation", "receipt", "transaction", "parcel",
        "consignment", "reservation", "id", "#", "code", "voucher", "coupon", "barcode", "isbn",
    )
    phone_cue_words: tuple[str, ...] = (
        "call", "called", "calling", "phone", "phoned", "tel", "telephone", "mobile", "mob",
        "cell", "ring", "rang", "text", "texted", "sms", "whatsapp", "dial", "number", "contact",
        "reach", "landline", "fax",
    )
    context_chars: int = 30
    spacy_model: str = DEFAULT_SPACY_MODEL
    batch_size: int = 256

    def __post_init__(self) -> None:
        if self.context_chars < 0:
            raise ValueError("context_chars must be >= 0")
        if self.batch_size < 1:
            raise ValueError("batch_size must be >= 1")


@dataclasses.dataclass(frozen=True)
class Redaction:
    """A redacted text and how many items of each kind (``PII_KINDS``) were replaced."""

    text: str
    counts: Mapping[str, int]


def _zero_counts() -> dict[str, int]:
    return {kind: 0 for kind in PII_KINDS}


# --- e-mails ------------------------------------------------------------------------------
def _emails(text: str, repl: str) -> tuple[str, int]:
    return _EMAIL_RE.subn(repl, text)


def redact_emails(text: str, repl: str = PLACEHOLDERS["email"]) -> str:
    """Replace e-mail addresses with ``repl``."""
    return _emails(text, repl)[0]


# --- cards --------------------------------------------------------------------------------
def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) checksum used by payment cards."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_grouping_ok(candidate: str) -> bool:
    groups = re.split(r"[ -]", candidate)
    if len(groups) == 1:
        return True
    lengths = tuple(len(g) for g in groups)
    # Printed layouts: 4-4-4-4(-1..3) for most networks, 4-6-5 (Amex), 4-6-4 (Diners).
    if all(n == 4 for n in lengths[:-1]) and 1 <= lengths[-1] <= 4 and len(groups) >= 4:
        return True
    return lengths in ((4, 6, 5), (4, 6, 4))


def _is_card(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    return (
        13 <= len(digits) <= 19
        and digits[0] in "23456"
        and _card_grouping_ok(candidate)
        and luhn_valid(digits)
    )


def _cards(text: str, repl: str) -> tuple[str, int]:
    count = 0

    def sub(m: re.Match[str]) -> str:
        nonlocal count
        if _is_card(m.group(0)):
            count += 1
            return repl
        return m.group(0)

    return _CARD_RE.sub(sub, text), count


def redact_cards(text: str, repl: str = PLACEHOLDERS["card"]) -> str:
    """Replace Luhn-valid payment card numbers (13-19 digits) with ``repl``."""
    return _cards(text, repl)[0]


# --- phones -------------------------------------------------------------------------------
def _nearest_cue(before: str, settings: PiiSettings) -> str | None:
    """'ref', 'phone' or None: the cue word closest to the number, reading backwards."""
    words = _CONTEXT_WORD_RE.findall(before.lower())
    refs, cues = set(settings.reference_words), set(settings.phone_cue_words)
    for i in range(len(words) - 1, -1, -1):
        word = words[i]
        if word in refs:
            return "ref"
        if word in cues:
            # "order number", "account no": the number word belongs to a reference.
            if word in ("number", "no") and i > 0 and words[i - 1] in refs:
                return "ref"
            return "phone"
    return None


def _phone_digits_ok(candidate: str, cue: str | None) -> bool:
    groups = re.findall(r"\d+", candidate)
    digits = "".join(groups)
    n = len(digits)
    if candidate.lstrip().startswith("+"):
        return 8 <= n <= 15
    if cue == "ref" or len(groups) > 5:
        return False
    # "sizes 10 12 14 16 18": runs of one- or two-digit numbers are lists, not phones,
    # unless they start with a trunk 0 (French style "01 23 45 67 89").
    if len(groups) > 2 and all(len(g) <= 2 for g in groups) and digits[0] != "0":
        return False
    if cue == "phone":
        return 7 <= n <= 12
    if len(groups) > 1:
        return n == 10 or (n == 11 and digits[0] in "01")
    # A bare run with no cue: only trunk-prefixed national formats.
    return (digits[0] == "0" and n in (10, 11)) or (digits[0] == "1" and n == 11)


def _phones(text: str, repl: str, settings: PiiSettings) -> tuple[str, int]:
    out: list[str] = []
    pos = count = 0
    search_from = 0
    while (m := _PHONE_RE.search(text, search_from)) is not None:
        start, candidate = m.start(), m.group(0)
        search_from = m.end()
        if sum(ch.isdigit() for ch in candidate) < 7:
            continue
        cue = _nearest_cue(text[max(0, start - settings.context_chars) : start], settings)
        # Two numbers written back to back form one long candidate: try its leading
        # groups, then scan again right after the part that was a phone.
        parts = re.split(r"(?<=\d)(?=[ .-]\d)", candidate)
        for k in range(len(parts), 0, -1):
            prefix = "".join(parts[:k])
            if _phone_digits_ok(prefix, cue):
                out.append(text[pos:start])
                out.append(repl)
                pos = search_from = start + len(prefix)
                count += 1
                break
    out.append(text[pos:])
    return "".join(out), count


def redact_phones(text: str, repl: str = PLACEHOLDERS["phone"], settings: PiiSettings | None = None) -> str:
    """Replace phone numbers with ``repl``, keeping order numbers, prices, dates and years."""
    return _phones(text, repl, settings or PiiSettings())[0]


def redact_patterns(text: str, settings: PiiSettings | None = None) -> tuple[str, dict[str, int]]:
    """Apply the regex redactions (e-mail, then card, then phone) to one text.

    Returns the redacted text and counts per kind (``name`` is always 0 here: names need
    spaCy, see :func:`name_spans`).
    """
    settings = settings or PiiSettings()
    counts = _zero_counts()
    if settings.emails:
        text, counts["email"] = _emails(text, PLACEHOLDERS["email"])
    if settings.cards:
        text, counts["card"] = _cards(text, PLACEHOLDERS["card"])
    if settings.phones:
        text, counts["phone"] = _phones(text, PLACEHOLDERS["phone"], settings)
    return text, counts


# --- names --------------------------------------------------------------------------------
_CONTRACTION_RE = re.compile(r"'(?:m|re|ve|ll|d)$|n't$", re.I)


# Determiners and possessives do not precede people's names ("the Spicy Tuna", "a Kobe",
# "this Uniqlo", "my Nintendo Switch"). "her" is left out: it is also an object ("told her Tom").
_DETERMINERS = frozenset({"a", "an", "the", "this", "that", "these", "those", "some", "any", "every",
                          "my", "your", "our", "their", "his", "its"})
# Sign-offs close a comment; one written without a full stop before it ("... over an hour
# Cheers") looks like a name to the small model, and is never one.
_SIGN_OFFS = frozenset({"cheers", "regards", "rgds", "thanks", "thankyou", "thx", "ta", "sincerely"})
# Informal and recent words the lemmatizer's dictionary (WordNet, 2006) lacks; spaCy's norm
# table and tokenizer exceptions add "pls", "cos", "dont", ... Never a name in a staff context.
_INFORMAL_WORDS = frozenset({
    "lol", "omg", "tbh", "idk", "btw", "fyi", "imo", "imho", "smh", "ty", "ppl", "mins", "hrs", "secs",
    "yrs", "wks", "ya", "hun", "hon", "luv", "wanna", "wtf", "ffs", "ok", "okay", "erm", "umm", "meh",
    "haha", "ugh", "app", "apps", "login", "logon", "signup", "contactless", "covid", "brexit", "selfie",
    "bluetooth", "smartphone", "smartwatch", "earbuds", "sim", "aircon", "emoji", "preorder", "giftcard",
    "ebay", "tiktok", "instagram", "facebook", "whatsapp", "youtube", "whilst", "amongst", "etc", "lmao",
    "lmfao", "rofl", "asap", "aka", "xx", "xxx",
    # Couriers, payment and retail brands a comment names where a person could stand ("our courier
    # Evri", "paid with Klarna at the checkout"); add your own with name_allowlist.
    "evri", "hermes", "dpd", "ups", "fedex", "dhl", "yodel", "parcelforce", "usps", "paypal", "klarna",
    "clearpay", "afterpay", "applepay", "amazon", "argos", "tesco", "asda", "primark", "ikea", "adidas", "nike",
})
# Before a name that opens a staff-role context: not a subject ("they ahd in store": a typo
# of "had"), a copula ("to be faiir the agent"), a determiner or possessive, or a number.
_NOT_BEFORE_NAME = _DETERMINERS | {"i", "you", "we", "they", "he", "she", "it",
                                   "be", "been", "being", "am", "is", "are", "was", "were"}


def _is_false_name(ent, doc_lower_words, common_words: frozenset[str], allow: frozenset[str]) -> bool:
    text = ent.text
    if any(ch.isdigit() for ch in text) or "[" in text:
        return True
    tokens = [t.text for t in ent if t.is_alpha or "'" in t.text]
    if not tokens:
        return True
    if text.lower() in allow or any(t.lower() in allow for t in tokens):
        return True
    letters = [ch for ch in text if ch.isalpha()]
    if not any(ch.isupper() for ch in letters):
        return True  # no capital at all: lower-case text, the small model guesses wildly
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return True  # shouting or an acronym
    if any(re.match(r"[a-z]+[A-Z]", t) for t in tokens):
        return True  # iPhone, eBay
    if any(_CONTRACTION_RE.search(t) for t in tokens if t.lower() != "'s"):
        return True  # "I'm", "Ii'm", "Can't": a contraction, never a name ("O'Brien" passes)
    if len(ent) == 1 and ent[0].lower_ in _SIGN_OFFS:
        return True
    if len(ent) == 1 and ent[0].is_sent_start:
        word = ent[0].text.lower()
        if word in common_words or word in doc_lower_words():
            return True  # "Beautifully made", "Size runs small ... the size chart"
    doc = ent.doc
    if ent.start > 0 and doc[ent.start - 1].lower_ in _DETERMINERS:
        return True
    return False


def name_spans(doc: "Doc", settings: PiiSettings | None = None, *, whole: "Doc | None" = None) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` in ``doc.text`` of names: PERSON entities that pass the
    guards, and the words :func:`staff_name_spans` finds. Overlapping spans are merged.

    ``whole``: the document ``doc`` is a part of (NER ran on a few of its sentences); the
    guards then look for lower-case uses of a word in all of it, as they do without it."""
    settings = settings or PiiSettings()
    common, allow = _guard_words(settings)
    # Built only when a guard needs it (iterating tokens is not free).
    context = doc if whole is None else whole
    lower_words = functools.cache(lambda: {t.text for t in context if t.is_alpha and t.text.islower()})
    spans = [
        (ent.start_char, ent.end_char)
        for ent in doc.ents
        if ent.label_ == "PERSON" and not _is_false_name(ent, lower_words, common, allow)
    ]
    starts = functools.cache(lambda: {t.idx for t in doc if t.is_sent_start})
    # NER's labels for names wander (ORG, GPE, FAC for "Priya", "Pooja"), but never DATE:
    # "the store manager Tuesday shift".
    dates = [(e.start_char, e.end_char) for e in doc.ents if e.label_ in ("DATE", "TIME")]
    spans += [(s, e) for s, e in staff_name_spans(doc.text, settings, sentence_starts=starts, lower_words=lower_words)
              if not any(s < d_end and e > d_start for d_start, d_end in dates)]
    return _merge_spans(spans)


def _merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


# --- names in staff-role contexts -----------------------------------------------------------
# One word of letters, inner hyphens or apostrophes ("O'Brien"), possibly before "'s" but
# never before another clitic ("couldn't", "Sarah'll").
_NAME_WORD = (r"(?<![\w'’-])(?P<name>[^\W\d_]+(?:['’](?!(?:s|m|d|ll|re|ve|t)\b)[^\W\d_]+|-[^\W\d_]+)*)"
              r"(?!\w|['’](?!s\b)\w)")
# The name right before a context that follows it ("Olu| the driver"), and the word before it.
_NAME_BEFORE_RE = re.compile(_NAME_WORD + r",?\s+\Z")
_WORD_BEFORE_RE = re.compile(r"([\w'’]+)\W*\Z")
_LOWER_WORD_RE = re.compile(r"[a-z]+")
# Staff-role contexts: a name next to a role ("Olu the driver", "our driver Fatima") or before
# a place ("aisha at the manchester store", "Emma on the phone"); words of the place may come
# between ("the returns desk", "the live chat"). A plural "s" is allowed after each.
STAFF_ROLES: tuple[str, ...] = (
    "driver", "courier", "agent", "advisor", "adviser", "rep", "representative", "assistant",
    "manager", "supervisor", "colleague", "cashier", "employee", "engineer", "technician",
    "consultant", "operator", "receptionist", "member of staff", "staff member", "team member",
)
STAFF_PLACES: tuple[str, ...] = (
    "store", "shop", "branch", "desk", "counter", "till", "checkout", "reception", "floor", "phone",
    "chat", "helpline", "team", "department", "office", "depot", "warehouse", "centre", "center",
    "customer service", "customer services", "customer care",
)
_PERSON_NOUNS = ("lady", "gentleman", "guy", "man", "woman", "girl", "lad", "chap", "bloke", "person", "someone")
_VERBS_BEFORE_NAME = ("thanks", "thank you", "shout out", "shoutout", "kudos", "spoke", "speaking", "talked",
                      "chatted", "served", "helped", "dealt")


@functools.cache
def _staff_patterns(roles: tuple[str, ...] = STAFF_ROLES, places: tuple[str, ...] = STAFF_PLACES):
    """(gate, contexts after a name, contexts before a name), for lower-case text (a
    case-blind alternation is several times slower): the words a context opens with, to skip
    most texts quickly, then the contexts, each found by its key words first (a regex
    opening with the name is tried at every character); group ``ctx`` is the role or place
    word."""

    def alternation(words: Iterable[str]) -> str:
        return "|".join(r"\s+".join(map(re.escape, w.split())) for w in sorted(words, key=len, reverse=True))

    role, place = alternation(roles), alternation(places)
    multiword_place = alternation(w for w in places if " " in w)
    # Set look-up of the words is faster than any regex over the text.
    keys = {w.split()[0] for w in (*roles, *places, *_PERSON_NOUNS, *_VERBS_BEFORE_NAME, "name")}
    gate = frozenset(keys | {w + "s" for w in keys})
    after = [
        # "Olu the driver", "Tom, our store manager": a name, then who they are.
        role and rf"\b(?:the|our|your|my)\s+(?:[^\W\d_]+\s+)?(?P<ctx>{role})s?\b",
        # "Priya at the Leeds store", "jake from the billing team", "Emma on the phone" (not
        # "on my phone": a device).
        place and rf"\b(?:at|on|from)\s+(?:the\s+(?:[^\W\d_]+\s+){{0,2}}?)?(?P<ctx>{place})s?\b",
        # "olu in the cardiff branch", "Sarah in customer services": "in (the) store" alone
        # mostly says where something happened ("the fabric was pilling in store").
        place and rf"\bin\s+the\s+(?:[^\W\d_]+\s+){{1,2}}?(?P<ctx>{place})s?\b",
        multiword_place and rf"\bin\s+(?P<ctx>{multiword_place})\b",
    ]
    before = [
        # "the chat agent sophie", "our driver Fatima", "the agent, Aisha,".
        role and rf"\b(?P<ctx>{role})s?,?\s+{_NAME_WORD}",
        # "a lady called Rose", "an advisor named Wei".
        rf"\b(?P<ctx>{alternation((*roles, *_PERSON_NOUNS))})\s+(?:called|named)\s+{_NAME_WORD}",
        # "big thanks to Olu who went above and beyond", "spoke to Tom, he sorted it".
        rf"\b(?:{alternation(_VERBS_BEFORE_NAME)})(?:\s+(?:to|with|by))?\s+{_NAME_WORD},?\s+(?P<ctx>who|she|he)\b",
        # "her name was Priya", "my name is Tom".
        rf"\b(?:his|her|their|my)\s+name\s+(?:is|was|'s)\s+{_NAME_WORD}",
    ]
    # A context whose word list is empty is left out, not matched with an empty role or place.
    after, before = (tuple(re.compile(p) for p in group if p) for group in (after, before))
    return gate, after, before


def _staff_candidates(text: str):
    """(name start, name end, role/place word) of every word standing in a staff-role context."""
    gate, after, before = _staff_patterns()
    low = text.lower()
    if len(low) != len(text):  # "İ" lowers to two characters: keep offsets aligned
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    if gate.isdisjoint(_LOWER_WORD_RE.findall(low)):
        return
    for pattern in after:
        for m in pattern.finditer(low):
            name = _NAME_BEFORE_RE.search(low, max(0, m.start() - 40), m.start())
            if name is None:
                continue
            word_before = _WORD_BEFORE_RE.search(low, max(0, name.start() - 40), name.start())
            if word_before and (word_before.group(1) in _NOT_BEFORE_NAME or word_before.group(1)[0].isdigit()):
                continue
            yield name.start("name"), name.end("name"), text[m.start("ctx") : m.end("ctx")]
    for pattern in before:
        for m in pattern.finditer(low):
            ctx = m.span("ctx") if "ctx" in pattern.groupindex else (0, 0)
            yield m.start("name"), m.end("name"), text[ctx[0] : ctx[1]]


def staff_name_spans(
    text: str,
    settings: PiiSettings | None = None,
    *,
    sentence_starts: Callable[[], set[int]] | None = None,
    lower_words: Callable[[], set[str]] | None = None,
) -> list[tuple[int, int]]:
    """Character spans of words that stand where a staff member's name stands.

    The small NER model misses many first names in survey comments ("Olu the driver",
    "Mohammed on the phone") and every name in lower-case text ("the chat agent sophie").
    This rule complements it: a word in one of a few staff-role contexts (a role word before
    or after it, "<word> at/in/on/from the <place>", "thanks to <word> who", "her name was
    <word>"; roles and places in ``STAFF_ROLES`` and ``STAFF_PLACES``), capitalised or not,
    is a name when it is not an English word: not a stop word, not in the lemmatizer's
    dictionary as any part of speech (with regular and irregular inflections: "prices",
    "waited", "hours"), not in spaCy's norm and tokenizer-exception tables ("pls", "colour",
    "dont"), not a chat or recent word ("tbh", "covid"), a sign-off, allow-listed, shouting
    or camel case, and has a vowel (every first name has one; "xs in the store" is a size).
    A name before its context is also not right after a determiner, possessive, subject
    pronoun, copula or number ("my parcel at the depot", "they ahd in store", "to be faiir
    the agent", "40 mins on the phone").

    The dictionary (WordNet) also lists some first names as nouns ("tom", "raj": 16 % of
    2,387 English-locale first names, against 3 % it lists as verbs or adjectives, "Grace",
    "Frank", never found here). Such a noun counts only written as a proper noun: capitalised,
    not opening a sentence, next to a lower-case role or place word (in Title Case writing
    capitals say nothing) and not used in lower case elsewhere in the comment. So "Honestly
    Raj at the returns desk" is found and "Parking at the Leeds store", "Advice on the phone"
    are kept; so are, a known limit, "Raj at the Bristol store" opening a sentence and
    "mohammed on the phone" in lower case (NER may still find the capitalised ones).

    ``sentence_starts`` and ``lower_words``: callables returning the character offsets where
    sentences start and the comment's lower-case words (built only when a noun needs them);
    None skips that check. Returns [] when the pipeline has no dictionary (every word would
    look like a name).
    """
    settings = settings or PiiSettings()
    if _name_vocabulary(settings.spacy_model) is None:
        return []
    allow = _guard_words(settings)[1]
    spans = []
    for start, end, ctx in _staff_candidates(text):
        word = text[start:end]
        low = word.lower()
        if len(word) < 2 or low in allow or low in _SIGN_OFFS or low in _INFORMAL_WORDS:
            continue
        if word.isupper() or re.match(r"[a-z]+[A-Z]", word) or not re.search(r"[aeiouy]", low):
            continue  # DPD, eBay, sizes ("xs in the store"): every first name has a vowel
        kind = _word_kind(low, settings.spacy_model)
        if kind == "common":
            continue
        if kind == "noun":
            proper = word[0].isupper() and word[1:].islower() and not ctx[:1].isupper()
            if not proper or (sentence_starts is not None and start in sentence_starts()):
                continue
            if lower_words is not None and low in lower_words():
                continue
        spans.append((start, end))
    return _merge_spans(spans)


@functools.lru_cache(maxsize=4)
def _name_vocabulary(model: str):
    """(words that are never a name, spaCy's norm table, the dictionary's words by part of
    speech, lemmatizer rules and exceptions by part of speech), or None without a dictionary."""
    from .nlp import english_words, load_pipeline

    by_pos = {pos: english_words(model, (pos,)) for pos in ("noun", "verb", "adj", "adv")}
    if not by_pos["noun"]:
        return None
    nlp = load_pipeline(model)
    lookups = nlp.get_pipe("lemmatizer").lookups
    rules = lookups.get_table("lemma_rules") if lookups.has_table("lemma_rules") else {}
    exc = lookups.get_table("lemma_exc") if lookups.has_table("lemma_exc") else {}
    norms = nlp.vocab.lookups.get_table("lexeme_norm") if nlp.vocab.lookups.has_table("lexeme_norm") else {}
    never = _stop_words(model) | {k.lower() for k in nlp.Defaults.tokenizer_exceptions if k.isalpha()}
    return never, norms, by_pos, {pos: rules.get(pos, []) for pos in by_pos}, {pos: exc.get(pos, {}) for pos in by_pos}


@functools.lru_cache(maxsize=8192)
def _word_kind(low: str, model: str) -> str:
    """'common' (a stop word, an informal word, or an English adjective, adverb or verb),
    'noun' (English only as a noun; WordNet also lists many first names so) or 'unknown'."""
    never, norms, by_pos, rules, exc = _name_vocabulary(model)
    forms = {low, re.sub(r"(.)\1{2,}", r"\1", low), re.sub(r"(.)\1{2,}", r"\1\1", low)}  # "sooo"
    if forms & never or any(norms.get(f) is not None for f in forms):
        return "common"
    found = set()
    for pos, words in by_pos.items():
        for form in forms:
            lemmas = {form, *exc[pos].get(form, ())}
            lemmas.update(form[: len(form) - len(old)] + new for old, new in rules[pos]
                          if form.endswith(old) and len(form) > len(old) + 1)
            if lemmas & words:
                # An inflected noun ("hours", "ages") is a common word; a base form may be a name.
                found.add(pos if pos != "noun" or forms & words else "inflected")
    if found - {"noun"}:
        return "common"
    if not found and _misspelt(low, by_pos):
        return "common"
    return "noun" if found else "unknown"


def _misspelt(low: str, by_pos: dict) -> bool:
    """Whether swapping two neighbouring letters makes ``low`` an English word: "reciept",
    "recieved", "freind" are misspellings in a name's slot ("no reciept at the till"), not
    names."""
    for i in range(len(low) - 1):
        swapped = low[:i] + low[i + 1] + low[i] + low[i + 2 :]
        if swapped != low and any(swapped in words for words in by_pos.values()):
            return True
    return False


# Words as the name guards see them, and where sentences (or lines) open: the start of the
# text, after end punctuation and spaces, after a line break, past opening quotes/brackets.
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")
_SENTENCE_OPEN_RE = re.compile(r"(?:\A|[.!?…]+[\"'’”)\]]*\s+|\n)\s*[\"'“‘(\[]*")
# spaCy splits these endings off ("Sarah'll" -> "Sarah", "'ll"): the guards see the stem.
_CLITIC_RE = re.compile(r"['’](?:s|m|re|ve|ll|d)$|n['’]t$", re.I)


@functools.lru_cache(maxsize=4)
def _guard_words(settings: PiiSettings) -> tuple[frozenset[str], frozenset[str]]:
    from .nlp import english_words

    common = english_words(settings.spacy_model) | _stop_words(settings.spacy_model)
    return common, frozenset(w.lower() for w in settings.name_allowlist)


def may_contain_name(text: str, settings: PiiSettings | None = None, *, whole: str | None = None) -> bool:
    """Whether ``text`` has a word that :func:`name_spans` could keep as part of a name.

    False means NER cannot change the text: every PERSON entity found in it would be
    rejected by the guards (no capital, the pronoun "I", all capitals, "iPhone", "I'm",
    an allow-listed word or a sign-off, or one common word opening a sentence), and
    :func:`staff_name_spans` finds nothing in it. Sentence openings are found by punctuation
    here and by spaCy's ``senter`` in :func:`name_spans`; where they disagree this function
    answers True (it runs NER) unless the word is a common one.
    ``whole``: the comment ``text`` is a sentence of; lower-case uses of a word are looked
    for in all of it, as :func:`name_spans` does.
    """
    settings = settings or PiiSettings()
    common, allow = _guard_words(settings)
    opens: set[int] | None = None
    lower_words: set[str] | None = None
    for m in _WORD_RE.finditer(text):
        word = _CLITIC_RE.sub("", m.group(0))
        if word.islower() or not any(ch.isupper() for ch in word):
            continue
        low = word.lower()
        if low == "i" or low in allow or low in _SIGN_OFFS:
            continue
        letters = [ch for ch in word if ch.isalpha()]
        if len(letters) > 1 and all(ch.isupper() for ch in letters):
            continue  # shouting or an acronym
        if re.match(r"[a-z]+[A-Z]", word):
            continue  # iPhone, eBay
        if opens is None:
            opens = {o.end() for o in _SENTENCE_OPEN_RE.finditer(text)}
        if m.start() in opens:
            if lower_words is None:
                lower_words = {w for w in _WORD_RE.findall(text if whole is None else whole) if w.islower()}
            if low in common or low in lower_words:
                continue  # "Beautifully made", "Size runs small ... the size chart"
        return True
    # Without sentence openings or lower-case uses: a superset of what name_spans keeps.
    return bool(staff_name_spans(text, settings))


def _stop_words(model: str) -> frozenset[str]:
    from .nlp import load_pipeline

    return frozenset(load_pipeline(model).Defaults.stop_words)


def replace_spans(text: str, spans: Iterable[tuple[int, int]], repl: str) -> str:
    """Replace character spans of ``text`` with ``repl``; overlapping/adjacent spans merge."""
    out, pos = [], 0
    for start, end in _merge_spans(spans):
        out.append(text[pos:start])
        out.append(repl)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact_pii(texts: Sequence[str], settings: PiiSettings | None = None) -> list[Redaction]:
    """Redact every kind of PII in ``texts`` (one spaCy pass in batches for names).

    For segmentation use :func:`verbatim.prepare.segment_responses`, which shares the
    spaCy pass with sentence splitting; this function serves any other free text.
    """
    settings = settings or PiiSettings()
    staged = [redact_patterns(t, settings) for t in texts]
    if not settings.names:
        return [Redaction(text, counts) for text, counts in staged]
    from .nlp import load_pipeline

    nlp = load_pipeline(settings.spacy_model)
    results = []
    candidates = [text for text, _ in staged if may_contain_name(text, settings)]
    docs = dict(zip(candidates, nlp.pipe(candidates, batch_size=settings.batch_size)))
    for text, counts in staged:
        spans = name_spans(docs[text], settings) if text in docs else []
        counts = dict(counts, name=len(spans))
        results.append(Redaction(replace_spans(text, spans, PLACEHOLDERS["name"]), counts))
    return results
