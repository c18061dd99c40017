"""Bring a translated fork home: turn a translated copy of the book into gettext catalogs.

A fork is the book's sources copied at some past commit and translated in place. For each
fork page this package finds the English page it was translated from (``match``), the version
of that page in git history (``versions``), pairs the fork's blocks with that version's
messages (``align``), carries the pairs over to today's English and writes catalogs
(``synth``), and says what happened (``report``). ``structure`` reads what translation does not
change (labels, equations, code, figures, tables, framework tabs) and the invariant tokens of
each message; ``language`` writes the language table. Forks and histories in the old d2lbook
dialect are converted by ``d2lbook.commands.fork_dialect`` (the importer hook) before they
get here.

The orchestration is :func:`d2lbook.commands.fork_import.import_fork`.
"""
