"""profilewatch: watch, archive and cite changes to education profile pages."""

__version__ = "0.1.0"
