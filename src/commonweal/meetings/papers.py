"""Reading an uploaded paper before it is kept: PDF, Word (.docx) or Excel (.xlsx) only.

Each file is opened by a real reader (pypdf, python-docx, openpyxl) and refused, with a
sentence a clerk can act on, when it is something else, encrypted, macro-enabled, a zip bomb,
or unreadable. Readers of hostile files can take unbounded time or memory, so `inspect` reads
in a child process with limits on both; the parent only ever sees a verdict.

No Django here: `python -m commonweal.meetings.papers < file` prints the verdict as JSON.
"""

import hashlib
import io
import json
import resource
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

MAX_BYTES = 30_000_000
KINDS = {".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx"}
MACRO_SUFFIXES = {".docm", ".xlsm", ".dotm", ".xltm", ".xlsb", ".pptm"}
OLD_OFFICE = {".doc", ".xls", ".ppt", ".rtf"}
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office files, and encrypted new ones
MAIN_PARTS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
# Unpacked, a Word or Excel file may be at most this large, in at most this many parts, none
# unpacking to more than this many times its packed size: beyond, it is a zip bomb.
MAX_UNPACKED = 300_000_000
MAX_PARTS = 20_000
MAX_RATIO = 200
# The child's limits.
MEMORY = 1_500_000_000
CPU_SECONDS = 20


class PaperRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Inspected:
    kind: str  # pdf, docx, xlsx
    extent: int  # pages, paragraphs or sheets
    sha256: str
    size: int

    @property
    def extent_label(self) -> str:
        unit = {"pdf": "page", "docx": "paragraph", "xlsx": "sheet"}[self.kind]
        return f"{self.extent:,} {unit}{'s' if self.extent != 1 else ''}"


def kind_of(filename: str) -> str:
    """The kind a file's name says it is; refused before it is read when it is not one we take."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise PaperRefused(
            f"'{filename}' is a macro-enabled file, which may run code when opened: save it "
            "as .docx or .xlsx without macros"
        )
    if suffix in OLD_OFFICE:
        raise PaperRefused(
            f"'{filename}' is in an old Office format: save it as .docx or .xlsx, or as a PDF"
        )
    if suffix not in KINDS:
        raise PaperRefused(
            f"'{filename}' is not a PDF, Word (.docx) or Excel (.xlsx) file; papers must be one "
            "of these"
        )
    return KINDS[suffix]


def _read_pdf(data: bytes) -> int:
    import pypdf
    from pypdf.errors import PyPdfError

    if b"%PDF-" not in data[:1024]:
        raise PaperRefused("is not a PDF: it does not begin as one")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PaperRefused(
                "is encrypted (password-protected): save it without a password and upload it again"
            )
        root = reader.root_object
        names = root.get("/Names")
        opens = root.get("/OpenAction")
        if (opens is not None and "/JS" in str(opens.get_object())) or (
            names is not None and "/JavaScript" in names.get_object()
        ):
            raise PaperRefused("contains JavaScript, which papers may not: print it to a new PDF")
        pages = len(reader.pages)
        if pages == 0:
            raise PaperRefused("has no pages")
        # Reading a page's text makes the reader parse its content, as a viewer would.
        reader.pages[0].extract_text()
        return pages
    except PaperRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        raise PaperRefused(
            "could not be read as a PDF: it is damaged, or not a PDF whatever its name says"
        ) from None
    except RecursionError:
        raise PaperRefused("could not be read as a PDF: it is nested too deeply") from None


def _open_zip(data: bytes, kind: str) -> None:
    if data.startswith(OLE):
        raise PaperRefused(
            "is encrypted (password-protected) or in an old Office format: save it without a "
            "password as .docx or .xlsx"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except zipfile.BadZipFile:
        raise PaperRefused(f"is not a .{kind} file: it could not be opened") from None
    if len(parts) > MAX_PARTS:
        raise PaperRefused(f"has more than {MAX_PARTS:,} parts inside it")
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_UNPACKED or any(
        p.compress_size and p.file_size / p.compress_size > MAX_RATIO for p in parts
    ):
        raise PaperRefused("unpacks to far more than its size (a zip bomb)")
    names = {p.filename.lower() for p in parts}
    if any(n.endswith("vbaproject.bin") for n in names):
        raise PaperRefused(
            "contains macros, which may run code when opened: save it as .docx or .xlsx "
            "without macros"
        )
    if "[content_types].xml" not in names:
        raise PaperRefused(f"is not a .{kind} file: it has no content types")
    types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    if "macroEnabled" in types:
        raise PaperRefused(
            "is macro-enabled, and may run code when opened: save it as .docx or .xlsx "
            "without macros"
        )
    if MAIN_PARTS[kind] not in types:
        raise PaperRefused(f"is not a .{kind} file, whatever its name says")


def _read_docx(data: bytes) -> int:
    _open_zip(data, "docx")
    import docx

    try:
        return len(docx.Document(io.BytesIO(data)).paragraphs)
    except Exception:  # python-docx raises many kinds, all meaning "unreadable"
        raise PaperRefused(
            "could not be read as a Word document: it is damaged, or saved in another format"
        ) from None


def _read_xlsx(data: bytes) -> int:
    _open_zip(data, "xlsx")
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheets = len(book.sheetnames)
        book.close()
        return sheets
    except Exception:  # openpyxl likewise
        raise PaperRefused(
            "could not be read as an Excel workbook: it is damaged, or saved in another format"
        ) from None


READERS = {"pdf": _read_pdf, "docx": _read_docx, "xlsx": _read_xlsx}


def read(data: bytes, kind: str) -> int:
    """Open the file with its reader; its extent, or PaperRefused. Run in the child."""
    if not data:
        raise PaperRefused("is empty")
    return READERS[kind](data)


def inspect(data: bytes, filename: str) -> Inspected:
    """Check an upload in a child process with bounded time and memory; raise PaperRefused."""
    kind = kind_of(filename)
    if len(data) > MAX_BYTES:
        raise PaperRefused(f"is larger than {MAX_BYTES // 1_000_000} MB")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "commonweal.meetings.papers", kind],
            input=data,
            capture_output=True,
            timeout=CPU_SECONDS + 10,
        )
    except subprocess.TimeoutExpired:
        raise PaperRefused("took too long to read, and was refused") from None
    try:
        verdict = json.loads(done.stdout)
    except ValueError:
        # Killed by its limits, most likely: a file that needs more than a reader may use.
        raise PaperRefused("could not be read within the limits a paper may use") from None
    if "refused" in verdict:
        raise PaperRefused(verdict["refused"])
    return Inspected(kind, int(verdict["extent"]), hashlib.sha256(data).hexdigest(), len(data))


def _child(kind: str) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    try:
        print(json.dumps({"extent": read(data, kind)}))
    except PaperRefused as refused:
        print(json.dumps({"refused": refused.message}))
    except MemoryError:
        print(json.dumps({"refused": "needs more memory to read than a paper may use"}))


if __name__ == "__main__":
    _child(sys.argv[1])
