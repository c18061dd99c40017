"""Sphinx settings for one edition: a pure function of the configuration and the language.

The settings are written as the ``conf.py`` of the edition's Sphinx tree, so the tree can also
be built by hand with a bare ``sphinx-build`` (the benchmarks do exactly that).
"""

from __future__ import annotations

from d2lbook.config import BookConfig, Framework, Language
from d2lbook.jsondata import JSONDict
from d2lbook.layout import BookLayout

# Folders inside a Sphinx tree that are never pages (myst-nb would read their .ipynb files).
EXCLUDE = ["_build", "jupyter_execute", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]


def sphinx_settings(cfg: BookConfig, lang: Language, fw: Framework | None = None,
                    layout: BookLayout | None = None) -> JSONDict:
    """``fw``: the framework of a single-framework tree (a PDF); None for the website's tree,
    where framework cells become tabs. ``layout``: the book's (the build passes its own)."""
    layout = layout or BookLayout(cfg)
    author = lang.author or cfg.author
    stem = layout.stem(lang, (fw or cfg.default_framework).key)
    settings: JSONDict = {
        "project": lang.title,
        "author": author,
        "copyright": author,
        "version": cfg.version,
        "release": cfg.version,
        "language": lang.sphinx_lang,
        "root_doc": "index",
        "exclude_patterns": EXCLUDE,
        "extensions": [
            "myst_nb",
            "sphinxcontrib.bibtex",
            "sphinx_copybutton",
            "sphinxcontrib.rsvgconverter",
            "sphinx_design",
            "d2lbook.render.sphinx_ext",
            "d2lbook.render.latex_safe",
            "d2lbook.render.apidoc",
        ],
        # MyST: $...$ math, amsmath environments, ::: fences, definition lists, and block
        # attributes ({.d2l-outdated} marks paragraphs a translation still shows in English).
        "myst_enable_extensions": ["dollarmath", "amsmath", "colon_fence", "deflist",
                                   "attrs_block"],
        "myst_heading_anchors": 3,
        # Notebooks arrive executed: d2lbook runs them once, cached by content.
        "nb_execution_mode": "off",
        "nb_merge_streams": True,
        # Numbered figures, tables and equations: "Fig. 2.1", "(3.2)".
        "numfig": True,
        "numfig_secnum_depth": 1,
        "math_numfig": True,
        "math_eqref_format": "({number})",
        "bibtex_bibfiles": ["references.bib"],
        "bibtex_default_style": "plain",
        "bibtex_reference_style": "author_year",
        # HTML
        "html_theme": "sphinx_book_theme",
        "html_title": lang.title,
        "html_copy_source": False,
        "html_show_sourcelink": False,
        "html_last_updated_fmt": "",
        "html_theme_options": {
            "show_toc_level": 2,
            "use_download_button": False,
            "home_page_in_toc": True,
            "navigation_with_keys": False,
            # The sidebar lists the chapters and opens only the current one: the whole tree
            # in every page grows as pages² (a fifth of a second per page at 200 pages).
            "collapse_navbar": True,
            # d2lbook's partials (render/templates): switcher, downloads, Colab; discussion, edit.
            "article_header_end": ["d2l-page-tools.html", "article-header-buttons.html"],
            "article_footer_items": ["d2l-page-footer.html"],
        },
        # Read by d2lbook.render.sphinx_ext to know every edition's pages (language switcher).
        # (default_mode: the theme logs a console error when it is left empty.)
        "html_context": {"d2lbook_root": str(cfg.root), "default_mode": "light"},
        "html_baseurl": f"{cfg.urls.site.rstrip('/')}/{lang.code}/" if cfg.urls.site else "",
        "copybutton_exclude": ".linenos, .gp, .go",
        # LaTeX
        "latex_engine": lang.latex_engine,
        "latex_documents": [("index", f"{stem}.tex", lang.title, author, "manual")],
        "latex_elements": _latex_elements(lang),
        "latex_show_urls": "no",
        "latex_show_pagerefs": False,
        "latex_domain_indices": False,
        "latex_use_xindy": False,
        "suppress_warnings": ["mystnb.unknown_mime_type", "myst.header"],
        # Read by d2lbook.render.sphinx_ext.
        "d2lbook_language": lang.code,
        "d2lbook_html_lang": lang.html_language,
        # Framework tabs (sphinx_ext): [key, display name] of each framework; the framework of
        # a single-framework tree.
        "d2lbook_frameworks": [[f.key, f.name] for f in cfg.frameworks if f.key],
        "d2lbook_framework": fw.key if fw else "",
        # Read by d2lbook.render.apidoc: the #@save library autodoc documents.
        "d2lbook_library_path": str(layout.library),
    }
    return settings


