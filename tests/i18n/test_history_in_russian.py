"""History in Russian: the audit trail keeps each event's summary in English, and the pages show it
in the reader's language through reports/history.py's whole-sentence patterns. One event of each
domain's shapes is made through the real services and read back on the audit trail page; and
every summary the code writes must have its pattern, so that a new one cannot ship untranslated."""

import ast
import html
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests import factories
from tests.browser.pagechecks import LATIN_WORD, NOT_WORDS
from tracker.auth import lifecycle
from tracker.auth import services as auth
from tracker.db import db
from tracker.meetings import agenda, follow_ups
from tracker.meetings import services as meetings
from tracker.pledges import services as pledges
from tracker.progress import services as progress
from tracker.reports.history import ACCOUNT_CHANGES, DESCRIBED, SUMMARIES, summary_in_words

RU = {"Accept-Language": "ru"}
TRACKER = Path(__file__).resolve().parents[2] / "tracker"
SUMMARY_CELL = re.compile(r'<td class="audit-summary">(.*?)</td>', re.S)


def _events_by(admin) -> tuple[list[str], dict[str, str]]:
    """One event of each kind of summary a reader meets most, all by `admin`; returns the data
    the events name (titles, names and codes as stored), which may be in any language, and the
    pages whose History shows some of them, with a sentence each must show."""
    hungary = factories.get_actor("HU")
    ap = factories.make_action_point(lead_actor=hungary)
    # Progress: drafted, edited, submitted, returned, submitted again, validated (and the
    # action point's overall status that validation records).
    update = progress.create_update(
        ap, actor=hungary, status="in_progress", percent=None, reported_on=date.today(), by=admin
    )
    progress.edit_update(
        update,
        version=update.version,
        status="in_progress",
        percent=40,
        narrative="Работа идёт",
        evidence_links=[],
        reported_on=date.today(),
        by=admin,
    )
    progress.submit_update(update, by=admin)
    progress.return_update(update, reason="Добавьте документы", by=admin)
    progress.submit_update(update, by=admin)
    progress.validate_update(update, by=admin)
    # A pledge and a ledger entry.
    pledge = factories.make_pledge(purpose="Обучение", by=admin)
    pledges.record_entry(
        pledge,
        kind="committed",
        amount_minor=50_000,
        value_date=date(2024, 2, 1),
        reason="Подписано соглашение",
        by=admin,
    )
    # A meeting: agenda, a participant, minutes, a decision, a follow-up moved and done, cancelled.
    meeting = factories.make_meeting(title="Встреча Справочной группы", by=admin)
    item = agenda.add_agenda_item(meeting, title="Обзор хода работы", by=admin)
    agenda.update_agenda_item(item, title="Обзор", action_point=None, goal=None, by=admin)
    meetings.set_participant(meeting, actor=hungary, attendance="attended", by=admin)
    meetings.record_minutes(meeting, text="Протокол встречи", by=admin)
    follow_ups.record_decision(meeting, text="Решено продолжить", by=admin)
    follow_up = factories.make_follow_up(meeting, text="Подготовить доклад", by=admin)
    follow_ups.update_follow_up(
        follow_up,
        text="Подготовить доклад",
        owner=hungary,
        due_on=follow_up.due_on + timedelta(days=7),
        version=follow_up.version,
        by=admin,
    )
    follow_ups.change_follow_up_status(
        follow_up, status="done", note="Сделано", version=follow_up.version, by=admin
    )
    meetings.cancel_meeting(meeting, by=admin)
    # Accounts: a name, an API token made and revoked, a sign-in and a sign-out.
    name = admin.name
    lifecycle.update_own_name(admin, "Анна")
    token, _ = auth.create_token(admin, name="Скрипт", by=admin)
    auth.revoke_token(token, by=admin)
    auth.record_sign_in(admin, address=None, now=datetime.now(UTC))
    auth.sign_out(admin, address=None)
    db.session.commit()
    pages = {
        f"/progress/updates/{update.id}": "Обновление подтверждено (Hungary, пункт действий",
        f"/pledges/{pledge.id}": "Записана операция «Принято обязательств»",
        f"/meetings/{meeting.id}": "Протокол, версия 1",
    }
    return [hungary.name, ap.title, token.prefix, name], pages


def _english_words(text: str, data: list[str]) -> list[str]:
    """Latin words left once codes, addresses and the records' own words (data) are taken out."""
    for words in data:
        text = text.replace(words, " ")
    return LATIN_WORD.findall(NOT_WORDS.sub(" ", text))


def test_the_audit_trail_shows_every_kind_of_event_in_russian(client, login):
    admin = factories.make_user(role="admin")
    data, pages = _events_by(admin)
    login.as_role("admin")  # another admin reads the trail: the first one signed out
    response = client.get(f"/admin/audit/?user={admin.email}", headers=RU)
    assert response.status_code == 200
    cells = [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
        for cell in SUMMARY_CELL.findall(response.get_data(as_text=True))
    ]
    assert len(cells) >= 20
    text = "\n".join(cells)
    for words in (
        "Обновление подтверждено (Hungary, пункт действий",
        "Обновление возвращено на доработку",
        "Общий статус: Выполняется, 40",
        "Записана операция «Принято обязательств» на 500,00",
        "Всего принято обязательств 0,00 → 500,00",  # a ledger total in the reader's notation
        "Пункт повестки 1 изменён: Обзор",
        "Протокол, версия 1",
        "Последующее действие: Открыто → Выполнено",
        "Встреча отменена",
        "имя изменено",
        "выход выполнен",
    ):
        assert words in text, words
    left = {cell: words for cell in cells if (words := _english_words(cell, data))}
    assert left == {}
    for url, words in pages.items():  # the History panels of the records' own pages
        page = client.get(url, headers=RU).get_data(as_text=True)
        assert words in page, url
        assert "Submitted the update" not in page and "Recorded committed" not in page
        assert "Minutes version" not in page


