"""Names of staff members in survey comments, found by where they stand.

The small NER model misses many first names in survey comments ("Olu the driver", "Mohammed
on the phone") and every name in lower-case text ("the chat agent sophie"). :func:`staff_name_spans`
complements it: a word that is not English, standing where a staff member's name stands (next
to a role word of :data:`STAFF_ROLES`, before a place of :data:`STAFF_PLACES`, after "thanks to"
or "her name was"), capitalised or not. :mod:`verbatim.pii` adds these spans to NER's.

On the bundled sample this rule and NER find 47 of the 50 planted staff names, NER alone 20.
Whether a word is English comes from the packaged spaCy pipeline's lemmatizer tables (WordNet),
its norm and tokenizer-exception tables, and the informal words listed here; WordNet also lists
many first names as nouns ("Daniel", "Gary", "Mohammed"), which a list of first names
(``resources/first_names.txt``, from Faker's English-speaking locales) tells apart.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .pii import PiiSettings

__all__ = ["STAFF_ROLES", "STAFF_PLACES", "PERSON_PREDICATES", "PERSON_VERBS", "DETERMINERS", "SIGN_OFFS",
           "allowed_words", "first_names", "is_english", "merge_spans", "staff_name_spans"]

# Determiners and possessives do not precede people's names ("the Spicy Tuna", "a Kobe",
# "this Uniqlo", "my Nintendo Switch"). "her" is left out: it is also an object ("told her Tom").
DETERMINERS = frozenset({"a", "an", "the", "this", "that", "these", "those", "some", "any", "every",
                          "my", "your", "our", "their", "his", "its"})
# Sign-offs close a comment; one written without a full stop before it ("... over an hour
# Cheers") looks like a name to the small model, and is never one.
SIGN_OFFS = frozenset({"cheers", "regards", "rgds", "thanks", "thankyou", "thx", "ta", "sincerely"})
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
_NOT_BEFORE_NAME = DETERMINERS | {"i", "you", "we", "they", "he", "she", "it",
                                   "be", "been", "being", "am", "is", "are", "was", "were"}


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Character spans sorted, overlapping or touching ones merged into one."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


@functools.lru_cache(maxsize=4)
def allowed_words(settings: "PiiSettings") -> frozenset[str]:
    """The settings' ``name_allowlist``, lower case: words never redacted as a name."""
    return frozenset(w.lower() for w in settings.name_allowlist)


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
# What is said of a person, not of a product, a shop or a service: a word right before it
# ("Siobhan was so patient", "Oluwaseun helped me") is a name when it is capitalised or a
# listed first name; NER missed half the names of such praise ("Priya was so helpful at the
# returns desk", "Sean was really helpful.", from the PII hunt).
PERSON_PREDICATES: tuple[str, ...] = (
    "helpful", "unhelpful", "friendly", "unfriendly", "polite", "impolite", "rude", "patient", "impatient",
    "knowledgeable", "courteous", "attentive", "apologetic", "dismissive", "condescending", "sympathetic",
    "understanding", "cheerful",
)
PERSON_VERBS: tuple[str, ...] = ("helped", "sorted", "dealt", "explained", "apologised", "apologized", "resolved")
# Praise or blame said of anything ("the fit was brilliant"): after a listed first name only.
GENERAL_PREDICATES: tuple[str, ...] = (
    "brilliant", "lovely", "amazing", "great", "fantastic", "wonderful", "excellent", "superb", "fab", "fabulous",
    "awesome", "outstanding", "terrible", "awful", "horrible", "a star", "a credit", "a gem",
)
_VERBS_BEFORE_NAME = ("thanks", "thank you", "shout out", "shoutout", "kudos", "spoke", "speaking", "talked",
                      "chatted", "served", "helped", "dealt")
# Contexts that say a person follows without a role or place ("thanks gary", "ask for Siobhan
# O'Connor", "I spoke with Aoife Murphy yesterday"): a word there counts only when it is a
# listed first name (:func:`first_names`), in any case; "ask for Klarna" stays.
_ADDRESS_VERBS = (*_VERBS_BEFORE_NAME, "ask for", "asked for", "asking for", "cheers", "service from", "help from")
_ADDRESS_KEYS = frozenset(" ".join(v.split()) for v in _ADDRESS_VERBS)
_PREDICATE_KEYS = frozenset((*PERSON_PREDICATES, *PERSON_VERBS))
_GENERAL_KEYS = frozenset(GENERAL_PREDICATES)
# A surname right after a capitalised first name: "O'Connor", "McDonald", "Murphy", "Smith-Jones".
_SURNAME_RE = re.compile(r"[ \t]+((?:O['’]|Mc|Mac)?[A-Z][a-z]+(?:[-'’][A-Z][a-z]+)?)(?![\w'’-])")


