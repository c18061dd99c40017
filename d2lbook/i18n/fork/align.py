"""Pair a fork page's blocks with the messages of the English version it was translated from.

Two levels, both monotone dynamic programs (a translation keeps the order of the page):

1. the *anchors* of both pages (labels, display equations, code cells, figures, tables,
   framework tabs: what translation leaves alone) are aligned by a weighted longest common
   subsequence;
2. between two consecutive aligned anchors, the messages are aligned allowing one-to-one
   pairs, a paragraph split in two or two merged into one, and messages left on either side.
   A pair is scored on what a translation keeps: inline math, code spans, roles, link
   targets, numbers and Latin words (names stay in Latin script), its kind (a heading pairs
   with a heading of the same level), and its length ratio against the page's typical one.

A pair is *confident* when its evidence is strong and nothing contradicts it, or when the
structure forces it (the same sequence of block kinds between two anchors on both sides and
a plausible length); otherwise it is *doubtful*. Every pair must pass the translation
validator; one that fails is reported and not used. Fork text identical to the English is
not a translation (an untranslated paragraph) but still anchors the alignment.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeAlias, cast

from ..comments import pair_comments
from ..segment import normalize
from ..validate import check_translation
from .structure import Anchor, Block, PageStructure, is_wide

__all__ = ["Pair", "Leftover", "CodeDifference", "Alignment", "align_pages", "page_ratio",
           "join_translation", "heading_role"]

_EVIDENCE_GAIN = {"math": 3.0, "role": 4.0, "link": 3.0, "code": 2.0, "num": 1.5}
_EVIDENCE_LOSS = {"math": 2.5, "role": 3.0, "link": 2.5, "code": 1.0, "num": 0.6}
_HARD = ("math", "role", "link")
CONFIDENT = 3.0
"""Least score of a confident pair."""
RATIO_TOLERANCE = 0.6
BAND = 12
"""Runs longer than this are aligned within a band around their diagonal."""
"""Largest |log2(length ratio / typical ratio)| of a confident pair."""
TRANSLATOR_NOTE = re.compile(r"^\W{0,2}(译者注|译注|译者按|译者|translator'?s note|note du "
                             r"traducteur|N\.\s?d\.\s?T\.|Anm\. d\. Übers)", re.IGNORECASE)
"""The start of a note the translator added: never part of a translated paragraph."""


HEADING_ROLES: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "summary": (frozenset({"summary", "summaries", "conclusion", "conclusions", "recap"}),
                ("小结", "总结", "摘要", "结论")),
    "exercises": (frozenset({"exercises", "exercise", "problems"}), ("练习", "习题")),
    "discussion": (frozenset({"discussion", "discussions"}), ("讨论",)),
    "references": (frozenset({"references", "bibliography", "further reading"}),
                   ("参考文献", "参考资料", "延伸阅读")),
}
"""The headings that close a section in every book of this kind, in English (the whole
heading) and Chinese (a word in it): a heading with one of these roles pairs only with a
heading of the same role, and a heading without one only with a heading without one."""


def _section_role(block: Block, fork: bool = False) -> str | None:
    """The role of the section a block is in (a heading's own). For a fork: ``"?"`` (any)
    when its heading has no role the table knows and is not in Chinese (the table knows
    English and Chinese only: a French "Exercices" must still pair)."""
    if not block.seg.section:
        return None
    title = block.seg.section[-1]
    role = heading_role(title)
    if role is None and fork and not any(is_wide(ch) for ch in title):
        return "?"
    return role


@lru_cache(maxsize=4096)
def heading_role(text: str) -> str | None:
    """The role of a heading (``summary``, ``exercises``, ...), None for an ordinary one."""
    plain = " ".join(re.sub(r"[^\w\s]|\d", " ", text.lower()).split())
    for role, (english, chinese) in HEADING_ROLES.items():
        if plain in english or any(word in text for word in chinese):
            return role
    return None


@dataclass
class Pair:
    """English message(s) of the version and the fork block(s) translating them."""

    english: list[int]
    """Indexes of the English blocks (two for a merged paragraph)."""
    fork: list[int]
    """Indexes of the fork blocks (two for a split paragraph)."""
    score: float
    confident: bool
    note: str = ""
    """Why the pair is doubtful or unusable."""
    translation: str = ""
    """The fork text, joined for split paragraphs."""
    valid: bool = True
    """False: the translation fails the validator (``note`` says why); not used."""
    identical: bool = False
    """The fork block is the English text itself (not translated in the fork)."""
    deviation: float | None = None
    """How far the length ratio is from the typical one (log2, beyond chance)."""


@dataclass(frozen=True)
class Leftover:
    """A fork block that found no place."""

    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class CodeDifference:
    fork_line: int
    english_line: int | None
    """None: the fork's code cell has no counterpart in the English."""
    detail: str


@dataclass
class Alignment:
    pairs: list[Pair] = field(default_factory=list)
    leftovers: list[Leftover] = field(default_factory=list)
    code: list[CodeDifference] = field(default_factory=list)
    anchors: tuple[int, int, int] = (0, 0, 0)
    """(aligned anchors, English anchors, fork anchors)."""
    score: float = 0.0
    extra_tabs: list[str] = field(default_factory=list)
    """Framework tabs of the fork the English version lacks."""
    rejected: list[Pair] = field(default_factory=list)
    """Pairs whose translation fails the validator (``note`` says why): not translations,
    but shown to translators in the catalog as comments."""
    code_pairs: list[tuple[str, str]] = field(default_factory=list)
    """(English code, fork code) of every pair of aligned code cells."""

    def comments(self) -> dict[str, str]:
        """English code comment -> the fork's translation of it, from the comment lines in
        the same place of aligned code cells (the first found wins); computed on demand,
        for the version chosen only."""
        found: dict[str, str] = {}
        for english, fork in self.code_pairs:
            for comment, translation in pair_comments(english, fork):
                found.setdefault(comment, translation)
        return found


# ----------------------------------------------------------------------------------------------
# Anchors.


def _anchor_score(a: Anchor, b: Anchor) -> float:
    if a.kind != b.kind or a.tab != b.tab:
        return 0.0
    if a.kind in ("label", "figure"):
        return 10.0 if a.key == b.key else 0.0
    if a.kind == "tab":
        return 6.0 if a.key == b.key else 0.0
    if a.kind in ("table", "table-end"):
        return 3.0 if a.key == b.key else 1.0
    if a.kind == "math":
        if a.key == b.key:
            return 8.0
        ratio = difflib.SequenceMatcher(None, a.key, b.key, autojunk=False)
        return 4.0 if ratio.quick_ratio() >= 0.85 and ratio.ratio() >= 0.85 else 0.0
    if a.kind == "code":
        if a.key == b.key:
            return 8.0
        return 2.0 + 6.0 * (s - 0.5) / 0.5 if (s := _code_similarity(a, b)) >= 0.5 else 0.0
    return 0.0


def _code_similarity(a: Anchor, b: Anchor) -> float:
    matcher = difflib.SequenceMatcher(None, a.tokens, b.tokens, autojunk=False)
    if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
        return 0.0
    return matcher.ratio()


def _lcs(n: int, m: int, score: Callable[[int, int], float]) -> list[tuple[int, int]]:
    """Weighted longest common subsequence: the (i, j) pairs of greatest total score."""
    table = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = table[i], table[i + 1]
        for j in range(m - 1, -1, -1):
            best = max(below[j], row[j + 1])
            s = score(i, j)
            if s > 0 and below[j + 1] + s > best:
                best = below[j + 1] + s
            row[j] = best
    pairs = []
    i = j = 0
    while i < n and j < m:
        s = score(i, j)
        if s > 0 and table[i][j] == table[i + 1][j + 1] + s:
            pairs.append((i, j))
            i += 1
            j += 1
        elif table[i][j] == table[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


# ----------------------------------------------------------------------------------------------
# Messages.


def _merged(blocks: list[Block], attribute: str) -> Counter[str]:
    if len(blocks) == 1:
        return cast(Counter[str], getattr(blocks[0], attribute))
    total: Counter[str] = Counter()
    for b in blocks:
        total.update(getattr(b, attribute))
    return total


def _sizes(english: list[Block], fork: list[Block]) -> tuple[float, float]:
    """Letters of both sides, the Latin words they share (names, terms) left out."""
    words_e = _merged(english, "words")
    words_f = _merged(fork, "words")
    shared = words_e.keys() & words_f.keys()
    se = sum(b.letters for b in english) - sum(len(w) * words_e[w] for w in shared)
    sf = sum(b.letters for b in fork) - sum(len(w) * words_f[w] for w in shared)
    return float(se), float(sf)


def _evidence_score(english: list[Block], fork: list[Block], wide: bool = True
                    ) -> tuple[float, int]:
    """Score of the invariant tokens, and how many hard ones (math, roles, links) disagree.
    Latin words the English has count for a pair; in a translation written in wide (CJK)
    characters, Latin words the English lacks count against it."""
    ev_e = _merged(english, "evidence")
    ev_f = _merged(fork, "evidence")
    score = 0.0
    conflicts = 0
    for key in ev_e.keys() | ev_f.keys():
        kind = key.split(":", 1)[0]
        a, b = ev_e.get(key, 0), ev_f.get(key, 0)
        diff = abs(a - b)
        score += min(a, b) * _EVIDENCE_GAIN.get(kind, 1.0) - diff * _EVIDENCE_LOSS.get(kind, 0.5)
        if kind in _HARD:
            conflicts += diff
    words_e = _merged(english, "words")
    words_f = _merged(fork, "words")
    found = foreign = 0
    for w, n in words_f.items():
        if w in words_e:
            found += min(n, words_e[w])
        else:
            foreign += n
    score += min(4.0, 1.0 * found) - (min(4.0, 0.7 * foreign) if wide else 0.0)
    return score, conflicts


Score: TypeAlias = tuple[float, int, float | None]
"""A pair's (score, conflicts, length deviation)."""
ScoreKey: TypeAlias = tuple[tuple[str, ...], tuple[int, ...], tuple[str, ...],
                            tuple[str | None, ...]]
"""What a pair's score depends on: English texts, fork block indexes, kinds, tabs."""


@dataclass
class _Scorer:
    ratio: float
    wide: bool
    """The translation is written in wide (CJK) characters."""
    memo: dict[ScoreKey, Score] = field(default_factory=dict)
    """(English texts, fork block indexes) -> score: shared by the alignments of one fork
    page with several versions of its English page."""

    def cached(self, english: list[Block], fork: list[Block]) -> tuple[float, int, float | None]:
        key = (tuple(b.text for b in english), tuple(b.index for b in fork),
               tuple(b.kind for b in english), tuple(b.tab for b in english))
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = self.score(english, fork)
        return found

    def length(self, english: list[Block], fork: list[Block]) -> tuple[float, float | None]:
        """Length term, and |log2(ratio / typical)| beyond what chance allows for a text of
        this size (None when too short to say)."""
        se, sf = _sizes(english, fork)
        if se < 12 or sf < 3:
            return 0.0, None
        slack = 4.0 / math.sqrt(se)  # short texts vary more
        deviation = max(0.0, abs(math.log2(max(sf, 1.0) / se / self.ratio)) - slack)
        weight = min(1.0, se / 80.0) + 0.3
        return max(-8.0, weight * (2.0 - 3.5 * deviation)), deviation

    def score(self, english: list[Block], fork: list[Block]) -> tuple[float, int, float | None]:
        kinds_e = {b.kind for b in english}
        kinds_f = {b.kind for b in fork}
        if len(kinds_e) != 1 or kinds_e != kinds_f:
            return -math.inf, 0, None
        roles_f = {_section_role(b, fork=True) for b in fork}
        if "?" not in roles_f and {_section_role(b) for b in english} != roles_f:
            return -math.inf, 0, None  # "Summary" is never "练习" (Exercises), nor their text
        if {b.tab for b in english} != {b.tab for b in fork}:
            return -math.inf, 0, None
        if len(english) == 1 and len(fork) == 1 and \
                normalize(fork[0].text) == english[0].text:
            return 12.0, 0, 0.0  # untranslated in the fork: still a sure anchor
        evidence, conflicts = _evidence_score(english, fork, self.wide)
        length, deviation = self.length(english, fork)
        kind = english[0].kind
        base = 4.0 if kind.startswith("heading") else 1.0 if kind == "table-cell" else 0.0
        if self.wide and not any(is_wide(ch) for b in fork for ch in b.text):
            base -= 2.0  # not written in the translation's script
        return base + evidence + length, conflicts, deviation


def _region_pairs(english: list[Block], fork: list[Block], scorer: _Scorer) -> list[Pair]:
    """Monotone alignment of two runs of messages (moves 1-1, 2-1, 1-2, skip)."""
    n, m = len(english), len(fork)
    if not n or not m:
        return []
    memo: dict[tuple[int, int, int, int], tuple[float, int, float | None]] = {}

    def pair_score(i: int, di: int, j: int, dj: int) -> tuple[float, int, float | None]:
        key = (i, di, j, dj)
        if key not in memo:
            s = scorer.cached(english[i : i + di], fork[j : j + dj])
            if di + dj > 2:
                s = (s[0] - 1.5, s[1], s[2])
            memo[key] = s
        return memo[key]

    # a long run is searched near its diagonal only (translators add and drop little)
    band = max(BAND, int(0.25 * max(n, m)) + abs(n - m)) if n * m > BAND * BAND else n + m

    def near(i: int, j: int) -> bool:
        return abs(i * m - j * n) <= band * max(n, m)

    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    move: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            options: list[tuple[float, tuple[int, int]]] = []
            if i < n:
                options.append((best[i + 1][j], (1, 0)))
            if j < m:
                options.append((best[i][j + 1], (0, 1)))
            for di, dj in ((1, 1), (2, 1), (1, 2)):
                if i + di <= n and j + dj <= m and near(i, j):
                    s = pair_score(i, di, j, dj)[0]
                    if s > 0:
                        options.append((best[i + di][j + dj] + s, (di, dj)))
            value, step = max(options, key=lambda o: o[0])
            best[i][j] = value
            move[i][j] = step
    pairs: list[Pair] = []
    i = j = 0
    forced = False  # decided below, kind by kind, once the run is paired
    while i < n or j < m:
        step = move[i][j]
        assert step is not None
        di, dj = step
        if di and dj:
            s, conflicts, deviation = pair_score(i, di, j, dj)
            pairs.append(_judge(english[i : i + di], fork[j : j + dj], s, conflicts,
                                deviation, forced))
        i += di
        j += dj
    pairs = _orphans(english, fork, pairs, pair_score, forced)
    _doubt_headings(english, fork, pairs)
    _force_by_kind(english, fork, pairs)
    _force_between_headings(english, fork, pairs)
    return pairs


def _force_by_kind(english: list[Block], fork: list[Block], pairs: list[Pair]) -> None:
    """Blocks of one kind (the cells of a table, the items of a list, the paragraphs) that
    both sides of a run have in the same number, all paired one to one with each other in
    order, force those pairs (when their lengths fit): nothing else could pair them. A
    paragraph left out elsewhere in the run does not unsettle a table's cells."""
    first_e = english[0].index
    for kind in {b.kind for b in english}:
        ours = [p for p in pairs if english[p.english[0] - first_e].kind == kind]
        count_e = sum(1 for b in english if b.kind == kind)
        count_f = sum(1 for b in fork if b.kind == kind)
        if count_e != count_f or len(ours) != count_e or \
                any(len(p.english) != 1 or len(p.fork) != 1 for p in ours):
            continue
        for p in ours:
            if not p.confident and p.valid and p.note == "weak evidence" and \
                    (p.deviation is None or p.deviation <= RATIO_TOLERANCE * 0.75):
                p.confident, p.note = True, "forced"


def _doubt_headings(english: list[Block], fork: list[Block], pairs: list[Pair]) -> None:
    """Next to a heading one side lacks (a section the translators added or dropped), a
    heading pair is only sure when the run starts with it on both sides (right after an
    aligned anchor) or when the blocks after it are surely paired too."""
    first_e, first_f = english[0].index, fork[0].index
    paired_e = {i for p in pairs for i in p.english}
    paired_f = {j for p in pairs for j in p.fork}
    lone_e = [b.index for b in english if b.kind.startswith("heading") and
              b.index not in paired_e]
    lone_f = [b.index for b in fork if b.kind.startswith("heading") and b.index not in paired_f]
    if not lone_e and not lone_f:
        return
    heads = [p for p in pairs if len(p.english) == 1 and
             english[p.english[0] - first_e].kind.startswith("heading")]
    by_english = {p.english[0]: p for p in pairs}
    for k, pair in enumerate(heads):
        i, j = pair.english[0], pair.fork[0]
        lo_e, lo_f = (heads[k - 1].english[0], heads[k - 1].fork[0]) if k else (-1, -1)
        hi_e, hi_f = (heads[k + 1].english[0], heads[k + 1].fork[0]) if k + 1 < len(heads) \
            else (1 << 30, 1 << 30)
        if not any(lo_e < x < hi_e for x in lone_e) and not any(lo_f < x < hi_f for x in lone_f):
            continue
        if not pair.confident or (i == first_e and j == first_f):
            continue
        after = by_english.get(i + 1)
        if after is not None and after.confident and after.fork[0] == j + 1:
            continue
        pair.confident = False
        pair.note = "a heading one side lacks is near: which heading is which?"


def _force_between_headings(english: list[Block], fork: list[Block], pairs: list[Pair]) -> None:
    """Confidently paired headings split a run further: between two of them, the same
    sequence of block kinds on both sides paired off one to one forces those pairs (when
    their lengths fit)."""
    first_e, first_f = english[0].index, fork[0].index
    cuts = [(-1, -1)] + [(p.english[0] - first_e, p.fork[0] - first_f) for p in pairs
                         if p.confident and english[p.english[0] - first_e].kind
                         .startswith("heading")] + [(len(english), len(fork))]
    for (a_e, a_f), (b_e, b_f) in zip(cuts, cuts[1:], strict=False):
        run_e = english[a_e + 1 : b_e]
        run_f = fork[a_f + 1 : b_f]
        if not run_e or len(run_e) != len(run_f) or \
                [b.kind for b in run_e] != [b.kind for b in run_f]:
            continue
        inside = [p for p in pairs if a_e < p.english[0] - first_e < b_e]
        if len(inside) != len(run_e) or any(len(p.english) != 1 or len(p.fork) != 1 or
                                            p.english[0] - first_e - a_e !=
                                            p.fork[0] - first_f - a_f for p in inside):
            continue
        for p in inside:
            if not p.confident and p.valid and p.note == "weak evidence" and \
                    (p.deviation is None or p.deviation <= RATIO_TOLERANCE * 0.75):
                p.confident, p.note = True, "forced"


def _orphans(english: list[Block], fork: list[Block], pairs: list[Pair],
             pair_score: Callable[[int, int, int, int], tuple[float, int, float | None]],
             forced: bool) -> list[Pair]:
    """A message left alone next to a one-to-one pair of the same kind is most likely merged
    into that pair's fork block (an English message) or split off it (a fork block): make the
    pair a merge or split when that scores about as well, else at least doubt it."""
    first_e = english[0].index
    first_f = fork[0].index
    used_e = {i for p in pairs for i in p.english}
    used_f = {j for p in pairs for j in p.fork}
    out = list(pairs)
    for k, pair in enumerate(out):
        if len(pair.english) != 1 or len(pair.fork) != 1 or pair.identical:
            continue
        i, j = pair.english[0] - first_e, pair.fork[0] - first_f
        options = []
        for di, dj, ie, jf in ((2, 1, i, j), (2, 1, i - 1, j), (1, 2, i, j), (1, 2, i, j - 1)):
            lone = (ie + 1 if ie == i else ie) if di == 2 else (jf + 1 if jf == j else jf)
            if di == 2 and not (0 <= ie and ie + 1 < len(english)
                                and english[lone].index not in used_e):
                continue
            if dj == 2 and not (0 <= jf and jf + 1 < len(fork) and fork[lone].index not in used_f
                                and not TRANSLATOR_NOTE.match(fork[lone].text)):
                continue
            s, conflicts, deviation = pair_score(ie, di, jf, dj)
            if s > -math.inf:
                options.append((s, ie, di, jf, dj, conflicts, deviation))
        if not options:
            continue
        s, ie, di, jf, dj, conflicts, deviation = max(options)
        if s >= pair.score - 3.0 and s > 0:
            joined = _judge(english[ie : ie + di], fork[jf : jf + dj], s, conflicts, deviation,
                            forced)
            out[k] = joined
            used_e.update(joined.english)
            used_f.update(joined.fork)
        else:
            pair.confident = False
            pair.note = "a neighbouring block has no counterpart: merged or split?"
    return out


def _judge(english: list[Block], fork: list[Block], score: float, conflicts: int,
           deviation: float | None, forced: bool) -> Pair:
    pair = Pair([b.index for b in english], [b.index for b in fork], score, False,
                translation=join_translation([b.text for b in fork]), deviation=deviation)
    if len(fork) == 1 and len(english) == 1 and normalize(fork[0].text) == english[0].text:
        pair.identical = True
        pair.note = "the fork leaves it in English"
        return pair
    if len(english) > 1:
        pair.note = f"the fork merges {len(english)} paragraphs into one"
    elif len(fork) > 1:
        pair.note = f"the fork splits it into {len(fork)} paragraphs"
    elif conflicts:
        pair.note = "math, roles or links differ"
    elif deviation is not None and deviation > RATIO_TOLERANCE:
        pair.note = "unusual length"
    elif score >= CONFIDENT:
        pair.confident = True
    elif forced and (deviation is None or deviation <= RATIO_TOLERANCE * 0.75):
        pair.confident = True
        pair.note = "forced"
    else:
        pair.note = "weak evidence"
    issues = check_translation(" ".join(b.text for b in english), pair.translation,
                               table_cell=english[0].kind == "table-cell")
    if issues:
        pair.valid = False
        pair.confident = False
        pair.note = issues[0].message
    return pair


def join_translation(parts: list[str]) -> str:
    """Fork texts of a split paragraph as one translation (no space between CJK)."""
    out = ""
    for part in parts:
        part = part.strip()
        if out and not (is_wide(out[-1]) or is_wide(part[:1] or " ")):
            out += " "
        out += part
    return out


# ----------------------------------------------------------------------------------------------


def page_ratio(english: PageStructure, fork: PageStructure) -> float | None:
    """Fork size / English size over the whole page (None when too small to say)."""
    fork_blocks = [b for b in fork.blocks if b.tab is None or b.tab in english.tabs]
    se, sf = _sizes(english.blocks, fork_blocks)
    return sf / se if se >= 100 and sf > 0 else None


def align_pages(english: PageStructure, fork: PageStructure, ratio: float,
                memo: dict[ScoreKey, Score] | None = None) -> Alignment:
    """Pair the fork page's blocks with the English version's messages. ``memo`` (a dict)
    shares pair scores between alignments of the same fork page with several versions."""
    wide = ratio < 0.7
    scorer = _Scorer(ratio, wide, memo if memo is not None else {})
    result = Alignment()
    extra = sorted(set(fork.tabs) - set(english.tabs))
    extra_code = fork.frameworks - english.frameworks
    result.extra_tabs = sorted(set(extra) | extra_code)
    ea = list(english.anchors)
    fa = [a for a in fork.anchors if a.tab not in extra and not
          (a.frameworks and set(a.frameworks) <= extra_code)]
    skipped = [a for a in fork.anchors if a.kind == "code" and a.frameworks and
               set(a.frameworks) <= extra_code]
    for anchor in skipped:
        result.code.append(CodeDifference(anchor.line, None, "code cell of framework "
                                          f"{', '.join(anchor.frameworks)}, which the English "
                                          "page does not have"))
    anchor_pairs = _lcs(len(ea), len(fa), lambda i, j: _anchor_score(ea[i], fa[j]))
    result.anchors = (len(anchor_pairs), len(ea), len(fa))
    result.score = sum(_anchor_score(ea[i], fa[j]) for i, j in anchor_pairs)
    _code_report(ea, fa, anchor_pairs, result)
    bounds_e = [0] + [ea[i].start for i, _ in anchor_pairs] + [len(english.text) + 1]
    bounds_f = [0] + [fa[j].start for _, j in anchor_pairs] + [len(fork.text) + 1]
    paired_f: set[int] = set()
    for k in range(len(bounds_e) - 1):
        run_e = [b for b in english.blocks if bounds_e[k] <= b.seg.start < bounds_e[k + 1]]
        run_f = [b for b in fork.blocks if bounds_f[k] <= b.seg.start < bounds_f[k + 1]
                 and b.tab not in extra]
        for pair in _region_pairs(run_e, run_f, scorer):
            result.score += pair.score
            if pair.valid:
                result.pairs.append(pair)
                paired_f.update(pair.fork)
            else:
                line = fork.blocks[pair.fork[0]].seg.line
                result.leftovers.append(Leftover(line, pair.translation,
                                                 f"fails the validator: {pair.note}"))
                result.rejected.append(pair)
                paired_f.update(pair.fork)
    for block in fork.blocks:
        if block.index in paired_f:
            continue
        if block.tab in extra:
            reason = f"in framework tab {block.tab!r}, which the English does not have"
        else:
            reason = "no English message fits here"
        result.leftovers.append(Leftover(block.seg.line, block.text, reason))
    result.leftovers.sort(key=lambda x: x.line)
    result.code.sort(key=lambda c: c.fork_line)
    return result


def _code_report(ea: list[Anchor], fa: list[Anchor], pairs: list[tuple[int, int]],
                 result: Alignment) -> None:
    matched_f = {j: i for i, j in pairs}
    for j, anchor in enumerate(fa):
        if anchor.kind != "code":
            continue
        i = matched_f.get(j)
        if i is not None and ea[i].kind == "code":
            result.code_pairs.append((ea[i].text, anchor.text))
        if i is None:
            result.code.append(CodeDifference(anchor.line, None,
                                              "code cell not in the English version"))
        elif ea[i].key != anchor.key:
            diff = _token_diff(ea[i].tokens, anchor.tokens)
            result.code.append(CodeDifference(anchor.line, ea[i].line, diff))


def _token_diff(a: tuple[str, ...], b: tuple[str, ...]) -> str:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    parts = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        lead = min(2, i1, j1)  # a little context: which call, which argument
        old = " ".join(a[i1 - lead : i2 + 1])[:50]
        new = " ".join(b[j1 - lead : j2 + 1])[:50]
        parts.append(f"{old!r} -> {new!r}")
        if len(parts) == 3:
            break
    return "code differs beyond comments and layout: " + "; ".join(parts)
