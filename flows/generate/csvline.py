"""One CSV row as text, with standard (RFC 4180) quoting."""

from __future__ import annotations

_SPECIAL = (",", '"', "\n", "\r")


def csv_line(fields: list[str]) -> str:
    """Join fields into a row (no line terminator).

    A field is quoted when it holds a comma, quote or line break (quotes doubled), and also when
    it starts or ends with a space, so readers that trim unquoted fields keep it byte for byte.
    """
    out = []
    for field in fields:
        if any(ch in field for ch in _SPECIAL) or field[:1] == " " or field[-1:] == " ":
            field = '"' + field.replace('"', '""') + '"'
        out.append(field)
    return ",".join(out)
