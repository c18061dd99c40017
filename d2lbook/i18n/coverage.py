"""How much of a page its catalog covers: message and word counts (``d2lbook i18n stats``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .catalog import Catalog
from .comments import CONTEXT as COMMENT
from .comments import code_comments
from .segment import segment
from .status import Status, count_messages

__all__ = ["Coverage", "page_coverage", "word_count"]

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_MARKUP = re.compile(r"\{[\w:.+-]+\}`[^`]*`|`[^`]*`|\$\$.+?\$\$|\$[^$]+\$|\]\([^)]*\)")


def word_count(msgid: str) -> int:
    """English words of a message, not counting roles, code, math and link targets."""
    return len(_WORD.findall(_MARKUP.sub(" ", msgid)))


@dataclass(frozen=True)
class Coverage:
    """Counts over a page's distinct messages (like ``msgfmt --statistics``)."""

    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    translated_words: int = 0
    fuzzy_words: int = 0
    untranslated_words: int = 0
    comments: int = 0
    """Distinct code comments of the page (messages in the context ``code comment``)."""
    comments_translated: int = 0
    """Of those, the ones with a (non-fuzzy) translation."""
    rejected: int = 0
    """Messages whose translation the build refuses (they show the English): counted apart,
    not in ``translated`` or ``fuzzy``."""
    rejected_words: int = 0

    @property
    def messages(self) -> int:
        return self.translated + self.fuzzy + self.untranslated + self.rejected

    @property
    def words(self) -> int:
        return (self.translated_words + self.fuzzy_words + self.untranslated_words
                + self.rejected_words)

    @property
    def percent(self) -> float:
        """Share of English words translated (fuzzy ones not counted), 0-100."""
        return 100.0 * self.translated_words / self.words if self.words else 100.0

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(self.translated + other.translated, self.fuzzy + other.fuzzy,
                     self.untranslated + other.untranslated,
                     self.translated_words + other.translated_words,
                     self.fuzzy_words + other.fuzzy_words,
                     self.untranslated_words + other.untranslated_words,
                     self.comments + other.comments,
                     self.comments_translated + other.comments_translated,
                     self.rejected + other.rejected, self.rejected_words + other.rejected_words)


def page_coverage(text: str, catalog: Catalog | None, *, use_fuzzy: bool = True) -> Coverage:
    """How much of the page's English ``catalog`` translates. A translation the build
    refuses (:mod:`d2lbook.i18n.rejected`; fuzzy ones are tried when ``use_fuzzy``, as the
    build does for a language showing outdated translations) counts as rejected."""
    from .rejected import rejected_messages

    done = catalog.translations(fuzzy=False) if catalog else {}
    rough = catalog.translations(fuzzy=True) if catalog else {}
    states = {seg.msgid: Status.CURRENT if seg.msgid in done else
              Status.OUTDATED if seg.msgid in rough else Status.UNTRANSLATED
              for seg in segment(text)}
    segments = segment(text)
    for index in rejected_messages(text, catalog, use_fuzzy=use_fuzzy):
        states[segments[index].msgid] = Status.REJECTED
    counted = count_messages(states.items())  # the count status and the site page use
    words = dict.fromkeys(Status, 0)
    for msgid, state in states.items():
        words[state] += word_count(msgid)
    counts = {"translated": [counted[Status.CURRENT], words[Status.CURRENT]],
              "fuzzy": [counted[Status.OUTDATED], words[Status.OUTDATED]],
              "untranslated": [counted[Status.UNTRANSLATED], words[Status.UNTRANSLATED]]}
    comments = set(c.msgid for c in code_comments(text))
    done_comments = catalog.translations(context=COMMENT) if catalog else {}
    return Coverage(counts["translated"][0], counts["fuzzy"][0], counts["untranslated"][0],
                    counts["translated"][1], counts["fuzzy"][1], counts["untranslated"][1],
                    len(comments), len(comments & set(done_comments)),
                    counted[Status.REJECTED], words[Status.REJECTED])
