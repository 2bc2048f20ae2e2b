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
  ("... over an hour Cheers"), a word after a possessive ("my Nintendo Switch") and one
  before "colour" or "shade" that is no first name ("Mocha colour") are never names either.
* **staff names** (:func:`verbatim.staffnames.staff_name_spans`, with or without capitals): a word that is not
  English, or a listed first name, standing where a staff member's name stands ("Olu the
  driver", "the chat agent sophie", "aisha at the manchester store", "Daniel on the phone").
  On the bundled sample this and NER find 47 of the 50 planted staff names, NER alone 20.

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
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from .nlp import DEFAULT_SPACY_MODEL, known_word
from .staffnames import (DETERMINERS, SIGN_OFFS, STAFF_PLACES, STAFF_ROLES, allowed_words, first_names, merge_spans,
                         staff_name_spans)

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
# Mail providers whose name alone is taken for a domain ("jane@gmail", "john at gmail dot com").
_MAIL_HOSTS = ("gmail", "googlemail", "yahoo", "hotmail", "outlook", "live", "msn", "icloud", "aol", "protonmail",
               "proton", "btinternet", "sky", "virginmedia", "gmx", "orange", "wanadoo", "comcast", "mail", "ymail")
# The local part as people write it: letters of any script ("zoë@"), apostrophes ("o'brien@"),
# a leading "_", "." or "-" ("_jane@"); spaces around the "@" ("jane.doe @ gmail.com").
# The top-level domain is lower or upper case: "jane@gmail.com.Thanks" keeps "Thanks".
_EMAIL_RE = re.compile(
    r"(?<![\w.%+'’-])[\w.%+'’-]*[^\W_][\w.%+'’-]*\s?@\s?"
    r"(?:(?:" + "|".join(_MAIL_HOSTS) + r")\b(?![.@]\w)"
    r"|[^\W_](?:[\w-]*[^\W_])?(?:\.[\w-]+)*\.(?:[a-z]{2,24}|[A-Z]{2,24})\b)"
)
# Written to escape scrapers ("john dot smith at gmail dot com", "john(at)gmail(dot)com",
# "john [at] gmail [dot] com"): only with a known mail provider, as "shop at next dot com" is
# a sentence.
_AT = r"(?:\s*[(\[]\s*at\s*[)\]]\s*|\s+at\s+|\s*@\s*)"
_DOT = r"(?:\s*[(\[]\s*dot\s*[)\]]\s*|\s+dot\s+|\.)"
_OBFUSCATED_EMAIL_RE = re.compile(
    rf"(?i)(?<![\w.])[^\W_][\w'’-]*(?:{_DOT}[^\W_][\w'’-]*)*{_AT}(?:{'|'.join(_MAIL_HOSTS)})"
    rf"(?:{_DOT}(?:com|net|org|co|uk|ie|de|fr|es|it|nl|be|ca|au|in|us))+\b"
)
# Seven digits anywhere: fewer, and a text holds neither a phone number nor a card number.
_SEVEN_DIGITS_RE = re.compile(r"\d(?:\D*\d){6}")
# Candidate digit runs for cards: 13-19 digits with optional single space/dash separators.
_CARD_RE = re.compile(r"(?<![\w.,$£€])\d(?:[ -]?\d){12,18}(?![\w]|[.,]\d)")
# Candidate phone numbers: optional +country, then 2-6 groups of digits separated by one
# space/dot/dash, optionally with a bracketed area code. Not preceded by a currency sign,
# a decimal point or a word character (so "£1299", "v2.0.12345", "AB12345" are skipped).
# Letters and digits that join a number to a word ("AB12345", "v2"): Latin ones only, so a
# number written against Chinese or Japanese text ("电话13812345678", "090-1234-5678です")
# stands alone, as it does there.
_JOINS = r"0-9A-Za-z_\u00C0-\u024F"
_PHONE_RE = re.compile(
    rf"(?<![{_JOINS}$£€.,/#+\-–])"
    r"(?:\+\s?\d{1,3}[\s.\-–]?(?:\(0\)[\s.\-–]?)?)?"
    r"(?:\(\d{1,5}\)[\s.\-–]?)?"
    r"\d{1,12}(?:[ .\-–]\d{1,12}){0,5}"
    rf"(?![{_JOINS}]|[.,/:\-–]\d)"
)
# Two phone numbers joined by a slash ("07700 900123/07700 900456"): the slash kept both
# whole (a date's "12/03" must not become a phone), so each side is read on its own.
_PHONE_PAIR_RE = re.compile(r"(?<![\d/])(\+?\d[\d .\-–]{5,}\d)/(\+?\d[\d .\-–]{5,}\d)(?![\d/])")
# A number glued to its abbreviated cue by a dot ("tel.07700900123", "mob.+44..."), which
# the main pattern leaves alone so that "v2.0.12345" stays.
_CUED_PHONE_RE = re.compile(r"(?i)\b(?:tel|ph|mob|cell|fax)\.(?=\+?\d)")
_GLUED_PHONE_RE = re.compile(rf"\+?\d{{1,12}}(?:[ .\-–]\d{{1,12}}){{0,5}}(?![{_JOINS}]|[.,/:\-–]\d)")
_CONTEXT_WORD_RE = re.compile(r"#|[^\W\d_]+")
# Phone cues in scripts written without spaces, found as they are in the text before a number.
_CJK_PHONE_CUES = ("电话", "電話", "手机", "手機", "拨打", "致电", "携帯", "番号", "전화", "연락처", "휴대폰")


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
        # Payment brands: "Paid with [NAME] and it was easy" lost how the customer paid.
        "Visa", "Mastercard", "MasterCard", "Maestro", "Amex", "Clearpay", "Afterpay", "Laybuy", "Revolut",
        "Monzo",
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
        # The same in the languages a European survey gets most ("Llámame al 612 345 678" kept
        # its number, from the multilingual hunt).
        "llamar", "llámame", "llamame", "llamada", "teléfono", "telefono", "móvil", "movil", "celular", "número",
        "numero", "appeler", "appelez", "appelle", "téléphone", "portable", "numéro", "anrufen", "rufen",
        "ruf", "telefon", "handy", "nummer", "telefonnummer", "handynummer", "chiamare", "chiamami", "chiamatemi",
        "cellulare", "ligar", "ligue", "liga", "telefone", "telemóvel", "telemovel", "bellen", "bel", "telefoon",
        "mobiel", "zadzwoń", "zadzwon", "telefonu", "numer", "ara", "arayın", "numara", "numaram",
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
    text, n = _EMAIL_RE.subn(repl, text) if "@" in text else (text, 0)
    low = text.lower()
    if " at " in low or "(at)" in low or "[at]" in low:
        text, more = _OBFUSCATED_EMAIL_RE.subn(repl, text)
        n += more
    return text, n


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
        candidate = m.group(0)
        # Digits written after the card join its run ("4111 1111 1111 1111 12/27", "... 123"
        # for the CVV), which then failed the Luhn check and was kept whole: the card is its
        # leading groups.
        parts = re.split(r"(?<=\d)(?=[ -]\d)", candidate)
        for k in range(len(parts), 0, -1):
            prefix = "".join(parts[:k])
            if _is_card(prefix):
                count += 1
                return repl + candidate[len(prefix):]
        return candidate

    return _CARD_RE.sub(sub, text), count


