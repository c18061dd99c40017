"""Sphinx extension: references inside captions and titles are plain text in LaTeX.

A caption or title is a moving argument in LaTeX (it goes to the list of figures, the table of
contents, the PDF bookmarks): a hyperlink there, such as the one a citation becomes
(``{cite:t}`key``` -> ``\\hyperlink{cite....}{1922}``), stops the build (``Argument of
\\Hy@tempa has an extra }`` with pdflatex, ``Undefined control sequence`` with xelatex). For the
LaTeX builder only, the references resolved inside a caption or a title keep their text and lose
their link; the website keeps its links.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

_LINK_OPEN = re.compile(r"\\hyperlink\{[^{}]*\}\{")
_MOVING = (nodes.caption, nodes.title, nodes.subtitle, nodes.rubric)


def _is_raw_latex(node: nodes.Node) -> bool:
    """LaTeX written as is: docutils' raw nodes, sphinxcontrib-bibtex's ``raw_latex``."""
    if isinstance(node, nodes.raw):
        return cast(str, node.get("format")) == "latex"
    return type(node).__name__ == "raw_latex"


class UnlinkMovingArguments(SphinxPostTransform):
    builders = ("latex",)
    # After Sphinx resolves cross-references and sphinxcontrib-bibtex its citations.
    default_priority = 900

    def run(self, **kwargs: object) -> None:
        for holder in list(self.document.findall(lambda n: isinstance(n, _MOVING))):
            for ref in list(holder.findall(nodes.reference)):
                ref.replace_self(nodes.inline("", "", *ref.children))
            # sphinxcontrib-bibtex writes a citation's link for LaTeX as two raw pieces around
            # its text: `\hyperlink{cite.page:id}{` ... `}`; both go, the text stays.
            open_links = 0
            for raw in list(holder.findall(_is_raw_latex)):
                text = cast(nodes.Element, raw).rawsource  # a raw node (_is_raw_latex)
                if _LINK_OPEN.fullmatch(text):
                    open_links += 1
                    raw.parent.remove(raw)
                elif text == "}" and open_links:
                    open_links -= 1
                    raw.parent.remove(raw)


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_post_transform(UnlinkMovingArguments)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
