"""Which English version each fork page was translated from: the versions worth aligning
(live at a likely fork point, or structurally nearest it), every such alignment, the commit
at which the fork's text fits the English best (the fork point), and per page the version
its text fits best, the fork point's first."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from d2lbook.i18n.fork.align import Alignment, Score, ScoreKey
from d2lbook.i18n.fork.match import PageMatch
from d2lbook.i18n.fork.structure import PageStructure
from d2lbook.i18n.fork.versions import EnglishHistory, Version

DEFAULT_RATIO = {"zh": 0.3, "ja": 0.45, "ko": 0.5}
"""Typical translation length / English length, used when the fork is too small to say."""
VERSIONS_TRIED = 3
"""Versions of a page aligned, those live at the likely fork points nearest the structural
fork point first (at most two more from its structurally equal ones)."""
NEAR_FIT = 0.1
"""A version live at a likely fork point is aligned when it fits the page structurally within
this of the best version."""
POINT_BONUS = 3.0
"""Alignment score a version gets for being live at the fork point: another version must
fit the fork's text clearly better (a paragraph it translates, numbers it keeps)."""


@dataclass
class Structures:
    """Each text's structure, read once."""

    frameworks: frozenset[str]
    """The frameworks a code cell's tags may name (the book's and the fork's)."""
    read: dict[str, PageStructure] = field(default_factory=dict)

    def __call__(self, text: str) -> PageStructure:
        from d2lbook.i18n.fork.structure import read_structure

        if text not in self.read:
            self.read[text] = read_structure(text, self.frameworks)
        return self.read[text]


@dataclass
class ForkAlignments:
    options: dict[str, list[Version]]
    """Fork page -> the English versions aligned with it."""
    alignments: dict[str, dict[str, Alignment]]
    """Fork page -> version blob -> the alignment."""
    point: int | None
    """Order of the commit the fork was most likely made at."""
    structure: Structures


def align_fork(fork: dict[str, str], matched: dict[str, PageMatch],
               groups: dict[str, list[Version]], history: EnglishHistory, lang: str,
               frameworks: frozenset[str], on_page: Callable[[int, int, str, int], None]
               ) -> ForkAlignments:
    """Align every matched fork page with its versions worth trying; ``on_page(number,
    count, page, versions)`` before each page."""
    from d2lbook.i18n.fork.align import align_pages

    structure = Structures(frameworks)
    options = versions_to_align(matched, groups, history)
    history.load([v.blob for versions in options.values() for v in versions])
    ratio = length_ratio(fork, options, history, structure, lang)
    alignments: dict[str, dict[str, Alignment]] = {}
    for number, (page, versions) in enumerate(sorted(options.items()), start=1):
        on_page(number, len(options), page, len(versions))
        memo: dict[ScoreKey, Score] = {}
        fork_struct = structure(fork[page])
        alignments[page] = {v.blob: align_pages(structure(history.texts[v.blob]), fork_struct,
                                                ratio, memo) for v in versions}
    point = fork_point(matched, options, alignments, history)
    return ForkAlignments(options, alignments, point, structure)


def length_ratio(fork: dict[str, str], options: dict[str, list[Version]],
                 history: EnglishHistory, structure: Structures, lang: str) -> float:
    """Translation length / English length over the fork's pages (their median), or the
    language's typical one."""
    from d2lbook.i18n.fork.align import page_ratio

    ratios = []
    for page, versions in options.items():
        if versions:
            r = page_ratio(structure(history.texts[versions[0].blob]), structure(fork[page]))
            if r is not None:
                ratios.append(r)
    return statistics.median(ratios) if ratios else DEFAULT_RATIO.get(lang, 1.0)


def best_version(aligned: ForkAlignments, page: str, history: EnglishHistory
                 ) -> tuple[Version, Alignment]:
    """The version the fork page's text fits best, the fork point's first."""
    point = aligned.point
    return max(((v, aligned.alignments[page][v.blob]) for v in aligned.options[page]),
               key=lambda item: (fit(item[1]) + (POINT_BONUS if point is not None and
                                                 history.live_at(item[0], point) else 0.0),
                                 -item[0].order))


def versions_to_align(matched: dict[str, PageMatch], groups: dict[str, list[Version]],
                      history: EnglishHistory) -> dict[str, list[Version]]:
    """Per fork page, the English versions worth aligning: those live at a commit that is
    structurally about as likely a fork point as the best (``match.window``) and that fit
    the page about as well as its best version, then the structurally equal versions nearest
    the structural fork point."""
    from d2lbook.i18n.fork.match import fork_point as structural_point
    from d2lbook.i18n.fork.match import window

    point = structural_point(list(matched.values()), history)
    likely = window(list(matched.values()), history)
    options: dict[str, list[Version]] = {}
    for page, match in matched.items():
        best = max(match.scores.values(), default=0.0)
        pool = []
        for version in history.of_identity(match.identity):
            if match.scores.get(version.blob, -1.0) < best - NEAR_FIT:
                continue
            if any(history.live_at(version, order) for order in likely):
                pool.append(version)
        pool.sort(key=lambda v: _nearness(v, point, history))
        near = sorted(groups[page], key=lambda v: _nearness(v, point, history))
        chosen = list(dict.fromkeys(pool[:VERSIONS_TRIED] + near))
        options[page] = chosen[: VERSIONS_TRIED + 2]
    return options


def _nearness(version: Version, point: int | None, history: EnglishHistory
              ) -> tuple[int, int]:
    """How far the version's live span is from the structural fork point (then its age)."""
    if point is None:
        return (0, version.order)
    end = history.ends.get((history.identity(version.path), version.order), history.commits)
    if version.order <= point < end:
        return (0, version.order)
    return (min(abs(version.order - point), abs(end - 1 - point)), version.order)


def fit(aligned: Alignment) -> float:
    """How well a fork page fits an English version: what its sure pairs score, doubtful
    ones counting little (a block the version has and the fork lacks can always be paired
    with something weakly; only sure pairs tell versions apart)."""
    return sum(p.score if p.confident else 0.25 * p.score for p in aligned.pairs)


def fork_point(matched: dict[str, PageMatch], options: dict[str, list[Version]],
               alignments: dict[str, dict[str, Alignment]], history: EnglishHistory
               ) -> int | None:
    """The commit at which the fork's text fits the English best: among the structurally
    likely commits, the one maximizing the sum over pages of the alignment score of the
    version live there (a page with none of its aligned versions live there counts its
    worst); the oldest on a tie."""
    from d2lbook.i18n.fork.match import window

    likely = window(list(matched.values()), history)
    best, top = None, -float("inf")
    for order in likely:
        total = 0.0
        for page, versions in options.items():
            scores = {v.blob: fit(alignments[page][v.blob]) for v in versions}
            live = [scores[v.blob] for v in versions if history.live_at(v, order)]
            total += max(live) if live else min(scores.values(), default=0.0)
        if total > top + 1e-6:
            best, top = order, total
    return best
