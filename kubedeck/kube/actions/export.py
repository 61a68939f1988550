"""The resource table as CSV (ctrl-s), RFC 4180 quoting and CRLF line ends."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable


def table_csv(headers: list[str], rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()
