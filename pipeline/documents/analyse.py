"""A fetched document → :class:`~pipeline.types.Analysis`, like :func:`pipeline.analyse.analyse_fetch`
for pages, so the one decision table treats both alike.

Stages (each may end with a failed outcome and its reason):

1. transport — no response (timeout, reset, over ``document_max_bytes``): failed;
2. status — 304 not modified, 404/410 missing, other non-2xx failed;
3. format — by Content-Type, else by extension for ``application/octet-stream``; an HTML page at a
   document URL is an error page (failed), never a new edition;
4. bytes — the file must look like its format (``%PDF-``, a zip archive);
5. extraction — in a child process with a time and memory limit (:mod:`.limited`); encrypted,
   corrupt, truncated files and decompression bombs are failed with the reason;
6. text — each part under its heading (``[page 3]``, ``[sheet Budget]``) so a diff is located by
   page or sheet; lines normalised as page text is; a spreadsheet's sheets become its tables
   (:mod:`.sheets`), diffed cell by cell on a ``content`` event as an HTML page's are;
7. no text layer — a PDF without text is versioned by its bytes (its text names their SHA-256);
8. metadata and fingerprint — title and modification date from the document's own metadata.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from pipeline.dateparse import parse_iso_datetime
from pipeline.documents.detect import HTML_TYPES, MEDIA_TYPES, format_of_response, media_type, sniff
from pipeline.documents.limited import extract_limited
from pipeline.documents.sheets import sheet_tables_of_text
from pipeline.documents.types import DocumentError, DocumentText
from pipeline.fingerprint import body_sha256, text_sha256
from pipeline.normalize import normalize_text, normalize_title
from pipeline.status import early_outcome
from pipeline.tables import Table
from pipeline.types import Analysis, DeclaredDate, Extracted, Fetched, Outcome

Extractor = Callable[[bytes, str], DocumentText]
DATE_ORIGINS = {"pdf": "pdf-info", "docx": "core-properties", "xlsx": "core-properties",
                "odt": "odf-meta"}
NO_TEXT_NOTE = "no text layer"


def analyse_document(fetched: Fetched, *, organisation: str | None = None,
                     extractor: Extractor = extract_limited) -> Analysis:
    """Run the stages of the module docstring on one fetched document."""
    content_type = fetched.headers.get("content-type")

    def failed(reason: str, digest: str | None = None) -> Analysis:
        return Analysis(Outcome.FAILED, reason=reason, content_type=content_type, body_sha256=digest)

    # 1. transport, 2. status (as for a page)
    early = early_outcome(fetched)
    if early is not None:
        return early
    if not 200 <= (fetched.status or 0) < 300:
        return failed(f"HTTP {fetched.status}")
    if not fetched.body:
        return failed("empty body")
    digest = body_sha256(fetched.body)
    # 3. format
    looks = sniff(fetched.body)
    if media_type(content_type) in HTML_TYPES or looks == "html":
        return failed("HTML page served instead of a document", digest)
    disposition = fetched.headers.get("content-disposition")
    fmt = format_of_response(fetched.final_url or fetched.url, content_type, disposition) \
        or format_of_response(fetched.url, content_type, disposition)
    if fmt is None:
        return failed(f"not a document ({media_type(content_type) or 'no Content-Type'})", digest)
    # 4. bytes
    if fmt in ("docx", "xlsx") and looks == "ole":
        return failed(f"encrypted {fmt.upper()} (password-protected Office file)", digest)
    if (fmt == "pdf") != (looks == "pdf") or (fmt != "pdf" and looks != "zip"):
        return failed(f"corrupt {fmt.upper()} (not a {fmt.upper()} file)", digest)
    # 5. extraction
    try:
        document = extractor(fetched.body, fmt)
    except DocumentError as exc:
        return failed(str(exc), digest)
    # 6.-8.
    extracted = document_extracted(document, fetched.url, digest, organisation)
    return Analysis(Outcome.OK, extracted=extracted, body_sha256=digest,
                    content_type=MEDIA_TYPES[fmt])


def document_text(document: DocumentText) -> tuple[str, tuple[str, ...]]:
    """The normalised text (parts under bracketed headings) and the headings a diff locates by."""
    lines: list[str] = []
    headings: list[str] = []
    for section in document.sections:
        if section.heading is not None:
            heading = f"[{section.heading}]"
            lines.append(heading)
            headings.append(heading)
        for line in section.lines:
            cells = [normalize_text(cell) for cell in line.split("\t")]
            if any(cells):
                lines.append("\t".join(cells))
    return "\n".join(lines), (*headings, *(normalize_title(h) or h for h in document.headings))


def document_extracted(document: DocumentText, url: str, digest: str,
                       organisation: str | None = None) -> Extracted:
    text, headings = document_text(document)
    metadata: dict[str, object] = {"document": True, "format": document.format}
    if document.parts:
        metadata["pages" if document.format == "pdf" else "sheets"] = document.parts
    for key, value in (("author", document.author), ("created", document.created),
                       ("document_title", document.title), ("organisation", organisation)):
        if value:
            metadata[key] = value
    if not document.has_text:
        # 7. no text layer: the bytes are the version (a new scan is a new version)
        metadata["no_text_layer"] = True
        text = (f"[{NO_TEXT_NOTE}: {document.parts or 'no'} page(s) of images; "
                f"file SHA-256 {digest}]")
    title = normalize_title(document.title) or file_name(url)
    return Extracted(text=text, text_sha256=text_sha256(text), title=title, declared=_declared(document),
                     headings=headings, metadata=metadata, tables=document_tables(document, text))


def document_tables(document: DocumentText, text: str) -> tuple[Table, ...] | None:
    """A spreadsheet's sheets as tables, read from its normalised ``text`` (:mod:`.sheets`); None
    for the other formats, whose events carry no ``tables`` (a Word or ODT document's tables are
    rows of its text)."""
    if document.format != "xlsx":
        return None
    return sheet_tables_of_text(text) if document.has_text else ()


def _declared(document: DocumentText) -> DeclaredDate | None:
    origin = DATE_ORIGINS.get(document.format, "metadata")
    for literal, kind in ((document.modified, "modified"), (document.created, "published")):
        if literal:
            return DeclaredDate(text=literal, value=document_date(literal), origin=origin, kind=kind)
    return None


def document_date(literal: str) -> str | None:
    """ISO-8601 of a metadata date: PDF's ``D:YYYYMMDDHHmmSS+HH'mm'`` or an ISO-8601 value."""
    text = literal.strip()
    if text.startswith("D:") or (text[:8].isdigit() and "-" not in text[:8]):
        digits = text.removeprefix("D:")
        stamp = digits[:14].ljust(14, "0") if digits[:4].isdigit() else ""
        rest = digits[14:].replace("'", "")
        if len(stamp) == 14 and stamp.isdigit():
            iso = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:{stamp[12:14]}"
            if rest.startswith("Z") or not rest:
                return parse_iso_datetime(iso + ("Z" if rest.startswith("Z") else "")) or iso
            if rest[:1] in "+-" and rest[1:5].isdigit():
                return parse_iso_datetime(f"{iso}{rest[0]}{rest[1:3]}:{rest[3:5]}") or iso
        return None
    return parse_iso_datetime(text)


def file_name(url: str) -> str:
    """The document's file name, as a title of last resort."""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return url
    return path.rstrip("/").rsplit("/", 1)[-1] or url
