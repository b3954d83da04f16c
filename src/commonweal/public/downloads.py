"""Open-data downloads, streamed a row at a time so a register of 100,000 rows stays in bounded
memory, with cells a spreadsheet will not run as formulas."""

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

from commonweal.core.formatting import spreadsheet_safe


class _Echo:
    """A file that hands back what is written, so csv.writer makes one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_download(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(
                "" if cell is None else spreadsheet_safe(str(cell)) for cell in row
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def json_list_download(filename: str, items: Iterable[str]) -> StreamingHttpResponse:
    """A JSON list of elements already written as JSON, an element at a time."""

    def parts() -> Iterator[str]:
        yield "["
        for n, item in enumerate(items):
            yield ("," if n else "") + "\n" + item
        yield "\n]\n"

    response = StreamingHttpResponse(parts(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
