"""Synthetic forks of real pages: every message replaced by pseudo-Chinese of a plausible
length that keeps what a translation keeps (inline math, code, roles, links, numbers, some
Latin names), then edited the way translators do (paragraphs merged, split or left out,
notes added, code comments translated and code re-wrapped), with the true pairing recorded.

It measures the aligner on page structures much larger than the hand-made fixture; it does
not replace that fixture (pseudo-Chinese has no meaning, and its length is the only signal
besides the invariant tokens).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from d2lbook.i18n.fork.align import join_translation
from d2lbook.i18n.segment import normalize, segment

_KEEP = re.compile(r"\{[\w:.+-]+\}`[^`]*`|`+[^`]*`+|\$\$.+?\$\$|\$[^$]+\$|\[[^\]]*\]\([^)]*\)"
                   r"|<[^>\s]*>|\d+(?:\.\d+)?")
_HAN = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
        "同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理"
        "起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事")


@dataclass
class SyntheticFork:
    text: str
    pairs: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    """(English message(s), fork text) for every true pair."""
    notes: int = 0
    omitted: int = 0


def pseudo(msgid: str, rng: random.Random, ratio: float = 0.3) -> str:
    """Pseudo-Chinese for ``msgid``: the kept tokens in order, CJK text between them of about
    ``ratio`` times the length of the English words."""
    out: list[str] = []
    position = 0
    scale = ratio * rng.lognormvariate(0.0, 0.2)
    for match in _KEEP.finditer(msgid):
        out.append(_han(msgid[position : match.start()], rng, scale))
        out.append(match.group(0))
        position = match.end()
    out.append(_han(msgid[position:], rng, scale))
    text = "".join(out).strip() or _han("x" * 8, rng, 1.0)
    if not re.search(r"[\u4e00-\u9fff]", text):
        text += _han("word", rng, 1.0)
    return text + "。" if text[-1] not in "。：" else text


def _han(english: str, rng: random.Random, scale: float) -> str:
    words = re.findall(r"[A-Za-z][\w'-]*", english)
    out = []
    for word in words:
        if word[0].isupper() and len(word) > 2 and rng.random() < 0.4 and word.lower() not in \
                ("the", "this", "that", "we", "in", "for", "a", "an", "it", "if", "when"):
            out.append(f" {word} ")  # a name kept in Latin script
            continue
        n = max(0, round(len(word) * scale + rng.uniform(-0.5, 0.5)))
        out.append("".join(rng.choice(_HAN) for _ in range(n)))
    return "".join(out)


def make_fork(english: str, seed: int, *, merge: float = 0.05, split: float = 0.05,
              omit: float = 0.03, note: float = 0.03) -> SyntheticFork:
    """A translated fork of the page ``english`` with its true pairing."""
    rng = random.Random(seed)
    segments = segment(english)
    replacements: list[tuple[int, int, str]] = []
    result = SyntheticFork("")
    k = 0
    while k < len(segments):
        seg = segments[k]
        zh = pseudo(seg.msgid, rng)
        nxt = segments[k + 1] if k + 1 < len(segments) else None
        roll = rng.random()
        paragraph = seg.kind == "paragraph" and not seg.indent and "\n" not in seg.msgid
        if paragraph and nxt is not None and nxt.kind == "paragraph" and not nxt.indent and \
                english[seg.end : nxt.start].strip() == "" and roll < merge:
            zh2 = pseudo(nxt.msgid, rng)
            joined = zh + zh2
            replacements.append((seg.start, nxt.end, joined))
            result.pairs.append(((seg.msgid, nxt.msgid), normalize(joined)))
            k += 2
            continue
        if paragraph and roll < merge + split and len(zh) > 20 and "。" in zh[:-1]:
            cut = zh.index("。") + 1
            first, second = zh[:cut], zh[cut:]
            if re.search(r"[\u4e00-\u9fff]", second):
                replacements.append((seg.start, seg.end, f"{first}\n\n{second}"))
                result.pairs.append(((seg.msgid,), join_translation([first, second])))
                k += 1
                continue
        if paragraph and roll < merge + split + omit:
            replacements.append((seg.start, seg.end, ""))
            result.omitted += 1
            k += 1
            continue
        placed = zh
        if paragraph and roll < merge + split + omit + note:
            placed = f"{zh}\n\n译者注：{pseudo('a remark of the translator on this point', rng)}"
            result.notes += 1
        replacements.append((seg.start, seg.end, placed))
        result.pairs.append(((seg.msgid,), normalize(zh)))
        k += 1
    text = english
    for start, end, new in sorted(replacements, reverse=True):
        text = text[:start] + new + text[end:]
    result.text = _edit_code(text, rng)
    return result


def _edit_code(text: str, rng: random.Random) -> str:
    """In code cells: translate comments (a CJK comment for every English one) and re-wrap
    some calls over several lines."""
    def comment(match: re.Match[str]) -> str:
        return f"{match.group(1)}# {_han(match.group(2), rng, 0.4) or '注释'}"

    def cell(match: re.Match[str]) -> str:
        body = re.sub(r"(?m)^([ \t]*[^#\n`]*?[ \t])# ([A-Za-z][^\n]*)$", comment,
                      match.group(2))
        body = re.sub(r"(?m)^([ \t]*\w+) = (\w+)\((\w+), (\w+)\)$",
                      lambda m: f"{m.group(1)} = {m.group(2)}(\n    {m.group(3)},\n    "
                      f"{m.group(4)})" if rng.random() < 0.5 else m.group(0), body)
        return match.group(1) + body + match.group(3)

    return re.sub(r"(?ms)^(```\{code-cell\}[^\n]*\n)(.*?)(^```[ \t]*$)", cell, text)
