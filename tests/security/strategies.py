"""Hostile values for hypothesis: what a form or a JSON client can send and should not."""

import io

from hypothesis import strategies as st

# Over MAX_CONTENT_LENGTH (10 MiB) and Flask's MAX_FORM_MEMORY_SIZE (500 kB): must be a 413.
TOO_BIG = "x" * (10 * 1024 * 1024 + 1)

HOSTILE_TEXT = [
    "",
    " ",
    "\t\r\n",
    "\x00",
    "a\x00b",
    "\x7f\x1b[31m",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[x](javascript:alert(1))",
    "{{7*7}}",
    "{% raw %}",
    "' OR '1'='1' --",
    "'; DROP TABLE users; --",
    "%00%27",
    "../../../../etc/passwd",
    "\u202eevil",
    "\ufeff",
    "𝕳𝖊𝖑𝖑𝖔 🇭🇺",
    "İıŞşĞğ",
    "x" * 301,
    "x" * 20_001,
    "é" * 100_000,
    TOO_BIG,
    "0",
    "-1",
    "1e309",
    "NaN",
    "null",
    "true",
    "[]",
    "{}",
]

HOSTILE_NUMBERS = [
    "0",
    "-1",
    "1.5",
    "1e3",
    "2147483647",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999999",
    "0x10",
    "١٢",  # Arabic-Indic digits: int() takes them
    "²",  # isdigit() but not int()
    " 1 ",
    "",
    "abc",
]

HOSTILE_DATES = [
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "-0001-01-01",
    "2024-02-30",
    "2024-13-01",
    "2023-02-29",
    "31/02/2024",
    "2024-06-30T25:00",
    "2024-06-30T12:00:00+99:00",
    "1970-01-01T00:00:00Z",
    "",
    "today",
]

# Valid unicode only: surrogates cannot be encoded as UTF-8 (nor sent as JSON).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
text = st.one_of(st.sampled_from(HOSTILE_TEXT), any_text)
number_text = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS), st.integers(-(2**70), 2**70).map(str), text
)
date_text = st.one_of(st.sampled_from(HOSTILE_DATES), st.dates().map(str), text)
flag_text = st.one_of(st.sampled_from(["y", "on", "true", "1", "0", "false", ""]), text)


def several(values: st.SearchStrategy) -> st.SearchStrategy:
    """One value, or the same field sent several times."""
    return st.one_of(values, st.lists(values, min_size=2, max_size=4))


# Files: bytes that claim to be what they are not, under names that try to escape a folder.
FILE_BODIES = [
    b"",
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    b"<html><script>alert(1)</script></html>",
    b"%PDF-1.4\n<script>alert(1)</script>",
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"PK\x03\x04" + b"\x00" * 26,
    b"MZ\x90\x00" + b"\x00" * 60,
    b"\x00" * 1024,
    b"x" * (10 * 1024 * 1024 + 1),
]
FILE_NAMES = [
    "report.pdf",
    "page.html",
    "x.pdf",
    "../../../../tmp/evil.pdf",
    "..\\..\\evil.pdf",
    "evil.pdf\x00.html",
    "",
    ".htaccess",
    "a" * 300 + ".pdf",
    "<script>alert(1)</script>.pdf",
    "rapport été.pdf",
    "CON.pdf",
]
file_bodies = st.one_of(st.sampled_from(FILE_BODIES), st.binary(max_size=2048))
file_names = st.one_of(st.sampled_from(FILE_NAMES), any_text)


@st.composite
def upload(draw) -> tuple:
    """A (file, name) pair as Werkzeug's test client sends it in a multipart body."""
    return (io.BytesIO(draw(file_bodies)), draw(file_names))


# JSON values of the wrong kind for whatever field they land in.
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
)
json_any = st.recursive(
    json_scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(any_text, children, max_size=3)
    ),
    max_leaves=8,
)
json_date = st.one_of(st.sampled_from(HOSTILE_DATES), st.dates().map(str), json_any)

# Whole bodies that are not a JSON object, or not JSON at all.
BAD_BODIES = [
    b"",
    b"null",
    b"[]",
    b'"text"',
    b"42",
    b"{",
    b'{"a": 1,}',
    b"{'single': 'quotes'}",
    b'{"a": NaN}',
    b"\xff\xfe{}",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"title": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"title": "dup", "title": "dup"}',
]
