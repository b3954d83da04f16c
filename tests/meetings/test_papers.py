"""Reading uploads: real readers, clear refusals, bounded time."""

import time

import pytest

from commonweal.meetings.papers import PaperRefused, inspect

from . import papers


@pytest.mark.parametrize(
    "name, data, kind, extent",
    [
        ("board-report.pdf", papers.pdf(3), "pdf", 3),
        ("Report.PDF", papers.pdf(1), "pdf", 1),
        ("minutes.docx", papers.word(4), "docx", 4),
        ("finance.xlsx", papers.workbook(2), "xlsx", 2),
    ],
)
def test_papers_are_read_by_their_readers(name, data, kind, extent):
    found = inspect(data, name)
    assert (found.kind, found.extent, found.size) == (kind, extent, len(data))
    assert len(found.sha256) == 64


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("paper.pdf", papers.malformed_pdf(), "could not be read as a PDF"),
        ("paper.pdf", papers.encrypted_pdf(), "is encrypted"),
        ("paper.pdf", papers.pdf_with_javascript(), "contains JavaScript"),
        ("paper.pdf", papers.word(), "is not a PDF"),
        ("paper.pdf", b"", "is empty"),
        ("finance.xlsm", papers.with_macros(papers.workbook()), "macro-enabled file"),
        ("finance.xlsx", papers.with_macros(papers.workbook()), "contains macros"),
        ("report.docx", papers.workbook(), "is not a .docx file"),
        ("report.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "is encrypted"),
        ("report.docx", b"PK\x03\x04 not really", "could not be opened"),
        ("report.doc", papers.word(), "old Office format"),
        ("bomb.docx", papers.zip_bomb(), "zip bomb"),
        ("run.exe", b"MZ", "is not a PDF, Word (.docx) or Excel (.xlsx) file"),
        ("no-suffix", papers.pdf(), "is not a PDF, Word (.docx) or Excel (.xlsx) file"),
    ],
)
def test_what_is_not_a_paper_is_refused_with_a_sentence(name, data, says):
    started = time.perf_counter()
    with pytest.raises(PaperRefused) as refused:
        inspect(data, name)
    assert says in refused.value.message
    assert time.perf_counter() - started < 10, "refused in bounded time"


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    with pytest.raises(PaperRefused, match="larger than 30 MB"):
        inspect(b"%PDF-" + bytes(30_000_001), "big.pdf")
