"""``profilewatch serve``: Memento TimeGate/TimeMap/mementos, the JSON API and the web UI.

Modules: :mod:`.app` (the ASGI app and error handling), :mod:`.security` (headers, ETags),
:mod:`.archive` (read-only lookups shared by all), :mod:`.memento`, :mod:`.replay` (safe archived
HTML), :mod:`.api` and :mod:`.openapi`, :mod:`.ui` (HTML pages; their side-by-side diffs:
:mod:`profilewatch.diffs.sidebyside`).
"""