def redact_cards(text: str, repl: str = PLACEHOLDERS["card"]) -> str:
    """Replace Luhn-valid payment card numbers (13-19 digits) with ``repl``."""
    return _cards(text, repl)[0]


# --- phones -------------------------------------------------------------------------------
# Where a clause ends: a cue word before it does not speak of the number after it ("My order
# never came. 07700 900123", "Parcel never arrived, 07700 900123" were kept as references).
_CLAUSE_END_RE = re.compile(r"[.!?;,\n]\s")


def _nearest_cue(before: str, settings: PiiSettings) -> tuple[str | None, int]:
    """('ref' | 'phone' | None, words between that cue and the number): the cue word closest
    to the number, reading backwards within its clause."""
    ends = list(_CLAUSE_END_RE.finditer(before))
    if ends:
        before = before[ends[-1].end():]
    if any(cue in before for cue in _CJK_PHONE_CUES) and not before.isascii():
        return "phone", 0
    words = _CONTEXT_WORD_RE.findall(before.lower())
    refs, cues = set(settings.reference_words), set(settings.phone_cue_words)
    for i in range(len(words) - 1, -1, -1):
        word = words[i]
        gap = len(words) - 1 - i
        if word in refs:
            return "ref", gap
        if word in cues:
            # "order number", "account no": the number word belongs to a reference.
            if word in ("number", "no") and i > 0 and words[i - 1] in refs:
                return "ref", gap
            return "phone", gap
    return None, 0


def _phone_digits_ok(candidate: str, cue: str | None) -> bool:
    groups = re.findall(r"\d+", candidate)
    digits = "".join(groups)
    n = len(digits)
    if candidate.lstrip().startswith("+"):
        return 8 <= n <= 15
    if cue == "ref":
        return False
    # The international prefix written out ("0044 7700 900123", "011 44 20 7946 0958"):
    # only the leading groups were taken for a national number.
    if len(groups) > 1 and (digits.startswith("00") or digits.startswith("011")) and len(groups[0]) <= 4:
        return 10 <= n <= 18
    if len(groups) > 5:
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
    if "/" in text and _PHONE_PAIR_RE.search(text):
        count = 0

        def pair(m: re.Match[str]) -> str:
            nonlocal count
            sides = [_phones(side, repl, settings) for side in m.groups()]
            if not all(n for _, n in sides):  # not two phones: a date, a ratio, a range
                return m.group(0)
            count += sum(n for _, n in sides)
            return "/".join(side for side, _ in sides)

        text = _PHONE_PAIR_RE.sub(pair, text)
        text, more = _phones_in(text, repl, settings)
        return text, count + more
    return _phones_in(text, repl, settings)


