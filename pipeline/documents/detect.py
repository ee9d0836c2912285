"""Which links and responses are documents, and of which format.

A response is a document of a format when its Content-Type says so; when the server says only
``application/octet-stream`` (or nothing), the URL's extension decides. The bytes must then agree
(``%PDF-`` for PDF, a zip archive for the Office formats): a PDF URL answering with an HTML page is
an error page, not a new edition.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
}
FORMAT_OF_MEDIA_TYPE = {media: fmt for fmt, media in MEDIA_TYPES.items()} | {
    "application/x-pdf": "pdf",
    "application/acrobat": "pdf",
}
EXTENSIONS = {f".{fmt}": fmt for fmt in MEDIA_TYPES}
# What servers send for a file they do not know the type of.
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream",
                           "application/download", "application/force-download",
                           "application/x-download", "application/zip"})
# Older types servers still send for the new formats (the URL or file name then decides, and the
# bytes must agree).
LEGACY_TYPES = frozenset({"application/msword", "application/vnd.ms-excel", "application/vnd.ms-word",
                          "application/x-msexcel", "application/x-excel", "application/excel",
                          "application/vnd.ms-office", "application/x-zip-compressed",
                          "application/vnd.oasis.opendocument", "application/x-vnd.oasis.opendocument.text"})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FILENAME_RE = re.compile(r"filename\*?=([^;]+)", re.I)


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def format_of_url(url: str) -> str | None:
    """The document format the URL's path names by its extension, if any."""
    try:
        path = unquote(urlsplit(url).path).lower()
    except ValueError:
        return None
    for extension, fmt in EXTENSIONS.items():
        if path.endswith(extension):
            return fmt
    return None


def format_of_response(url: str, content_type: str | None,
                       disposition: str | None = None) -> str | None:
    """The format a response declares: by Content-Type, else — for a generic or legacy type — by
    the file name of ``Content-Disposition`` or the URL's extension."""
    media = media_type(content_type)
    if media in FORMAT_OF_MEDIA_TYPE:
        return FORMAT_OF_MEDIA_TYPE[media]
    if media in GENERIC_TYPES or media in LEGACY_TYPES:
        return format_of_filename(disposition) or format_of_url(url)
    return None


def format_of_filename(disposition: str | None) -> str | None:
    """The format ``Content-Disposition: attachment; filename="report.pdf"`` names, if any."""
    if not disposition:
        return None
    match = FILENAME_RE.search(disposition)
    if match is None:
        return None
    name = unquote(match.group(1).strip().strip('"').split("''")[-1]).lower()
    for extension, fmt in EXTENSIONS.items():
        if name.endswith(extension):
            return fmt
    return None


# An OLE compound file: what Office writes a password-protected DOCX/XLSX as (the zip encrypted
# inside a container), and the legacy .doc/.xls formats.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(body: bytes) -> str | None:
    """What the bytes look like: ``pdf``, ``zip``, ``ole``, ``html`` or None."""
    head = body[:1024].lstrip()
    if body[:1024].find(b"%PDF-") != -1:
        return "pdf"
    if body[:4] == b"PK\x03\x04":
        return "zip"
    if body[:8] == OLE_SIGNATURE:
        return "ole"
    lowered = head[:256].lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<!--")):
        return "html"
    return None
