"""Coarse part-of-speech tags (``token.pos_``) set from the fine-grained ones in plain Python.

In the packaged ``en_core_web_sm`` the tagger writes only fine-grained tags (``NN``, ``VBZ``)
and the ``attribute_ruler`` turns them into coarse ones (``NOUN``, ``AUX``) with ~180 Matcher
patterns, some of which also read the word and its dependency label ("there" as an expletive,
"that" as a relative pronoun). Labels need the coarse tags (noun chunks are built on them), and
on the segments a label stage parses the ruler took a third of the pipeline's time, though almost
all its patterns test one token's tag and word: a dictionary lookup.

:func:`pos_rules` compiles the patterns of a loaded ruler that write coarse tags (and the two that
write whitespace tokens' fine tag and label) into :class:`PosRules`, which applies them with the
ruler's own precedence (a later pattern overrides an earlier one, each pattern matched on the
values before any write) and writes nothing else: the morphological features and lemmas the ruler
also writes are read by nothing the label stage runs. A pattern it cannot read (an operator or
attribute other than those below) makes it return None, and the caller keeps the ruler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - typing only
    from spacy.tokens import Doc

__all__ = ["PosRules", "pos_rules"]

# What a rule may write: coarse tags, and the fine tag and dependency label of whitespace tokens
# ("_SP", "dep"). The morphological features and lemmas the ruler also writes are read by nothing
# the label stage runs, and not written.
_WRITTEN = ("POS", "TAG", "DEP")
_SETTERS = {"TAG": "tag_", "DEP": "dep_"}
_NOT_READ = frozenset({"MORPH", "LEMMA"})
# Token attributes the rules may test, in the column order of the arrays matched against.
_ATTRS = ("TAG", "LOWER", "DEP", "IS_SPACE")


@dataclass(frozen=True)
class _Test:
    column: int
    values: frozenset[int]
    negated: bool  # NOT_IN

    def __call__(self, row: tuple[int, ...]) -> bool:
        return (row[self.column] in self.values) != self.negated


@dataclass(frozen=True)
class _Rule:
    tokens: tuple[tuple[_Test, ...], ...]  # one tuple of tests per token of the pattern
    index: int  # the token of a match the rule sets (the ruler's ``index``), >= 0
    sets: tuple[tuple[str, str], ...]  # (attribute, value) pairs among _WRITTEN

    def matches(self, rows: list[tuple[int, ...]], i: int) -> bool:
        start = i - self.index
        if start < 0 or start + len(self.tokens) > len(rows):
            return False
        return all(test(rows[start + k]) for k, tests in enumerate(self.tokens) for test in tests)


class PosRules:
    """The rules of an ``attribute_ruler`` that write what labels read, applied by
    :meth:`__call__` to a tagged and parsed Doc.

    What the one-token rules write depends only on the token's row (tag, word, label, space):
    found once per distinct row and remembered; the few rules of several tokens are tested
    at each token and override a one-token rule that comes before them, as in the ruler."""

    _MEMO_LIMIT = 500_000  # distinct rows remembered; past it the memo starts again

    def __init__(self, rules: list[_Rule]) -> None:
        ordered = list(enumerate(rules))[::-1]  # latest first: for each attribute, the first match wins
        self._single = [(k, r) for k, r in ordered if len(r.tokens) == 1]
        self._multi = [(k, r) for k, r in ordered if len(r.tokens) > 1]
        self._memo: dict[tuple[int, ...], dict[str, tuple[int, str]]] = {}
        self._by_tag: dict[int, tuple[tuple[int, _Rule, frozenset[str]], ...]] = {}

    def _single_for_tag(self, tag: int) -> tuple[tuple[int, _Rule, frozenset[str]], ...]:
        """The one-token rules that may match a token of tag ``tag``, latest first, each with
        the attributes it and the rules after it in this list write (to stop looking early)."""
        found = self._by_tag.get(tag)
        if found is None:
            row_of_tag = (tag, 0, 0, 0)
            kept = [(k, r) for k, r in self._single if all(t(row_of_tag) for t in r.tokens[0] if t.column == 0)]
            left: frozenset[str] = frozenset()
            reach = []
            for _, rule in reversed(kept):
                left = left | {attr for attr, _ in rule.sets}
                reach.append(left)
            found = tuple((k, r, attrs) for (k, r), attrs in zip(kept, reversed(reach)))
            self._by_tag[tag] = found
        return found

    def _row_writes(self, row: tuple[int, ...]) -> dict[str, tuple[int, str]]:
        """attribute -> (rule order, value) written by the one-token rules on a token of ``row``."""
        found = self._memo.get(row)
        if found is None:
            found = {}
            for order, rule, reach in self._single_for_tag(row[0]):
                if reach <= found.keys():
                    break
                if all(test(row) for test in rule.tokens[0]):
                    for attr, value in rule.sets:
                        found.setdefault(attr, (order, value))
            if len(self._memo) >= self._MEMO_LIMIT:
                self._memo.clear()
            self._memo[row] = found
        return found

    def __call__(self, doc: "Doc") -> "Doc":
        from spacy.attrs import DEP, IS_SPACE, LOWER, POS, TAG
        from spacy.symbols import IDS

        if not len(doc):
            return doc
        rows = [tuple(r) for r in doc.to_array([TAG, LOWER, DEP, IS_SPACE]).tolist()]
        pos = np.zeros((len(doc), 1), dtype=np.uint64)
        others: list[tuple[int, str, str]] = []  # (token, attribute, value): rare, set one by one
        for i, row in enumerate(rows):
            writes = self._row_writes(row)
            for order, rule in self._multi:
                if rule.matches(rows, i):
                    writes = dict(writes)  # the memo's entry stays as it was
                    for attr, value in rule.sets:
                        if attr not in writes or writes[attr][0] < order:
                            writes[attr] = (order, value)
            for attr, (_, value) in writes.items():
                if attr == "POS":
                    pos[i, 0] = IDS[value]
                else:
                    others.append((i, attr, value))
        doc.from_array([POS], pos)  # every rule matched on the values before any write, as in the ruler
        for i, attr, value in others:
            setattr(doc[i], _SETTERS[attr], value)
        return doc


def _test(column: int, value, strings) -> _Test | None:
    """The test of one attribute's value in a Matcher pattern, or None when it is not read here."""
    attr = _ATTRS[column]

    def key(v):
        return int(bool(v)) if attr == "IS_SPACE" else strings.add(v)
    if isinstance(value, dict):
        if len(value) != 1 or next(iter(value)) not in ("IN", "NOT_IN"):
            return None
        op, members = next(iter(value.items()))
        if attr == "IS_SPACE" or not all(isinstance(m, str) for m in members):
            return None
        return _Test(column, frozenset(key(m) for m in members), op == "NOT_IN")
    if attr == "IS_SPACE" and not isinstance(value, bool):
        return None
    if attr != "IS_SPACE" and not isinstance(value, str):
        return None
    return _Test(column, frozenset({key(value)}), False)