def _phone_candidates(text: str, start: int):
    """The next candidate phone number at or after ``start``: the main pattern's, or one
    glued to its abbreviated cue ("tel.07700900123"), whichever comes first."""
    m = _PHONE_RE.search(text, start)
    if "." in text:
        for cue in _CUED_PHONE_RE.finditer(text, start, m.start() if m else len(text)):
            glued = _GLUED_PHONE_RE.match(text, cue.end())
            if glued:
                return glued
    return m


def _phones_in(text: str, repl: str, settings: PiiSettings) -> tuple[str, int]:
    out: list[str] = []
    pos = count = 0
    search_from = 0
    while (m := _phone_candidates(text, search_from)) is not None:
        start, candidate = m.start(), m.group(0)
        search_from = m.end()
        if sum(ch.isdigit() for ch in candidate) < 7:
            continue
        cue, gap = _nearest_cue(text[max(0, start - settings.context_chars) : start], settings)
        # A reference word further back does not make a number written as a phone number an
        # order number ("The item was faulty 07700 900123"); right before it ("order ref is"), it does.
        if cue == "ref" and gap > 1 and re.search(r"\d[ .\-–)]+\d", candidate):
            cue = None
        # Two numbers written back to back form one long candidate: try its leading
        # groups, then scan again right after the part that was a phone.
        parts = re.split(r"(?<=\d)(?=[ .\-–]\d)", candidate)
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
    if settings.emails:  # _emails looks for "@" or a spelt-out "at" first
        text, counts["email"] = _emails(text, PLACEHOLDERS["email"])
    if not _SEVEN_DIGITS_RE.search(text):
        return text, counts  # no card (13+ digits) and no phone (7+) in it
    if settings.cards:
        text, counts["card"] = _cards(text, PLACEHOLDERS["card"])
    if settings.phones:
        text, counts["phone"] = _phones(text, PLACEHOLDERS["phone"], settings)
    return text, counts


# --- names --------------------------------------------------------------------------------
_CONTRACTION_RE = re.compile(r"'(?:m|re|ve|ll|d)$|n't$", re.I)


# Nouns that follow the name of a colour, never a person's: "Café colour", "Mocha colour"
# were redacted as [NAME].
# Only the colour nouns ("Sarah tone was dismissive", "Rachel print out of my receipt" hold
# names), and never after a first name ("the agent James colour coded my order").
_SHADE_NOUNS = frozenset("colour colours color colors shade shades hue colourway colorway".split())


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
    if len(ent) == 1 and ent[0].lower_ in SIGN_OFFS:
        return True
    if len(ent) == 1 and ent[0].is_sent_start:
        word = ent[0].text.lower()
        if _plain_opening(word, common_words) or word in doc_lower_words():
            return True  # "Beautifully made", "Pros: soft", "Size runs small ... the size chart"
    doc = ent.doc
    if ent.start > 0 and doc[ent.start - 1].lower_ in DETERMINERS:
        return True
    if (ent.end < len(doc) and doc[ent.end].lower_ in _SHADE_NOUNS
            and first_names().isdisjoint(t.lower() for t in tokens)):
        return True  # "Mocha colour faded", "Café shade": the name of a colour, not of a person
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
    if spans and _mostly_foreign(context, settings.spacy_model):
        # The English model reads most capitalised words of German, Polish or Spanish text as
        # names ("Schnelle Lieferung", "die Rückerstattung", "Bardzo dobra obsługa" became
        # [NAME], from the multilingual hunt): there a person is one holding a listed first name.
        from .staffnames import first_names

        names = first_names()
        spans = [(s, e) for s, e in spans if any(w.lower() in names for w in _WORD_RE.findall(doc.text[s:e]))]
    starts = functools.cache(lambda: {t.idx for t in doc if t.is_sent_start})
    # NER's labels for names wander (ORG, GPE, FAC for "Priya", "Pooja"), but never DATE:
    # "the store manager Tuesday shift".
    dates = [(e.start_char, e.end_char) for e in doc.ents if e.label_ in ("DATE", "TIME")]
    spans += [(s, e) for s, e in staff_name_spans(doc.text, settings, sentence_starts=starts, lower_words=lower_words)
              if not any(s < d_end and e > d_start for d_start, d_end in dates)]
    return merge_spans([*spans, *_joined_names(doc.text, merge_spans(spans), allow)])


