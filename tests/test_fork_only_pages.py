"""Pages that exist only in an imported fork (issue 19): they are not the authors' text, so they
pass the sanitiser's whole-page check (markup decided on markdown-it tokens) or are refused
with the reason, and the build publishes a page of ``source/<code>/`` only once a toctree of
the edition lists it (a warning names the others)."""

from __future__ import annotations

import shutil

import pytest

from d2lbook.cli import main
from d2lbook.commands.fork_import import import_fork
from d2lbook.i18n.sanitize import page_issues
from tests.fork_book import FORK, make_book

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("msgcat") is None,
                                reason="git and GNU gettext needed")

RUN = "window.__pwned=1"
HOSTILE_PAGES = {
    "script": f"# 脚本\n\n正文。\n\n<script>{RUN}</script>\n",
    "javascript-link": f"# 链接\n\n[点此](javascript:{RUN})。\n",
    "raw-directive": f"# 原样\n\n```{{raw}} html\n<img src=x onerror=\"{RUN}\">\n```\n",
    "figure-target": f"# 图\n\n```{{figure}} ../img/zh-glossary.svg\n:target: javascript:{RUN}\n"
                     "\n图注\n```\n",
    "attributes": "# 属性\n\n{#x style=\"background:url(javascript:alert(1))\"}\n正文。\n",
    "raw-role": f"# 角色\n\n{{raw-html}}`<img src=x onerror=\"{RUN}\">`\n",
    "mathjax-href": f"# 公式\n\n$\\href{{javascript:{RUN}}}{{x}}$\n",
    "front-matter": "---\nmyst:\n  substitutions:\n    x: <img src=x onerror=alert(1)>\n---\n"
                    "# 替换\n\n{{x}}\n",
    "role-text": f"# 引用\n\n{{ref}}`<img src=x onerror=\"{RUN}\"> <sec-zh-only>`\n",
}
SAFE_PAGE = ("# 中文附录\n\n(sec-zh-only)=\n## 小节\n\n见[文档](https://example.org/docs)和 $x^2$，"
              "{ref}`本节 <sec-zh-only>`。\n\n```{note}\n提示。\n```\n")
PYPROJECT = """[tool.d2lbook]
name = "bk"
author = "A"
version = "1"

[tool.d2lbook.languages.en]
title = "Book"

[tool.d2lbook.languages.zh]
title = "书"
locale = "zh_CN"
html_lang = "zh-CN"
"""


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("forkonly")
    fork = tmp / "fork"
    shutil.copytree(FORK, fork)
    pages = fork / "source" / "en" / "extra"
    pages.mkdir()
    for name, text in {**HOSTILE_PAGES, "safe": SAFE_PAGE}.items():
        (pages / f"{name}.md").write_text(text, encoding="utf-8")
    root = tmp / "book"
    make_book(root)
    result = import_fork(fork, "zh", root=root)
    return root, result


@pytest.mark.parametrize("name", sorted(HOSTILE_PAGES))
def test_a_hostile_fork_only_page_is_refused_with_its_reason(book, name: str) -> None:
    root, result = book
    assert not (root / "source/zh/extra" / f"{name}.md").exists()
    said = [w for w in result.warnings if w.startswith(f"source/en/extra/{name}.md: ")]
    assert len(said) == 1 and "a page only in the fork, refused (not written)" in said[0]
    assert page_issues(HOSTILE_PAGES[name])


def test_the_reasons_name_the_markup(book) -> None:
    _root, result = book
    text = "\n".join(result.warnings)
    for reason in ("raw HTML (<script>", "links to other than http(s), mailto or a relative "
                   "target (link to 'javascript:", "directives that may put text into the page "
                   "unescaped or read files (raw)", ":target: javascript:", "HTML attributes",
                   "front matter beyond the notebook's keys"):
        assert reason in text, reason
    assert "\x1b" not in text


def test_a_safe_fork_only_page_is_written_but_not_built_until_listed(book) -> None:
    root, result = book
    assert (root / "source/zh/extra/safe.md").read_text(encoding="utf-8") == SAFE_PAGE
    assert any(w.startswith("source/zh/extra/safe.md: a page only in the fork; it is not built "
                            "until a table of contents of the zh edition lists it")
               for w in result.warnings)
    assert not page_issues(SAFE_PAGE)

    # The page in a book of its own that builds without kernels: English index and a chapter,
    # the imported page in its overlay.
    tiny = root.parent / "tiny"
    (tiny / "source/en/ch").mkdir(parents=True)
    (tiny / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    index = "# Book\n\n```{toctree}\nch/a\n```\n"
    (tiny / "source/en/index.md").write_text(index, encoding="utf-8")
    (tiny / "source/en/ch/a.md").write_text("# A\n\nText.\n", encoding="utf-8")
    (tiny / "source/zh/extra").mkdir(parents=True)
    shutil.copyfile(root / "source/zh/extra/safe.md", tiny / "source/zh/extra/safe.md")

    def build() -> tuple[int, str]:
        import contextlib
        import io

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--root", str(tiny), "build", "html", "--lang", "zh", "--no-execute"])
        return code, out.getvalue() + err.getvalue()

    code, output = build()
    html = tiny / "_build/zh/html"
    assert code == 0, output
    assert (html / "ch/a.html").is_file() and not (html / "extra/safe.html").exists()
    assert "source/zh/extra/safe.md: a page of the zh edition that no toctree lists: not " \
        "built; list it in a toctree to publish it" in output.replace(str(tiny) + "/", "")

    # Listed by a page of the edition (here a Chinese page replacing the English index): built.
    (tiny / "source/zh/index.md").write_text(index.replace("ch/a\n", "ch/a\nextra/safe\n"),
                                             encoding="utf-8")
    code, output = build()
    assert code == 0, output
    assert "小节" in (html / "extra/safe.html").read_text(encoding="utf-8")
    assert "no toctree lists" not in output


@pytest.mark.parametrize("kind", ["symlink", "binary"])
def test_the_fork_is_read_only_inside_its_folder_and_as_text(tmp_path, capsys, kind) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("# private\n\nkey = 42\n", encoding="utf-8")
    fork = tmp_path / "fork"
    shutil.copytree(FORK, fork)
    page = fork / "source/en/basics/leak.md"
    if kind == "symlink":
        page.symlink_to(secret)
    else:
        page.write_bytes(b"# x\n\n\x00\x01\x02")
    root = tmp_path / "book"
    make_book(root)
    assert main(["--root", str(root), "i18n", "import", str(fork), "--lang", "zh"]) == 2
    _out, err = capsys.readouterr()
    expected = (f"{page}: a symbolic link to {secret}, outside the fork's folder"
                if kind == "symlink" else f"{page}:3: a binary file (a NUL byte), not a page")
    assert expected in err and "Traceback" not in err
    assert not (root / "source/zh").exists() and not (root / "locale").exists()
