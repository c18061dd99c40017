"""Which English page, and which version of it, each fork page was translated from.

Pages are matched by structure, not by path, so pages renamed or moved since the fork are
found: a fork page is compared with every version of every English page (an inverted index
over their fingerprints keeps this cheap) and each English page (all its paths across renames)
scores the best of its versions. Pages are then paired one to one, best scores first.

Within a page, several versions often fit equally well (prose edits change no structure).
A fork is copied from one commit, so the commit at which most pages' best versions were all
live (the *fork point*) settles those ties; :func:`choose_version` returns the candidates
left for the aligner to decide.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from d2lbook.layout import page_file_name

from .structure import WEIGHTS, similarity
from .versions import EnglishHistory, Version

__all__ = ["PageMatch", "match_pages", "fork_point", "fork_votes", "window", "candidates"]

TIE = 0.03
"""Versions scoring within this of the best one are structurally indistinguishable."""
MIN_SCORE = 0.25
"""Below this similarity (and without the same path) a fork page matches nothing."""
_INDEXED = {"label", "math", "code", "figure", "imath", "ref"}
RAREST = 40
"""Features of a fork page (its rarest) that look up candidate versions."""


@dataclass
class PageMatch:
    fork_page: str
    identity: str
    """The English page's identity (see :class:`EnglishHistory`)."""
    score: float
    """Structural similarity of the fork page and its best version (0..1)."""
    scores: dict[str, float] = field(default_factory=dict)
    """blob -> similarity, for the versions of this page."""
    same_path: bool = False
    margin: float = 0.0
    """How much better than the next English page it is."""


def _index(history: EnglishHistory) -> dict[str, list[tuple[str, int]]]:
    index: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for blob, features in history.features.items():
        for key, n in features.items():
            if key.split(":", 1)[0] in _INDEXED:
                index[key].append((blob, n))
    return index


def _weight(key: str) -> float:
    return WEIGHTS.get(key.split(":", 1)[0], 1.0)


def score_versions(features: Counter[str], history: EnglishHistory,
                   index: dict[str, list[tuple[str, int]]], keep: int = 200
                   ) -> dict[str, float]:
    """blob -> similarity with ``features`` for every version sharing a strong feature (the
    ``keep`` best by the indexed part are scored exactly)."""
    partial: dict[str, float] = defaultdict(float)
    keys = sorted((k for k in features if k in index), key=lambda k: len(index[k]))
    for key in keys[:RAREST]:  # the rarest features find the candidates; common ones add cost
        n = features[key]
        for blob, m in index[key]:
            partial[blob] += min(n, m) * _weight(key)
    best = sorted(partial, key=partial.__getitem__, reverse=True)[:keep]
    return {blob: similarity(features, history.features[blob]) for blob in best}


def match_pages(fork: dict[str, Counter[str]], history: EnglishHistory,
                english_now: dict[str, str]) -> tuple[dict[str, PageMatch], list[str]]:
    """fork page -> its match, and the fork pages that match nothing. ``english_now`` maps
    each English page's identity to its name today (pages deleted since are absent)."""
    index = _index(history)
    by_blob: dict[str, list[Version]] = defaultdict(list)
    by_path: dict[str, list[Version]] = defaultdict(list)
    paths_of: dict[str, set[str]] = defaultdict(set)
    for version in history.versions:
        by_blob[version.blob].append(version)
        by_path[version.path].append(version)
    for path, identity in history.lineage.items():
        paths_of[identity].add(path)
    proposals: list[PageMatch] = []
    for page, features in fork.items():
        scores = score_versions(features, history, index)
        per_identity: dict[str, dict[str, float]] = defaultdict(dict)
        for blob, s in scores.items():
            for version in by_blob[blob]:
                per_identity[history.identity(version.path)][blob] = s
        for version in by_path.get(page_file_name(page), ()):  # a candidate even without features
            per_identity[history.identity(version.path)].setdefault(
                version.blob, similarity(features, history.features[version.blob]))
        ranked = []
        for identity, blobs in per_identity.items():
            if identity not in english_now:
                continue
            best = max(blobs.values())
            lineage = paths_of.get(identity, {identity})
            same = page_file_name(page) in lineage
            bonus = 0.15 if same else (0.05 if PurePosixPath(page).name in
                                      {PurePosixPath(p).stem for p in lineage} else 0.0)
            ranked.append((best + bonus, best, identity, blobs, same))
        ranked.sort(key=lambda r: r[0], reverse=True)
        for k, (total, best, identity, blobs, same) in enumerate(ranked[:5]):
            margin = total - ranked[k + 1][0] if k + 1 < len(ranked) else total
            proposals.append(PageMatch(page, identity, best, blobs, same, margin))
    proposals.sort(key=lambda m: (m.score + (0.15 if m.same_path else 0.0), m.margin),
                   reverse=True)
    matched: dict[str, PageMatch] = {}
    taken: set[str] = set()
    for proposal in proposals:
        if proposal.fork_page in matched or proposal.identity in taken:
            continue
        if proposal.score < MIN_SCORE and not proposal.same_path:
            continue
        matched[proposal.fork_page] = proposal
        taken.add(proposal.identity)
    unmatched = [page for page in fork if page not in matched]
    return matched, unmatched


def candidates(match: PageMatch, history: EnglishHistory) -> list[Version]:
    """The page's versions that fit the fork page about as well as the best one, oldest
    first."""
    if not match.scores:
        return []
    best = max(match.scores.values())
    versions = [v for v in history.of_identity(match.identity)
                if match.scores.get(v.blob, -1.0) >= best - TIE]
    return sorted(versions, key=lambda v: v.order)


def fork_votes(matches: list[PageMatch], history: EnglishHistory) -> list[float]:
    """Per commit (order): the sum over pages of the structural similarity of the version
    live at that commit."""
    votes = [0.0] * (history.commits + 1)
    by_identity: dict[str, list[Version]] = defaultdict(list)
    for version in history.versions:
        by_identity[history.identity(version.path)].append(version)
    for match in matches:
        for version in by_identity.get(match.identity, ()):
            s = match.scores.get(version.blob)
            if s is None:
                continue
            end = history.ends.get((match.identity, version.order), history.commits)
            votes[version.order] += s  # a difference array: + at the start, - at the end
            votes[end] -= s
    running = 0.0
    for order in range(history.commits + 1):
        running += votes[order]
        votes[order] = running
    return votes[: history.commits]


def fork_point(matches: list[PageMatch], history: EnglishHistory) -> int | None:
    """The commit (order) at which the fork pages fit the English best structurally (the
    highest :func:`fork_votes`, the oldest on a tie). A fork is copied from one commit, so
    this is most likely it; :func:`window` gives the commits almost as likely."""
    if not matches or history.commits == 0:
        return None
    votes = fork_votes(matches, history)
    top = max(votes)
    return votes.index(top) if top > 0 else None


def window(matches: list[PageMatch], history: EnglishHistory, slack: float = 1.0
           ) -> list[int]:
    """The commits whose votes are within ``slack`` (about one page's worth) of the best:
    structure cannot tell them apart, the fork's text may."""
    if not matches or history.commits == 0:
        return []
    votes = fork_votes(matches, history)
    top = max(votes)
    return [order for order, v in enumerate(votes) if v >= top - slack and v > 0]
