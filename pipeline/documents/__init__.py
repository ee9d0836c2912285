"""Linked documents (PDF, DOCX, XLSX, ODT): detection, safe extraction and analysis.

- :mod:`.detect` — which links and responses are documents, and of which format;
- :mod:`.links` — the document links of a watched page (navigation, header and footer left out);
- :mod:`.pdf`, :mod:`.docx`, :mod:`.xlsx`, :mod:`.odt` — one extractor per format;
- :mod:`.zipguard` — decompression-bomb checks for the zip-based formats;
- :mod:`.extract` — the dispatcher: bytes and format → :class:`~.types.DocumentText`;
- :mod:`.limited` and :mod:`.child` — extraction in a child process with a time and memory limit;
- :mod:`.analyse` — a fetched document → :class:`~pipeline.types.Analysis` (as pages get).

No Scrapy, no database.
"""
