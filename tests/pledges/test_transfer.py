"""The pledge ledger export: real number, money and date cells in the workbook, and a file that
the pledge import reads back into the same pledges (CSV and XLSX, from the command line)."""

import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import select

from tests import factories
from tracker.db import db
from tracker.plan import services as plan_services
from tracker.pledges import services, transfer
from tracker.pledges.models import Pledge

# Just under a trillion Chilean UF (the bound) in ten-thousandths: 16 significant digits, more
# than a spreadsheet number holds.
HUGE = 9_999_999_999_999_999


def _seed(plan):
    """Pledges in three currencies of 0, 2 and 3 minor digits, to each kind of target, with
    reductions, formula-like and Unicode text, and one amount too long for a number cell."""
    ap = factories.make_action_point(plan)
    activity = plan_services.create_activity(ap, title="Training", by="tests")
    hu, tr = factories.get_actor("HU"), factories.get_actor("TR")
    eur = factories.make_pledge(
        actor=hu,
        target=services.Target(services.TargetKind.ACTION_POINT, plan, ap.goal, ap),
        amount_minor=123_456_789,
        pledged_on=date(2024, 1, 15),
        purpose='=HYPERLINK("x") Обучение',
        reference="@SUM(A1)",
    )
    for kind, amount, on, reason in [
        ("committed", 100_000_001, date(2024, 2, 1), None),
        ("disbursed", 1, date(2024, 3, 1), None),
        ("pledged", -5, date(2024, 4, 1), "-correction"),
    ]:
        services.record_entry(
            eur, kind=kind, amount_minor=amount, value_date=on, reason=reason, by="tests"
        )
    factories.make_pledge(
        actor=tr,
        target=services.Target(services.TargetKind.GOAL, plan, plan.goals[1]),
        currency="JPY",
        amount_minor=1_250_000,
        pledged_on=date(2024, 5, 2),
        purpose="Göç",
    )
    factories.make_pledge(
        actor=hu,
        target=services.Target(services.TargetKind.PLAN, plan),
        currency="KWD",
        amount_minor=1_234,
        pledged_on=date(2024, 5, 3),
    )
    factories.make_pledge(
        actor=tr,
        target=services.resolve_target("activity", activity.id),
        amount_minor=HUGE,
        currency="CLF",
        pledged_on=date(2024, 5, 4),
        purpose="+large",
    )
    db.session.commit()


def _ledger(pledges) -> list[tuple]:
    return sorted(
        (
            p.actor.code,
            p.target_kind.value,
            p.goal_id,
            p.action_point_id,
            p.activity_id,
            p.currency,
            p.purpose,
            p.reference,
            tuple(
                (e.kind.value, e.amount_minor, e.value_date, e.reason or None)
                for e in sorted(p.entries, key=lambda e: (e.value_date, e.id))
            ),
        )
        for p in pledges
    )


def _plan_pledges(plan) -> list[Pledge]:
    return list(db.session.scalars(select(Pledge).where(Pledge.plan_id == plan.id)))


def test_the_workbook_has_number_money_and_date_cells():
    plan = factories.get_plan()
    _seed(plan)
    data, _ = transfer.export_pledges(plan, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2)]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    numbers = [r for r in rows if r["amount"].data_type == "n"]
    assert len(numbers) == len(rows) - 1  # all but HUGE
    assert {r["currency"].value: r["amount"].number_format for r in numbers} == {
        "EUR": "#,##0.00",
        "JPY": "#,##0",
        "KWD": "#,##0.000",
    }
    first = rows[0]
    assert isinstance(first["pledge_id"].value, int)
    assert first["amount"].value == pytest.approx(1_234_567.89)
    assert isinstance(first["value_date"].value, datetime)
    assert first["value_date"].number_format == "yyyy-mm-dd"
    assert isinstance(first["amount_reporting"].value, int | float)
    assert first["target"].data_type == "s"  # a code ("3.4"), not a number
    reduction = next(r for r in rows if r["reason"].value == "'-correction")
    assert reduction["amount"].value == pytest.approx(-0.05)
    huge = next(r for r in rows if r["purpose"].value == "'+large")
    assert (huge["amount"].value, huge["amount"].data_type) == ("999999999999.9999", "s")
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_imports_back_into_the_same_pledges(runner, tmp_path, fmt):
    plan = factories.get_plan()
    _seed(plan)
    before = _plan_pledges(plan)
    exported = tmp_path / f"ledger.{fmt}"
    result = runner.invoke(args=["export", "pledges", str(exported), "--plan", plan.code])
    assert result.exit_code == 0, result.output
    # The export names each entry's pledge by id; as `pledge_ref`, the same rows make new
    # pledges (the way a ledger moves to another tracker).
    reimport = tmp_path / f"again.{fmt}"
    if fmt == "xlsx":
        book = openpyxl.load_workbook(exported)
        assert book.active["A1"].value == "pledge_id"
        book.active["A1"] = "pledge_ref"
        book.save(reimport)
    else:
        text = exported.read_text(encoding="utf-8")
        assert text.startswith("pledge_id,")
        reimport.write_text("pledge_ref," + text.removeprefix("pledge_id,"), encoding="utf-8")

    result = runner.invoke(args=["import", "pledges", str(reimport)])

    assert result.exit_code == 0, result.output
    old = {p.id for p in before}
    again = [p for p in _plan_pledges(plan) if p.id not in old]
    assert len(again) == len(before) == 4
    assert _ledger(again) == _ledger(before)
    assert any(p.currency == "CLF" and p.pledged_minor == HUGE for p in again)