@functools.cache
def _staff_patterns(roles: tuple[str, ...] = STAFF_ROLES, places: tuple[str, ...] = STAFF_PLACES):
    """(gate, contexts after a name, contexts before a name, what is said of a person after
    a name, the words that open those), for lower-case text (a
    case-blind alternation is several times slower): the words a context opens with, to skip
    most texts quickly, then the contexts, each found by its key words first (a regex
    opening with the name is tried at every character); group ``ctx`` is the role or place
    word."""

    def alternation(words: Iterable[str]) -> str:
        return "|".join(r"\s+".join(map(re.escape, w.split())) for w in sorted(words, key=len, reverse=True))

    role, place = alternation(roles), alternation(places)
    multiword_place = alternation(w for w in places if " " in w)
    # Set look-up of the words is faster than any regex over the text.
    keys = {w.split()[0] for w in (*roles, *places, *_PERSON_NOUNS, *_ADDRESS_VERBS, "name")}
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
    # "Siobhan was so patient", "Aoife is always helpful", "Oluwaseun helped me": said of most
    # things ("the fit was great"), so tried only where a name can stand (:func:`_staff_candidates`).
    said = [
        rf"\b(?:was|is|were|has\s+been|had\s+been)\s+(?:(?:so|very|really|extremely|super|incredibly|"
        rf"always|such|most|ever\s+so|genuinely|truly|absolutely)\s+)*"
        rf"(?P<ctx>{alternation((*PERSON_PREDICATES, *GENERAL_PREDICATES))})\b",
        rf"\b(?P<ctx>{alternation(PERSON_VERBS)})\b",
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
        # "thanks gary", "ask for Siobhan", "spoke with Aoife": listed first names only.
        rf"\b(?P<ctx>{alternation(_ADDRESS_VERBS)})(?:\s+(?:to|with|by))?\s+{_NAME_WORD}",
    ]
    # A context whose word list is empty is left out, not matched with an empty role or place.
    after, before, said = (tuple(re.compile(p) for p in group if p) for group in (after, before, said))
    said_keys = {w.split()[0] for w in (*PERSON_PREDICATES, *PERSON_VERBS, *GENERAL_PREDICATES)}
    return gate, after, before, said, frozenset(said_keys)


def _staff_candidates(text: str, model: str):
    """(name start, name end, role/place word) of every word standing in a staff-role context."""
    gate, after, before, said, said_keys = _staff_patterns()
    low = text.lower()
    if len(low) != len(text):  # "İ" lowers to two characters: keep offsets aligned
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    words = set(_LOWER_WORD_RE.findall(low))
    if not said_keys.isdisjoint(words) and (not words.isdisjoint(_name_words(model)) or _unknown_capital(text, model)):
        after = (*after, *said)
    elif gate.isdisjoint(words):
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


_CAPITALISED_RE = re.compile(r"(?<![\w'’-])[A-Z][^\W\d_]{2,}")


@functools.lru_cache(maxsize=4)
def _name_words(model: str) -> frozenset[str]:
    """The listed first names that are no common English word ("siobhan", "tom"; not "will",
    "rose"): only those can be found by what is said of them (:func:`staff_name_spans` keeps
    no common word), so a comment holding none of them skips those contexts."""
    if _name_vocabulary(model) is None:
        return first_names()
    return frozenset(name for name in first_names() if _word_kind(name, model) != "common")


def _unknown_capital(text: str, model: str) -> bool:
    """Whether a capitalised word of ``text`` is no English word ("Oluwaseun"): a name that
    is no listed first name can stand there."""
    return any(is_english(word.lower(), model) is False for word in _CAPITALISED_RE.findall(text))


