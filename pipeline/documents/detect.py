"""Which links and responses are documents, and of which format.

A response is a document of a format when its Content-Type says so; when the server says only
``application/octet-stream`` (or nothing), the URL's extension decides. The bytes must then agree
(``%PDF-`` for PDF, a zip archive for the Office formats): a PDF URL answering with an HTML page is
an error page, not a new edition.
"""

from __future__ import annotations

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
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


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


def format_of_response(url: str, content_type: str | None) -> str | None:
    """The format a response declares (by Content-Type, else by extension for generic types)."""
    media = media_type(content_type)
    if media in FORMAT_OF_MEDIA_TYPE:
        return FORMAT_OF_MEDIA_TYPE[media]
    if media in GENERIC_TYPES:
        return format_of_url(url)
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
