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

from d2lbook.i18n.fork.align import heading_role, join_translation
from d2lbook.i18n.segment import normalize, segment

_KEEP = re.compile(r"\{[\w:.+-]+\}`[^`]*`|`+[^`]*`+|\$\$.+?\$\$|\$[^$]+\$|\[[^\]]*\]\([^)]*\)"
                   r"|<[^>\s]*>|\d+(?:\.\d+)?")
SIGMA = 0.2
"""Spread (log-normal sigma) of a paragraph's length ratio around the typical one."""
_HAN = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
        "同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理"
        "起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事")


ROLE_HEADINGS = {"summary": "小结", "exercises": "练习", "discussion": "讨论",
                 "references": "参考文献"}
"""How the Chinese fork words the headings every section ends with."""


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
    scale = ratio * rng.lognormvariate(0.0, SIGMA)
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
              omit: float = 0.03, note: float = 0.03, section: float = 0.0) -> SyntheticFork:
    """A translated fork of the page ``english`` with its true pairing."""
    rng = random.Random(seed)
    segments = segment(english)
    replacements: list[tuple[int, int, str]] = []
    result = SyntheticFork("")
    k = 0
    while k < len(segments):
        seg = segments[k]
        role = heading_role(seg.msgid) if seg.kind.startswith("heading") else None
        zh = ROLE_HEADINGS[role] if role else pseudo(seg.msgid, rng)
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
            remark = pseudo("a remark of the translator on this point", rng)
            placed = f"{zh}\n\n译者注：{remark}" if rng.random() < 0.5 else f"{zh}\n\n{remark}"
            result.notes += 1
        elif paragraph and roll < merge + split + omit + note + section:
            heading = pseudo("A Section of the Translation", rng).rstrip("。")
            body = pseudo("Text the translators wrote for their readers, with no English "
                          "counterpart at all in the book.", rng)
            placed = f"{zh}\n\n## {heading}\n\n{body}"
            result.notes += 2
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


# ----------------------------------------------------------------------------------------------
# A synthetic history: copies of real pages edited over many commits, and a fork of the middle.

_WORDS = ("model data loss gradient layer step value weight batch example feature label "
          "network training error rate result function parameter output input").split()


@dataclass
class SyntheticHistory:
    shas: list[str]
    fork_commit: int
    """Index in ``shas`` of the commit the fork was made from."""
    at_fork: dict[str, str]
    """Page path (under source/en) -> its English text at the fork commit."""
    forks: dict[str, SyntheticFork]
    """Fork page path -> the fork page with its true pairs."""


def _relabel(text: str, k: int) -> str:
    return re.sub(r"\b(sec|eq|fig|tab)-([A-Za-z0-9][A-Za-z0-9-]*)", rf"\1-\2-k{k}", text)


def _top_level(text: str) -> list[tuple[int, int]]:
    """The spans of the page's top-level fenced blocks (directives, code cells)."""
    from d2lbook.myst import blocks

    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    return [(starts[b.line - 1], starts[min(b.line + len(b.body) + 1, len(starts) - 1)])
            for b in blocks(text)]


def _edit(text: str, rng: random.Random, c: int) -> str:
    inside = _top_level(text)  # a block inserted into a directive's body would break it
    segments = [s for s in segment(text) if s.kind == "paragraph" and not s.indent
                and not any(a <= s.start < b for a, b in inside)]
    roll = rng.random()
    if not segments:
        return text + f"\n\nA closing remark number {c} on the {rng.choice(_WORDS)}.\n"
    seg = rng.choice(segments)
    if roll < 0.5:  # a prose edit: a word replaced, a clause added
        words = seg.msgid.split(" ")
        k = rng.randrange(len(words))
        if re.fullmatch(r"[a-z]+", words[k]):
            words[k] = rng.choice(_WORDS)
        new = " ".join(words).rstrip(".") + f", as step {c} shows."
        return text[: seg.start] + new + text[seg.end :]
    if roll < 0.7:  # a new paragraph
        sentence = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 30)))
        return text[: seg.end] + f"\n\nNote {c}: the {sentence}." + text[seg.end :]
    if roll < 0.8:  # a new equation
        return text[: seg.end] + f"\n\n$$\nx_{{{c}}} = {c} y.\n$$ (eq-new-{c})" + text[seg.end :]
    if roll < 0.9:  # a paragraph deleted
        return text[: seg.start] + text[seg.end :]
    return text[: seg.end] + f"\n\n```{{code-cell}} ipython3\nvalue_{c} = {c}\n```" + \
        text[seg.end :]


def make_history(dest, source, *, copies: int = 3, commits: int = 120, seed: int = 0,
                 git=None) -> SyntheticHistory:
    """An English book in ``dest`` made of ``copies`` relabelled copies of the pages under
    ``source``, edited by ``commits`` commits (prose edits, new and deleted paragraphs, new
    equations and code cells, page moves), and a synthetic fork of the middle commit."""
    from pathlib import Path

    rng = random.Random(seed)
    dest = Path(dest)
    src = dest / "source" / "en"
    pages: dict[str, str] = {}
    toc = []
    for k in range(copies):
        for path in sorted(Path(source).rglob("*.md")):
            rel = path.relative_to(source).as_posix()
            pages[f"part{k}/{rel}"] = _relabel(path.read_text(encoding="utf-8"), k)
        toc.append(f"part{k}/index")
    pages["index.md"] = "# Book\n\n```{toctree}\n" + "\n".join(toc) + "\n```\n"

    def write(snapshot: dict[str, str]) -> None:
        for old in src.rglob("*.md"):
            rel = old.relative_to(src).as_posix()
            if rel not in snapshot:
                old.unlink()
        for rel, text in snapshot.items():
            target = src / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")

    dest.mkdir(parents=True, exist_ok=True)
    git(dest, "init", "-q", "-b", "main")
    (dest / "pyproject.toml").write_text(
        '[tool.d2lbook]\nname = "synthetic"\nauthor = "A"\nversion = "0.1"\n\n'
        '[tool.d2lbook.languages.en]\ntitle = "Book"\n', encoding="utf-8")
    shas: list[str] = []
    fork_commit = commits // 2
    at_fork: dict[str, str] = {}
    for c in range(commits + 1):
        if c:
            editable = [p for p in pages if not p.endswith("index.md")]
            path = rng.choice(editable)
            if rng.random() < 0.04:  # a rename, its table of contents entry with it
                folder, _, name = path.rpartition("/")
                stem = name.removesuffix(".md")
                new_stem = f"{stem.split('--')[0]}--{c}"
                pages[f"{folder}/{new_stem}.md"] = pages.pop(path)
                toc_page = f"{folder}/index.md"
                pages[toc_page] = re.sub(rf"(?m)^{re.escape(stem)}$", new_stem,
                                         pages[toc_page])
            else:
                pages[path] = _edit(pages[path], rng, c)
        write(pages)
        git(dest, "add", "-A")
        day = f"2020-{1 + c // 28 % 12:02d}-{1 + c % 28:02d}T{c // 336 % 24:02d}:00:00+00:00"
        git(dest, "commit", "-q", "--allow-empty", "-m", f"edit {c}", date=day)
        shas.append(git(dest, "rev-parse", "HEAD"))
        if c == fork_commit:
            at_fork = dict(pages)
    forks = {path: make_fork(text, seed * 7919 + n) for n, (path, text) in
             enumerate(sorted(at_fork.items()))}
    return SyntheticHistory(shas, fork_commit, at_fork, forks)
