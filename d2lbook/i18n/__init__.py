"""Translation at the source level: segment English pages into messages, keep them in gettext
catalogs (``locale/<locale>/LC_MESSAGES/<page>.po``) and apply the catalogs to produce the
translated pages.

Modules: ``segment`` (the one segmenter), ``catalog`` (faithful .po/.pot reading, canonical
GNU-gettext writing), ``extract`` (templates), ``update`` (msgmerge), ``apply`` + ``validate``
(translated pages), ``sanitize`` (what markup a translation may carry, decided on markdown-it
tokens), ``stats`` (progress). Import from the modules; this package imports
nothing heavy.
"""
