"""A build's per-page work, remembered on disk (``memo``): a page read as a notebook, its split
into one notebook per framework, and the ``#@save`` library gathered from the pages. Each is
named by the digest of its inputs and of the toolchain (all of d2lbook's code, the installed
packages), so a fresh process pays only for hashing what did not change."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from d2lbook.config import Framework
from d2lbook.frameworks import PageRun, page_runs
from d2lbook.jsondata import JSONDict, Notebook
from d2lbook.layout import BookLayout
from d2lbook.library import SAVE, NumberingItem, Saved
from d2lbook.memo import PageMemo
from d2lbook.notebook import page_notebook
from d2lbook.source import Page


class PageWork:
    """The build's readers of a page, each remembered in ``layout.page_memo``."""

    def __init__(self, layout: BookLayout) -> None:
        from d2lbook.render.uptodate import code_digest, toolchain_digest

        self.layout = layout
        self.memo = PageMemo(layout.page_memo,
                             toolchain_digest(layout.environments_memo) + code_digest())
        self._lines: dict[str, list[int]] = {}
        self._saved_by_page: dict[tuple[str, ...], dict[str, JSONDict]] = {}

    def notebook(self, page: Page, kernel: str) -> Notebook:
        """The page as a notebook (``notebook.page_notebook``), remembered by its text."""
        return self.memo.remember("notebook", (kernel, page.text),
                                  lambda: page_notebook(page, kernel))

    def cell_lines(self, text: str) -> list[int]:
        """``source.code_cell_lines`` of a page's text (the same English text serves every
        edition and framework), remembered by the text."""
        from d2lbook.source import code_cell_lines

        if text not in self._lines:
            self._lines[text] = self.memo.remember("cell-lines", (text,),
                                                   lambda: code_cell_lines(text))
        return self._lines[text]

    def runs(self, nb: Notebook) -> list[PageRun]:
        """The page's notebook split into one notebook per framework it runs in
        (``frameworks.page_runs``; the default framework's alone for a page of none),
        remembered by the notebook and the frameworks."""
        cfg = self.layout.cfg
        by_key = {fw.key: fw for fw in cfg.frameworks}
        made = self.memo.remember("runs", (repr(cfg.frameworks), json.dumps(nb, sort_keys=True)),
                                  lambda: [(run.framework.key, run.notebook)
                                           for run in page_runs(nb, cfg)])
        return [PageRun(by_key[key], run) for key, run in made] or \
            [PageRun(cfg.default_framework, nb)]

    def library_files(self, english: dict[str, str]) -> dict[Path, str]:
        """``library.library_files`` of the English pages (only the latest is kept),
        remembered by what it reads of them: each page's title, ``numbering_outline`` and
        saved code for every framework (``library_parts``); and by the configuration and the
        frameworks' hand-written heads. A prose edit changes none of them."""
        from d2lbook.library import library_files

        cfg, folder = self.layout.cfg, self.layout.library
        heads = [(cfg.root / fw.library_head).read_bytes()
                 if fw.library_head and (cfg.root / fw.library_head).is_file() else None
                 for fw in cfg.frameworks]
        pages = [Page(name, self.layout.source_page(name), text)
                 for name, text in english.items()]
        parts = self.library_parts(pages)

        def make() -> dict[str, str]:
            made = library_files(cfg, dest=folder, pages=pages, saved=self._saved,
                                 numbering=lambda name: self._numbering(parts, name))
            return {str(path): text for path, text in made.items()}

        digests = [[p.name, str(p.path), _digest(parts[p.name])] for p in pages]
        made = self.memo.remember("library", (repr(cfg), str(folder), json.dumps(digests),
                                              *heads), make, slot="latest")
        return {Path(path): text for path, text in made.items()}

    def library_parts(self, pages: list[Page]) -> dict[str, JSONDict]:
        """Page name -> what the library reads of the page (its title, numbering outline and
        saved code's digest), remembered by the page's text, all pages in one entry (the
        latest)."""
        from d2lbook.library import numbering_outline, page_title

        frameworks = repr(self.layout.cfg.frameworks)
        kept = self.memo.get("library-parts", (frameworks,), slot="latest")
        known: dict[str, JSONDict] = kept if isinstance(kept, dict) else {}
        parts, fresh = {}, {}
        for page in pages:
            key = _digest([page.name, str(page.path), page.text])
            part = known.get(key)
            if part is None:
                saved = self._saved_all(page, self.layout.cfg.frameworks, None) \
                    if SAVE in page.text else {}
                part = {"title": page_title(page.text),
                        "numbering": numbering_outline(page.text), "saved": _digest(saved)}
            parts[page.name] = fresh[key] = part
        if fresh.keys() != known.keys():
            self.memo.put("library-parts", (frameworks,), fresh, slot="latest")
        return parts

    def _numbering(self, parts: dict[str, JSONDict], name: str) -> list[NumberingItem]:
        from d2lbook.library import numbering_outline

        if name in parts:
            return [(level, block) for level, block in parts[name]["numbering"]]
        path = self.layout.source_page(name)  # not an English page: as section_numbers reads it
        return numbering_outline(path.read_text(encoding="utf-8") if path.is_file() else "")

    def _saved(self, page: Page, fw: Framework, frameworks: tuple[Framework, ...],
               nb: Notebook | None, warnings: list[str]) -> list[Saved]:
        """``library.saved_code``: one page's for every framework at once, remembered by the
        page and the frameworks (one entry a page, read once a build)."""
        if SAVE not in page.text:
            return []
        made = self._saved_all(page, frameworks, nb)[repr(fw)]
        warnings += made["warnings"]
        return [Saved(name, Path(path), line, code) for name, path, line, code in made["saved"]]

    def _saved_all(self, page: Page, frameworks: tuple[Framework, ...],
                   nb: Notebook | None) -> dict[str, JSONDict]:
        """Framework repr -> the page's saved pieces and warnings (``library.saved_code``)."""
        from d2lbook.library import saved_code

        key = (repr(frameworks), page.name, str(page.path), page.text)
        if key not in self._saved_by_page:
            kernel = self.layout.cfg.default_framework.kernel  # the library reads cells only

            def find() -> dict[str, JSONDict]:
                found: dict[str, JSONDict] = {}
                notebook = nb or self.notebook(page, kernel)
                for each in (f for f in frameworks if f.library):
                    said: list[str] = []
                    code = saved_code(page, each, frameworks, notebook, said)
                    found[repr(each)] = {
                        "saved": [[s.page, str(s.path), s.line, s.code] for s in code],
                        "warnings": said}
                return found

            self._saved_by_page[key] = self.memo.remember("saved", key, find)
        return self._saved_by_page[key]


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()