def pos_rules(ruler) -> PosRules | None:
    """:class:`PosRules` of the patterns of the spaCy ``attribute_ruler`` ``ruler`` that write a
    coarse tag, a fine tag or a dependency label, or None when one of them tests or writes
    something this module does not handle."""
    from spacy.symbols import IDS

    rules: list[_Rule] = []
    for entry in ruler.patterns:
        sets = tuple((attr, value) for attr, value in entry["attrs"].items() if attr in _WRITTEN)
        if not sets:
            continue
        if not set(entry["attrs"]) <= set(_WRITTEN) | _NOT_READ or not all(isinstance(v, str) for _, v in sets):
            return None
        if any(attr == "POS" and value not in IDS for attr, value in sets):
            return None
        for pattern in entry["patterns"]:
            if not isinstance(pattern, list) or not pattern:
                return None
            tokens = []
            for spec in pattern:
                if not isinstance(spec, dict) or not set(spec) <= set(_ATTRS):
                    return None
                tests = tuple(_test(_ATTRS.index(name), value, ruler.vocab.strings) for name, value in spec.items())
                if None in tests:
                    return None
                tokens.append(tests)
            index = entry.get("index", 0)
            index = index + len(tokens) if index < 0 else index
            if not 0 <= index < len(tokens):
                return None
            rules.append(_Rule(tuple(tokens), index, sets))
    return PosRules(rules)
