"""What changed between two versions of a meeting's minutes, line by line (difflib)."""

import difflib

from tracker.meetings.models import Minutes

# Lines of unchanged text kept around each change, as `diff -u` does.
CONTEXT_LINES = 2
# difflib's matching grows with the square of the lines on a bad input (27 s for two 200,000-
# character versions of short repeated lines): longer versions are not compared on a page view.
MAX_COMPARED_LINES = 2_000


def minutes_changes(before: Minutes, after: Minutes) -> list[tuple[str, str]] | None:
    """(mark, line) pairs: "+" added, "-" removed, " " unchanged context, "@" a gap; None when a
    version has more than MAX_COMPARED_LINES lines."""
    old, new = before.text.splitlines(), after.text.splitlines()
    if max(len(old), len(new)) > MAX_COMPARED_LINES:
        return None
    changes = []
    for line in difflib.unified_diff(old, new, n=CONTEXT_LINES, lineterm=""):
        if line.startswith(("---", "+++")):
            continue
        mark = "@" if line.startswith("@@") else line[:1]
        changes.append((mark, "…" if mark == "@" else line[1:]))
    return changes
