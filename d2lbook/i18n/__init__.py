"""Translation at the source level: segment English pages into messages, keep them in gettext
catalogs (``locale/<locale>/LC_MESSAGES/<page>.po``) and apply the catalogs to produce the
translated pages.

Modules: ``segment`` (the one segmenter), ``catalog`` (faithful .po/.pot reading, canonical
GNU-gettext writing), ``extract`` (templates), ``update`` (msgmerge), ``apply`` + ``validate``
(translated pages), ``coverage`` (how much of a page a catalog covers), ``status`` (pure
per-message status) + ``drift`` (gathers files and git history for it), ``status_format``
(text/JSON/Markdown), ``status_page`` (the edition's status page), ``marks`` (what a page
shows in English). Import from the modules; this package imports nothing heavy.
"""
