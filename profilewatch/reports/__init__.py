"""Change reports: one model (``model.py``) built from the store (``build.py``), rendered as text,
Markdown, HTML and JSON (``render_*.py``, registry in ``formats.py``), an Atom feed (``atom.py``),
and delivered through Apprise URLs (``targets.py``, ``deliver.py``) after each run (``digest.py``).
"""
