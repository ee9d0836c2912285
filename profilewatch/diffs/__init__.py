"""Diffs shown to people and programs, one module per output: :mod:`.export` (a diff of two
versions as JSON or a standalone HTML page: the ``diff`` command and the API), :mod:`.sidebyside`
(the web UI's side-by-side rows) and :mod:`.passages` (a report's changed passages). The diff
itself is computed once, in :mod:`pipeline.diff`."""
