"""The handbook's generated reference pages: CLI, profile keys, JSON schemas.

Each page is rendered from the code that it documents (the click command tree,
:data:`labtools.profile.KEYS`, the result types) by a pure function returning
Markdown; :mod:`labtools.reference.hooks` puts them into the pages at ``mkdocs build``
time, so the reference cannot drift from the code.
"""