# A name after a found one, joined by "&", "and", "or" or a comma.
_JOINED_NAME_RE = re.compile(r"\s*(?:,\s*(?:and\s+|&\s*)?|\s+(?:and|or|&)\s+|&\s*)([^\W\d_][\w'’-]*)(?![\w'’-])")


def _joined_names(text: str, spans: list[tuple[int, int]], allow: frozenset[str]) -> list[tuple[int, int]]:
    """Listed first names joined to a found name ("Thanks to Sarah & Tom", "jenny, abdul and
    mo"): the rest of the list stayed in the text beside the first one's [NAME] (from the
    PII hunt). Only a word of the list of first names counts, in any case, so "Sarah and
    the team" or "Tom, great service" keep their words."""
    from .staffnames import first_names

    names, found = first_names(), []
    for _, end in spans:
        while (m := _JOINED_NAME_RE.match(text, end)) is not None:
            word = m.group(1)
            if word.lower() not in names or word.lower() in allow:
                break
            found.append(m.span(1))
            end = m.end(1)
    return found


def _mostly_foreign(doc, model: str) -> bool:
    """Whether fewer than half of a text's words of three letters or more (two at least) are
    English (:func:`verbatim.staffnames.is_english`, the tables the name rules read, which
    import nothing more in spaCy's workers): a comment in another language, whatever its stop
    words. (Shorter words mislead: spaCy reads German "im" as "i" "m", English "I'm".)"""
    from .staffnames import is_english

    words = [t.text.lower() for t in doc if t.is_alpha and len(t.text) >= 3]
    return len(words) >= 2 and sum(is_english(w, model) is not False for w in words) < len(words) / 2


# Words as the name guards see them, and where sentences (or lines) open: the start of the
# text, after end punctuation and spaces, after a line break, past opening quotes/brackets.
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")
_SENTENCE_OPEN_RE = re.compile(r"(?:\A|[.!?…]+[\"'’”)\]]*\s+|\n)\s*[\"'“‘(\[]*")
# spaCy splits these endings off ("Sarah'll" -> "Sarah", "'ll"): the guards see the stem.
_CLITIC_RE = re.compile(r"['’](?:s|m|re|ve|ll|d)$|n['’]t$", re.I)


def _plain_opening(word: str, common: frozenset[str]) -> bool:
    """Whether ``word`` (lower case), opening a sentence, opens it as any word does rather than
    as a name: a common word (adjective, adverb or stop word: "Beautifully made"), or a word of
    the English dictionary that is no first name and no bare noun: a verb ("Love these
    pants", "Bought this top"), an inflected form ("Pros: soft", "Thinner fabric than it
    looks"). The small model tags such openings as people (those two were redacted "[NAME]:
    soft, quality top" among clothing reviews), and ruling them out spares NER most of the
    sentences it read. A name is a noun: "Raj", "Baker" (nouns of the dictionary) and "Rose",
    "Mark" (first names) keep their guard as before."""
    if word in common:
        return True
    return word not in first_names() and word not in _bare_nouns() and known_word(word, without_dictionary=False)


@functools.lru_cache(maxsize=1)
def _bare_nouns() -> frozenset[str]:
    """Nouns of the dictionary that are no verb, adjective or adverb ("raj", "baker")."""
    from .nlp import english_words

    return english_words(DEFAULT_SPACY_MODEL, ("noun",)) - english_words(DEFAULT_SPACY_MODEL, ("verb", "adj", "adv"))


@functools.lru_cache(maxsize=4)
def _guard_words(settings: PiiSettings) -> tuple[frozenset[str], frozenset[str]]:
    from .nlp import english_words, stop_words

    common = english_words(settings.spacy_model) | stop_words(settings.spacy_model)
    return common, allowed_words(settings)


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
        if m.group(0).islower():
            continue  # most words: no capital before or after the clitic is cut
        word = _CLITIC_RE.sub("", m.group(0))
        if word.islower() or not any(ch.isupper() for ch in word):
            continue
        low = word.lower()
        if low == "i" or low in allow or low in SIGN_OFFS:
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
            if _plain_opening(low, common) or low in lower_words:
                continue  # "Beautifully made", "Pros: soft", "Size runs small ... the size chart"
        return True
    # Without sentence openings or lower-case uses: a superset of what name_spans keeps.
    return bool(staff_name_spans(text, settings))


def replace_spans(text: str, spans: Iterable[tuple[int, int]], repl: str) -> str:
    """Replace character spans of ``text`` with ``repl``; overlapping/adjacent spans merge."""
    out, pos = [], 0
    for start, end in merge_spans(spans):
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
