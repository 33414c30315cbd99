"""What changed between two progress reports: each read as its JSON data object (a published
report's frozen JSON file, or a report built now and turned into JSON with to_json()).

Reports published long ago were written by an older to_json(): every key is read with a default,
so that a key added to the report later never breaks the comparison of old reports.
"""

import difflib
import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

FUNDING_FIELDS = ("need", "pledged", "committed", "disbursed")
DIFF_CONTEXT = 8  # words of unchanged text kept on each side of a change
DIFF_SEGMENT = 600  # characters of one inserted, deleted or kept run, at most
# Words and runs of punctuation apart, so that "held." to "held, and more." keeps "held".
_WORDS = re.compile(r"\w+\s*|[^\w\s]+\s*|\s+")


class CompareError(ValueError):
    """Two reports that cannot be compared (of different plans)."""


def compare_reports(old: dict, new: dict) -> dict:
    """What changed from `old` to `new`: plan, goal and status-count figures, and per action
    point its status, percent, funding and each actor's narrative; action points added and
    removed. Only action points with a change are listed; `unchanged` counts the others."""
    old_plan = _get(old, "cover", "plan_code")
    new_plan = _get(new, "cover", "plan_code")
    if old_plan != new_plan:
        raise CompareError(
            _(
                "The reports are of different plans (%(old)s, %(new)s): compare two reports of"
                " one plan.",
                old=old_plan,
                new=new_plan,
            )
        )
    notes = []
    same_currency = old.get("currency") == new.get("currency")
    if not same_currency:
        notes.append(
            _(
                "The reports are in different currencies (%(old)s, %(new)s): funding is not"
                " compared.",
                old=old.get("currency"),
                new=new.get("currency"),
            )
        )
    old_points = {ap.get("id"): ap for ap in _action_points(old)}
    new_points = {ap.get("id"): ap for ap in _action_points(new)}
    changed, unchanged = [], 0
    for ap_id, point in new_points.items():
        if ap_id not in old_points:
            continue
        change = _point_change(old_points[ap_id], point, same_currency)
        if change is None:
            unchanged += 1
        else:
            changed.append(change)
    return {
        "from": _side(old),
        "to": _side(new),
        "plan_code": new_plan,
        "currency": new.get("currency"),
        "notes": notes,
        "plan": _number_change(old.get("percent"), new.get("percent")),
        "funding": _funding_change(old.get("funding"), new.get("funding")) if same_currency else {},
        "counts": _counts_change(old.get("counts") or {}, new.get("counts") or {}),
        "goals": _goals_change(old.get("goals") or [], new.get("goals") or []),
        "action_points": changed,
        "added": [_summary(p) for i, p in new_points.items() if i not in old_points],
        "removed": [_summary(p) for i, p in old_points.items() if i not in new_points],
        "unchanged": unchanged,
    }


def _get(data: dict, *keys: str):
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _action_points(report: dict) -> list[dict]:
    return [ap for goal in report.get("goals") or [] for ap in goal.get("action_points") or []]


def _side(report: dict) -> dict:
    cover = report.get("cover") or {}
    return {
        key: cover.get(key)
        for key in ("plan_code", "as_of", "state", "published_for", "generated_at", "generated_by")
    }


def _number_change(old, new) -> dict:
    """{"old", "new", "change"} of two percents (change None when either is missing)."""
    numeric = isinstance(old, int | float) and isinstance(new, int | float)
    return {"old": old, "new": new, "change": round(new - old, 1) if numeric else None}


def _amount(text) -> Decimal | None:
    try:
        return Decimal(text) if isinstance(text, str) else None
    except InvalidOperation:
        return None


def _funding_change(old: dict | None, new: dict | None) -> dict:
    """{field: {"old", "new", "change"}} for each funding figure that differs (money as the
    reports write it: exact strings, None for a need nobody set)."""
    old, new = old or {}, new or {}
    out = {}
    for name in FUNDING_FIELDS:
        before, after = old.get(name), new.get(name)
        a, b = _amount(before), _amount(after)
        if before == after or (a is not None and a == b):
            continue
        change = str(b - a) if a is not None and b is not None else None
        out[name] = {"old": before, "new": after, "change": change}
    return out


