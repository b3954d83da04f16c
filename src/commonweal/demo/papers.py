"""Example board papers as real PDFs: a title, the paper's own page numbers and paragraphs of
text on every page, as a report exported from a word processor has. Written directly with
pypdf (no layout engine), so hundreds of pages take a moment; used by the demo, the tests and
the pack benchmark."""

import io
import textwrap

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

A4 = (595.0, 842.0)
BODY = (
    "This report sets out the position for the Integrated Commissioning Executive. It describes "
    "the service, the evidence of need in Devon, the options considered and their costs, the "
    "risks to quality and to the budget, and the engagement with people who use the service. "
    "Members are asked to note the analysis and to consider the recommendation that follows."
)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def sample_pdf(title: str, pages: int, *, marker: str = "", landscape_every: int = 0) -> bytes:
    """A paper of `pages` pages. `marker` is printed on every page (for tests that look for
    it); every `landscape_every`th page is turned, as appendices with wide tables are."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    lines = textwrap.wrap(BODY, 90)
    for n in range(1, pages + 1):
        page = writer.add_blank_page(*A4)
        if landscape_every and n % landscape_every == 0:
            page.rotate(90)
        ops = [f"BT /F1 16 Tf 56 780 Td ({_escape(title)}) Tj ET"]
        y = 740
        for para in range(6):
            for line in lines:
                ops.append(f"BT /F1 10 Tf 56 {y} Td ({_escape(line)}) Tj ET")
                y -= 13
            y -= 8
            if para == 2 and marker:
                ops.append(f"BT /F1 10 Tf 56 {y} Td ({_escape(marker)}) Tj ET")
                y -= 21
        ops.append(f"BT /F1 9 Tf 270 40 Td (Page {n} of {pages}) Tj ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