def is_english(low: str, model: str) -> bool | None:
    """Whether a lower-case word is English (a stop word, an informal word, or a word of the
    lemmatizer's dictionary, inflected or misspelt by two swapped letters), from the spaCy
    pipeline's tables alone (no scikit-learn import in spaCy's worker processes); None when
    the pipeline has no dictionary."""
    if _name_vocabulary(model) is None:
        return None
    return _word_kind(low, model) != "unknown"


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

    The dictionary (WordNet) also lists many first names as nouns (448 of the 3,197 names of
    :func:`first_names`: "Daniel", "Gary", "Mohammed"; those it lists as verbs or adjectives,
    "Grace", "Frank", are never found here). A dictionary noun that is a listed first name
    counts written as a proper noun (capitalised, next to a lower-case role or place word)
    wherever it stands, or in any case when it opens a sentence or clause or follows "to"
    ("Daniel from the billing team", "thanks to gary on the shop floor"), not after another
    word ("we bought basil at the store"). Any other dictionary noun counts only written as a
    proper noun, not opening a sentence and not used in lower case elsewhere in the comment
    (in Title Case writing capitals say nothing). So "Honestly Raj at the returns desk" is
    found and "Parking at the Leeds store", "Advice on the phone" are kept; so are, a known
    limit, unlisted names the dictionary knows opening a sentence ("Raj at the Bristol
    store"; NER may still find them) or in lower case.

    ``sentence_starts`` and ``lower_words``: callables returning the character offsets where
    sentences start and the comment's lower-case words (built only when a noun needs them);
    None skips that check. Returns [] when the pipeline has no dictionary (every word would
    look like a name).
    """
    if settings is None:
        from .pii import PiiSettings

        settings = PiiSettings()
    if _name_vocabulary(settings.spacy_model) is None:
        return []
    allow = allowed_words(settings)
    spans = []
    for start, end, ctx in _staff_candidates(text, settings.spacy_model):
        word = text[start:end]
        low = word.lower()
        if len(word) < 2 or _never_a_name(low, allow):
            continue
        if word.isupper() or re.match(r"[a-z]+[A-Z]", word) or not re.search(r"[aeiouy]", low):
            continue  # DPD, eBay, sizes ("xs in the store"): every first name has a vowel
        kind = _word_kind(low, settings.spacy_model)
        if kind == "common":
            continue
        proper = word[0].isupper() and word[1:].islower() and not ctx[:1].isupper()
        if " ".join(ctx.lower().split()) in _ADDRESS_KEYS:
            if low not in first_names():
                continue
        elif " ".join(ctx.lower().split()) in _GENERAL_KEYS:
            if low not in first_names():  # "Siobhan was brilliant"; "Zara was brilliant" stays
                continue
        elif ctx.lower() in _PREDICATE_KEYS:
            # Said of a person: a listed first name, or a capitalised word the dictionary does
            # not know ("Oluwaseun"); "staf was helpful" (a typo) stays.
            if not (low in first_names() or (kind == "unknown" and proper)):
                continue
        elif kind == "noun" and low in first_names():
            # A first name the dictionary also lists: a name as a proper noun, wherever it
            # stands (sentence starts included), or in lower case or Title Case writing when it
            # opens a clause or follows "to" ("gary at the norwich store", "thanks to daniel on
            # the shop floor"); not after another word ("we bought basil at the store").
            if not (proper or _opens_clause_or_after_to(text, start)):
                continue
        elif kind == "noun":
            if not proper or (sentence_starts is not None and start in sentence_starts()):
                continue
            if lower_words is not None and low in lower_words():
                continue
        spans.append((start, end))
        if word[0].isupper():
            spans.extend(_surname(text, end, settings, allow))
    return merge_spans(spans)


def _never_a_name(low: str, allow: frozenset[str]) -> bool:
    """Allow-listed words, sign-offs and chat words (lower case): never a name or surname."""
    return low in allow or low in SIGN_OFFS or low in _INFORMAL_WORDS


def _surname(text: str, end: int, settings: PiiSettings, allow: frozenset[str]) -> list[tuple[int, int]]:
    """The span of a capitalised surname right after a first name ending at ``end`` ("Siobhan
    O'Connor": 'O'Connor' stayed beside '[NAME]'), or []: a word the dictionary does not know
    ("Kowalski", "Nguyen"), or one written as only a surname is ("O'Connor", "McDonald",
    "Smith-Jones"). A dictionary word stays: in comments without full stops the next
    sentence often opens right after a name ("Thanks Gary Delivery was late", "Tom London
    store was great"), and a surname that is also a noun ("Murphy", "Baker") cannot be told
    from it; NER's PERSON entities cover many of those."""
    m = _SURNAME_RE.match(text, end)
    if m is None:
        return []
    word = m.group(1)
    low = word.lower()
    if _never_a_name(low, allow):
        return []
    written_as_surname = bool(re.match(r"(?:O['’]|Mc|Mac)[A-Z]", word)) or "-" in word
    if not written_as_surname and _word_kind(low, settings.spacy_model) != "unknown":
        return []
    return [(end, m.end(1))]  # from the first name's end: one "[NAME]" for both


_CLAUSE_OPEN_RE = re.compile(r"(?:\A|[.!?;:(\n\u2013\u2014-]|\bto)\s*\Z")


def _opens_clause_or_after_to(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens the text, a sentence or a clause (after . ! ? ; : (
    a line break or a dash), or follows "to"."""
    return _CLAUSE_OPEN_RE.search(text, max(0, start - 12), start) is not None


@functools.cache
def first_names() -> frozenset[str]:
    """First names, lower case (``resources/first_names.txt``: Faker's lists for English-speaking
    locales, see ``scripts/build_first_names.py``)."""
    from importlib.resources import files

    lines = files("verbatim").joinpath("resources", "first_names.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@functools.lru_cache(maxsize=4)
def _name_vocabulary(model: str):
    """(words that are never a name, spaCy's norm table, the dictionary's words by part of
    speech, lemmatizer rules and exceptions by part of speech), or None without a dictionary."""
    from .nlp import english_words, load_pipeline, stop_words

    by_pos = {pos: english_words(model, (pos,)) for pos in ("noun", "verb", "adj", "adv")}
    if not by_pos["noun"]:
        return None
    nlp = load_pipeline(model)
    lookups = nlp.get_pipe("lemmatizer").lookups
    rules = lookups.get_table("lemma_rules") if lookups.has_table("lemma_rules") else {}
    exc = lookups.get_table("lemma_exc") if lookups.has_table("lemma_exc") else {}
    norms = nlp.vocab.lookups.get_table("lexeme_norm") if nlp.vocab.lookups.has_table("lexeme_norm") else {}
    never = stop_words(model) | {k.lower() for k in nlp.Defaults.tokenizer_exceptions if k.isalpha()}
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
