"""What changed between two versions of a meeting's minutes, line by line (difflib)."""

import difflib

from tracker.meetings.models import Minutes

# Lines of unchanged text kept around each change, as `diff -u` does.
CONTEXT_LINES = 2


def minutes_changes(before: Minutes, after: Minutes) -> list[tuple[str, str]]:
    """(mark, line) pairs: "+" added, "-" removed, " " unchanged context, "@" a gap."""
    lines = difflib.unified_diff(
        before.text.splitlines(), after.text.splitlines(), n=CONTEXT_LINES, lineterm=""
    )
    changes = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        mark = "@" if line.startswith("@@") else line[:1]
        changes.append((mark, "…" if mark == "@" else line[1:]))
    return changes