def _latex_elements(lang: Language) -> dict[str, str]:
    elements = {
        "papersize": "a4paper",
        "pointsize": "11pt",
        "figure_align": "htbp",
        "sphinxsetup": "verbatimwithframe=false, VerbatimColor={rgb}{0.96,0.96,0.96}",
    }
    main, sans_font, mono_font = lang.latex_fonts
    if lang.latex_engine == "xelatex" and main:
        elements["fontpkg"] = "".join(
            f"\\set{kind}font{{{name}}}\n"
            for kind, name in (("main", main), ("sans", sans_font), ("mono", mono_font)) if name)
    serif, sans, mono = lang.cjk_fonts
    if serif and not lang.sphinx_lang.startswith("zh"):
        if lang.latex_engine != "xelatex":
            elements["preamble"] = BIBLIOGRAPHY_IN_PLACE
            return elements  # xeCJK needs xelatex: pdflatex stops at the CJK characters
        # CJK names in a book of another language (xelatex): xeCJK with the given fonts for
        # the CJK characters only; chapter names and punctuation stay the language's.
        elements["preamble"] = (
            "\\usepackage{xeCJK}\n"
            f"\\setCJKmainfont{{{serif}}}[BoldFont={sans}]\n"
            f"\\setCJKsansfont{{{sans}}}[BoldFont={sans}]\n"
            f"\\setCJKmonofont{{{mono}}}\n"
        )
    elif serif:
        # ctex (on xeCJK) with the Noto CJK fonts: bold Chinese headings, Chinese punctuation
        # and localized names (目录, 第 1 章, 图 1.1, 表 1.1). It replaces babel and fncychap.
        elements.update({
            "babel": "",
            "fontenc": "",
            "fncychap": "",
            "fontpkg": (
                "\\usepackage[UTF8,scheme=chinese,fontset=none,heading=true]{ctex}\n"
                f"\\setCJKmainfont{{{serif}}}[BoldFont={sans}]\n"
                f"\\setCJKsansfont{{{sans}}}[BoldFont={sans}]\n"
                f"\\setCJKmonofont{{{mono}}}\n"
                "\\ctexset{chapter={format=\\huge\\bfseries\\sffamily\\centering, "
                "number=\\arabic{chapter}}}\n"
            ),
            # The running header: "书名　发行版本 0.1", not an ASCII comma between them.
            "preamble": "\\renewcommand{\\sphinxheadercomma}{\\quad}\n",
        })
    elements["preamble"] = elements.get("preamble", "") + BIBLIOGRAPHY_IN_PLACE
    return elements


BIBLIOGRAPHY_IN_PLACE = (
    "% The book's bibliography page has its own heading: the list of references under it starts\n"
    "% no chapter of its own and adds no second line to the contents.\n"
    "\\renewenvironment{sphinxthebibliography}[1]"
    "{\\renewcommand{\\chapter}[2]{}\\begin{thebibliography}{#1}}{\\end{thebibliography}}\n"
)
"""LaTeX for the preamble. Sphinx's manual class opens the list of references with a chapter
heading and a contents line of its own, so the PDF's contents listed the bibliography twice
(the page's section, then an unnumbered chapter). The ``[2]`` swallows ``*`` and the title of
the ``\\chapter*{\\bibname}`` that ``thebibliography`` starts with."""


def conf_py(settings: JSONDict) -> str:
    """The settings as a ``conf.py`` (one assignment per setting, sorted)."""
    lines = ["# Generated by d2lbook from pyproject.toml [tool.d2lbook]; do not edit.", ""]
    lines += [f"{key} = {value!r}" for key, value in sorted(settings.items())]
    return "\n".join(lines) + "\n"
