"""Diffs shown to people and programs, one module per output: :mod:`.export` (a diff of two
versions as JSON or a standalone HTML page: the ``diff`` command and the API), :mod:`.sidebyside`
(the web UI's side-by-side rows), :mod:`.tables` (the web UI's changed tables, cells marked) and
:mod:`.passages` (a report's changed passages and table cells). The diff
itself is computed once, in :mod:`pipeline.diff`."""
