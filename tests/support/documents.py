"""Realistic documents generated for tests: multi-page PDF reports (reportlab, metadata written with
pypdf), Word files with headings and tables (python-docx), workbooks of several sheets (openpyxl),
OpenDocument texts (odfpy), and the hostile ones (encrypted, truncated, image-only, zip bombs)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime

REPORT_PAGES = (
    ["Situation Analysis of Children in Azerbaijan", "Executive summary",
     "Enrolment in pre-primary education reached 41 per cent in 2023.",
     "Inclusive education remains limited to 12 pilot schools."],
    ["Chapter 2. Inclusive education",
     "The 2019 law guarantees every child the right to attend a mainstream school.",
     "Teachers trained in inclusive methods: 1,250."],
    ["Chapter 3. Recommendations",
     "Expand the pilot to all districts by 2027.",
     "Publish disaggregated data on children with disabilities."],
)


def pdf_date(moment: datetime) -> str:
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'")


def make_pdf(pages: Sequence[Sequence[str]] = REPORT_PAGES, *, title: str | None = "Situation Analysis",
             modified: datetime | None = datetime(2024, 3, 1, 9, 30), author: str = "UNICEF",
             compress: bool = True, password: str | None = None) -> bytes:
    """A text PDF: one list of lines per page; Info title and dates as given."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    raw = io.BytesIO()
    c = canvas.Canvas(raw, pagesize=A4, invariant=1, pageCompression=1 if compress else 0)
    for lines in pages:
        y = 780
        for line in lines:
            c.setFont("Helvetica", 11)
            c.drawString(60, y, line)
            y -= 18
        c.showPage()
    c.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw.getvalue())))
    info: dict[str, str] = {"/Author": author, "/Producer": "test"}
    if title is not None:
        info["/Title"] = title
    if modified is not None:
        info["/ModDate"] = pdf_date(modified)
        info["/CreationDate"] = pdf_date(datetime(2024, 1, 15, 8, 0))
    writer.metadata = None
    writer.add_metadata(info)
    if not compress:
        for page in writer.pages:
            page.compress_content_streams(level=1)
    if password is not None:
        writer.encrypt(user_password=password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_image_pdf(pages: int = 2) -> bytes:
    """A scan: pages of drawn shapes, no text layer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    raw = io.BytesIO()
    c = canvas.Canvas(raw, pagesize=A4, invariant=1)
    for n in range(pages):
        c.rect(50 + n * 10, 300, 400, 300, fill=1)
        c.showPage()
    c.save()
    return raw.getvalue()


def make_docx(paragraphs: Sequence[str] = ("Country programme document", "Context",
                                            "Net enrolment is 96 per cent."),
              table: Sequence[Sequence[str]] = (("Indicator", "2022", "2023"),
                                                ("Out-of-school children", "12,400", "9,800")),
              *, title: str = "Country programme", modified: datetime = datetime(2024, 2, 1)) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(paragraphs[0], level=1)
    for text in paragraphs[1:]:
        if len(text) < 20:
            document.add_heading(text, level=2)
        else:
            document.add_paragraph(text)
    grid = document.add_table(rows=len(table), cols=len(table[0]))
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            grid.cell(r, c).text = value
    document.core_properties.title = title
    document.core_properties.author = "UNDP"
    document.core_properties.modified = modified
    document.core_properties.created = datetime(2024, 1, 1)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_xlsx(sheets: dict[str, Sequence[Sequence[object]]] | None = None, *,
              title: str = "Education data", modified: datetime = datetime(2024, 4, 2)) -> bytes:
    import openpyxl

    sheets = sheets or {
        "Enrolment": [("Region", "2022", "2023"), ("North", 1200, 1300), ("South", 900, 950)],
        "Budget": [("Item", "USD"), ("Teachers", 500000), ("Books", 75000.5)],
    }
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    book.properties.title = title
    book.properties.creator = "UNESCO"
    book.properties.created = datetime(2024, 1, 1)
    out = io.BytesIO()
    book.save(out)
    return _set_core_modified(out.getvalue(), modified)


def _set_core_modified(body: bytes, modified: datetime) -> bytes:
    """openpyxl stamps ``modified`` with the time of saving: write the wanted date back."""
    import re

    out = io.BytesIO()
    stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(body)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp + rb"\g<2>", data)
            dst.writestr(info, data)
    return out.getvalue()


def make_odt(paragraphs: Sequence[str] = ("Education sector plan", "The plan covers 2024-2028."),
             *, title: str = "Sector plan", date: str = "2024-05-06T10:00:00") -> bytes:
    from odf import dc, table, text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.text.addElement(text.H(outlinelevel=1, text=paragraphs[0]))
    for line in paragraphs[1:]:
        document.text.addElement(text.P(text=line))
    grid = table.Table(name="Targets")
    for row_values in (("Target", "2028"), ("Completion rate", "95%")):
        row = table.TableRow()
        for value in row_values:
            cell = table.TableCell()
            cell.addElement(text.P(text=value))
            row.addElement(cell)
        grid.addElement(row)
    document.text.addElement(grid)
    document.meta.addElement(dc.Title(text=title))
    document.meta.addElement(dc.Date(text=date))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def resave_zip(body: bytes, level: int = 1) -> bytes:
    """The same members written again with another compression level: new bytes, same content."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(body)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    return out.getvalue()


def zip_bomb_docx(size: int = 600 * 1024 * 1024) -> bytes:
    """A DOCX whose document.xml inflates to ``size`` bytes of spaces (a ~0.6 MB download)."""
    base = make_docx()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename == "word/document.xml":
                with dst.open("word/document.xml", "w", force_zip64=True) as member:
                    block = b" " * (1024 * 1024)
                    for _ in range(size // len(block)):
                        member.write(block)
            else:
                dst.writestr(info.filename, src.read(info.filename))
    return out.getvalue()


def lying_zip(body: bytes, member: str, declared: int) -> bytes:
    """``body`` with ``member``'s declared (central directory) size forged down to ``declared``."""
    data = bytearray(body)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        info = archive.getinfo(member)
        real = info.file_size
    name = member.encode()
    # central directory entry: signature, ..., uncompressed size at offset 24, name at 46
    start = 0
    while (at := data.find(b"PK\x01\x02", start)) != -1:
        if data[at + 46: at + 46 + len(name)] == name:
            data[at + 24: at + 28] = declared.to_bytes(4, "little")
        start = at + 4
    # local header: uncompressed size at offset 22, name at 30
    start = 0
    while (at := data.find(b"PK\x03\x04", start)) != -1:
        if data[at + 30: at + 30 + len(name)] == name:
            data[at + 22: at + 26] = declared.to_bytes(4, "little")
        start = at + 4
    assert real > declared
    return bytes(data)
