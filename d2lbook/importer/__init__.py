"""Import a book written in the old d2lbook markdown dialect (``config.ini``, ``:label:``,
``:numref:``, ``:begin_tab:``, ``{.python .input}`` cells with ``#@tab``) into this layout.

Modules: ``config_ini`` (config.ini -> pyproject tables), ``blocks`` (line tokenizer),
``inline`` (roles, citations, slide marks), ``cells`` (code cells -> framework cells),
``page`` (blocks -> MyST), ``report`` (warnings at file:line, counts). The command that runs
them over a whole book is ``d2lbook.commands.import_book``.
"""
