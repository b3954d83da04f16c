"""Real papers to upload: made with the same libraries people's tools write, and spoiled in the
ways uploads go wrong."""

import io
import zipfile

import docx
import openpyxl
import pypdf


def pdf(pages: int = 2) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("a-password")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_javascript() -> bytes:
    """A PDF that runs a script when opened (its /OpenAction is JavaScript)."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hello');"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def malformed_pdf() -> bytes:
    """Begins as a PDF; the rest is not one."""
    return b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer garbage"


def word(paragraphs: int = 3) -> bytes:
    document = docx.Document()
    for n in range(paragraphs):
        document.add_paragraph(f"Paragraph {n + 1}.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def workbook(sheets: int = 2) -> bytes:
    book = openpyxl.Workbook()
    for n in range(sheets - 1):
        book.create_sheet(f"Sheet {n + 2}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_macros(package: bytes, part: str = "xl/vbaProject.bin") -> bytes:
    """The same workbook with a VBA project inside: what a macro-enabled workbook carries."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            target.writestr(info, data)
        target.writestr(part, b"\xd0\xcf\x11\xe0" + b"\x00" * 512)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A .docx-looking package with one part that unpacks to a thousand times its size."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        target.writestr("word/document.xml", b"\x00" * 50_000_000)
    return out.getvalue()
