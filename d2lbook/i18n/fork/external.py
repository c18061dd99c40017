"""The English history of another repository (``i18n import --english-history``): each of
its page identities mapped to the English page of today it became, by structure."""

from __future__ import annotations

from d2lbook.i18n.fork.versions import EnglishHistory, Version
from d2lbook.layout import page_file_name


def map_external(history: EnglishHistory, english: dict[str, str]) -> dict[str, str]:
    """identity in another repository's history -> the English page today, by structure of
    the identity's latest version (and the same path)."""
    from d2lbook.i18n.fork.structure import features_of, similarity

    latest: dict[str, Version] = {}
    for version in history.versions:
        latest[history.identity(version.path)] = version
    now = {name: features_of(text) for name, text in english.items()}
    proposals = []
    for identity, version in latest.items():
        feats = history.features[version.blob]
        for name, features in now.items():
            same = page_file_name(name) == version.path
            s = similarity(feats, features) + (0.2 if same else 0.0)
            if s >= 0.3:
                proposals.append((s, identity, name))
    proposals.sort(reverse=True)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for _s, identity, name in proposals:
        if identity not in mapping and name not in used:
            mapping[identity] = name
            used.add(name)
    return mapping