def _counts_change(old: dict, new: dict) -> dict:
    return {
        status: {"old": old.get(status, 0), "new": new.get(status, 0)}
        for status in sorted(set(old) | set(new))
        if old.get(status, 0) != new.get(status, 0)
    }


def _goals_change(old: list[dict], new: list[dict]) -> list[dict]:
    before = {g.get("id"): g for g in old}
    after = {g.get("id"): g for g in new}
    out = []
    for goal_id in [*after, *(i for i in before if i not in after)]:
        goal = after.get(goal_id) or before[goal_id]
        change = _number_change(
            before.get(goal_id, {}).get("percent"), after.get(goal_id, {}).get("percent")
        )
        out.append(
            {"id": goal_id, "number": goal.get("number"), "title": goal.get("title"), **change}
        )
    return out


def _summary(point: dict) -> dict:
    return {
        key: point.get(key) for key in ("id", "code", "title", "goal_number", "status", "percent")
    }


def _point_change(old: dict, new: dict, same_currency: bool) -> dict | None:
    status = None
    if old.get("status") != new.get("status"):
        status = {"old": old.get("status"), "new": new.get("status")}
    percent = None
    if old.get("percent") != new.get("percent"):
        percent = _number_change(old.get("percent"), new.get("percent"))
    funding = _funding_change(old.get("funding"), new.get("funding")) if same_currency else {}
    narratives = _narratives_change(old.get("narratives") or [], new.get("narratives") or [])
    if not (status or percent or funding or narratives):
        return None
    return {
        **_summary(new),
        "status": status,
        "percent": percent,
        "funding": funding,
        "narratives": narratives,
    }


def _narratives_change(old: list[dict], new: list[dict]) -> list[dict]:
    """Per actor: "added" (it reported for the first time), "removed" (its narrative is gone,
    e.g. a report narrowed differently), or "changed" (a new text, status or percent)."""
    before = {n.get("actor_code"): n for n in old}
    after = {n.get("actor_code"): n for n in new}
    out = []
    for actor in sorted(set(before) | set(after), key=str):
        a, b = before.get(actor), after.get(actor)
        if a is not None and b is not None:
            same = all(a.get(k) == b.get(k) for k in ("narrative", "status", "percent"))
            if same:
                continue
            kind = "changed"
        else:
            kind = "added" if a is None else "removed"
        old_text = (a or {}).get("narrative")
        new_text = (b or {}).get("narrative")
        out.append(
            {
                "actor_code": actor,
                "actor_name": (b or a).get("actor_name"),
                "change": kind,
                "old": old_text,
                "new": new_text,
                "status": {"old": (a or {}).get("status"), "new": (b or {}).get("status")},
                "percent": {"old": (a or {}).get("percent"), "new": (b or {}).get("percent")},
                "reported_on": {
                    "old": (a or {}).get("reported_on"),
                    "new": (b or {}).get("reported_on"),
                },
                "diff": short_diff(old_text or "", new_text or "")
                if kind == "changed" and old_text != new_text
                else None,
            }
        )
    return out


def short_diff(old: str, new: str) -> list[list[str]]:
    """The change from `old` to `new` word by word, as [op, text] runs ("equal", "delete",
    "insert"), with long unchanged stretches cut to a few words around each change."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    runs: list[list[str]] = []
    matcher = difflib.SequenceMatcher(a=a, b=b)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            words = a[i1:i2]
            first, last = i1 == 0, i2 == len(a)
            if len(words) > 2 * DIFF_CONTEXT:
                head = [] if first else words[:DIFF_CONTEXT]
                tail = [] if last else words[-DIFF_CONTEXT:]
                text = "".join(head) + "… " + "".join(tail)
            else:
                text = "".join(words)
            runs.append(["equal", _cap(text)])
            continue
        if tag in ("delete", "replace"):
            runs.append(["delete", _cap("".join(a[i1:i2]))])
        if tag in ("insert", "replace"):
            runs.append(["insert", _cap("".join(b[j1:j2]))])
    return runs


def _cap(text: str) -> str:
    return text if len(text) <= DIFF_SEGMENT else text[: DIFF_SEGMENT - 1] + "…"