def test_english_pages_keep_the_stored_summary(client, login):
    admin = login.as_role("admin")
    factories.make_update(by=admin, workflow="submitted")
    db.session.commit()
    text = client.get(f"/admin/audit/?user={admin.email}").get_data(as_text=True)
    assert "Submitted the update (Hungary on action point" in text


# --- Every summary written in tracker/ has its pattern ------------------------------------------

# Where a summary is built away from the `summary=` of the call that records it: the helper
# functions that return one (or a tuple whose first item is one), and the calls that take one.
BUILDERS = {
    "progress/services.py": {"_summary"},
    "pledges/services.py": {"_pledge_created", "_entry_recorded", "_rate_set"},
    "plan/services.py": {"_action_point_created", "_activity_created", "_activity_edited"},
}
RECORDERS = {"record_event", "add_and_record", "record_change"}
# record_change(entity, action, summary, ...): audit.services' flush-then-record helper.
TAKERS = {"_event": 3, "_created": 1, "_record_continuations": 2, "record_change": 2}
# Parts of a summary added to a list before it is joined (follow-up moves, account changes).
APPENDED_TO = {"moved", "described"}
# A `summary=` that is a variable: it holds one of the builders' or takers' summaries.
VARIABLES = {"summary", "label"}


def _pieces(node: ast.AST) -> list[str]:
    """The literal text of a summary expression: every string constant inside it (but not a
    format spec's, `{day:%d %b %Y}`), cut at numbers (a pattern has a group for them)."""
    specs = {
        id(c)
        for n in ast.walk(node)
        if isinstance(n, ast.FormattedValue) and n.format_spec is not None
        for c in ast.walk(n.format_spec)
    }
    return [
        piece
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in specs
        for piece in re.split(r"\d+", n.value)
    ]


def _summary_expressions(tree: ast.Module, builders: set[str]) -> list[ast.AST]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in builders:
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and ret.value is not None:
                    value = ret.value
                    found.append(value.elts[0] if isinstance(value, ast.Tuple) else value)
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name in TAKERS and len(node.args) > TAKERS[name]:
            found.append(node.args[TAKERS[name]])
        if name == "append" and getattr(node.func.value, "id", None) in APPENDED_TO:
            found.extend(node.args)
        if name == "append" and node.args and isinstance(node.args[0], ast.Tuple):
            if len(node.args[0].elts) == 4:  # an event for record_events, kept for later
                found.append(node.args[0].elts[2])
        if name == "record_events":  # items: (action, id, summary, changes) tuples
            for item in ast.walk(node):
                if isinstance(item, ast.Tuple) and len(item.elts) == 4:
                    found.append(item.elts[2])
        for keyword in node.keywords if name in RECORDERS else ():
            if keyword.arg == "summary":
                found.append(keyword.value)
    return found


def _written_summaries() -> dict[str, list[str]]:
    """{where: the literal pieces of the summary written there}, for every summary in tracker/."""
    summaries = {}
    for path in sorted(TRACKER.rglob("*.py")):
        if path.name == "history.py" or "translations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        builders = BUILDERS.get(path.relative_to(TRACKER).as_posix(), set())
        for expression in _summary_expressions(tree, builders):
            where = f"{path.relative_to(TRACKER.parent)}:{expression.lineno}"
            if isinstance(expression, ast.Name):
                assert expression.id in VARIABLES, f"{where}: a summary from a new variable"
                continue
            if isinstance(expression, ast.Call):  # a builder's, checked where it is defined
                continue
            summaries[where] = _pieces(expression)
    return summaries


def _known_text() -> list[str]:
    """The patterns as plain text (escapes undone), to look a summary's pieces up in."""
    patterns = [p.pattern for p, _ in SUMMARIES + DESCRIBED + ACCOUNT_CHANGES]
    return [re.sub(r"\\(.)", r"\1", pattern) for pattern in patterns]


def test_every_summary_the_code_writes_has_a_pattern():
    known = _known_text()
    summaries = _written_summaries()
    assert len(summaries) > 80  # the finder finds them (99 when this was written)
    missing = []
    for where, pieces in summaries.items():
        for piece in pieces:
            words = piece.strip(" :;,.()")
            if len(words) >= 4 and not any(words in pattern for pattern in known):
                missing.append(f"{where}: {piece!r}")
    assert missing == [], "summaries without a pattern in reports/history.py SUMMARIES"


def test_a_summary_no_pattern_knows_is_shown_as_stored(app):
    with app.test_request_context(headers=RU):
        assert summary_in_words("Something new happened") == "Something new happened"
        assert summary_in_words("Meeting cancelled") == "Встреча отменена"
