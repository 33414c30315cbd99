"""The charts of the progress report: well-formed standalone SVG, accessible, not colour alone,
escaped, empty data said in words, and each one accepted by Typst (the PDF embeds them)."""

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
import typst
from flask import current_app

from tracker.money import format_compact
from tracker.reports.charts import (
    chart_tables,
    coverage_from_reporters,
    percent_text,
    report_charts,
    status_series,
)
from tracker.reports.model import (
    NOT_REPORTED,
    ActionPointLine,
    Cover,
    Funding,
    GoalLine,
    ProgressReport,
    QuarterPoint,
    Reporter,
)

SVG = "{http://www.w3.org/2000/svg}"


def make_goal(number: int, counts: dict[str, int], percent: float = 0.0, funding=None) -> GoalLine:
    points = [
        ActionPointLine(
            id=number * 100 + index,
            code=f"{number}.{index}",
            title="An action point",
            goal_number=number,
            lead=None,
            partners=[],
            status=status,
            percent=percent,
            reported_on=None,
            weight=1,
            stale=False,
            narratives=[],
            activities=[],
            funding=Funding(),
        )
        for index, status in enumerate(s for s, n in counts.items() for _ in range(n))
    ]
    return GoalLine(
        id=number,
        number=number,
        title="A goal",
        percent=percent,
        counts=dict(counts),
        stale=0,
        funding=funding or Funding(),
        action_points=points,
    )


def make_report(goals: list[GoalLine] | None = None, *, quarters: int = 6, defined=None):
    """A ProgressReport by hand; by default three goals, the third without action points."""
    lines = (
        goals
        if goals is not None
        else [
            make_goal(
                1,
                {"completed": 3, "in_progress": 2, NOT_REPORTED: 1},
                62.5,
                Funding(
                    need=500_000_00,
                    pledged=400_000_00,
                    committed=250_000_00,
                    disbursed=100_000_00,
                    has_need=True,
                ),
            ),
            make_goal(
                2,
                {"planned": 4, "on_hold": 1, "discontinued": 1, "not_started": 7},
                10.0,
                Funding(pledged=80_000_00, committed=80_000_00),
            ),
            make_goal(3, {}),
        ]
    )
    total = Funding()
    counts: dict[str, int] = {}
    for line in lines:
        total.add(line.funding)
        for status, n in line.counts.items():
            counts[status] = counts.get(status, 0) + n
    defined_points = sum(counts.values()) if defined is None else defined
    return ProgressReport(
        cover=Cover(
            plan_code="DEMO",
            plan_title="Demonstration",
            plan_period="2019–2024",
            expected_action_points=41,
            defined_action_points=defined_points,
            as_of=date(2024, 6, 30),
            is_historical=False,
            period_from=date(2019, 1, 1),
            period_to=date(2024, 6, 30),
            filters={},
            generated_at=datetime(2024, 7, 1, tzinfo=UTC),
            generated_by="Secretariat",
        ),
        currency="EUR",
        percent=31.4 if defined_points else 0.0,
        counts=counts,
        stale=0,
        funding=total,
        goals=lines,
        over_time=[
            QuarterPoint(date(2023, 3 * (q % 4) + 1, 1), f"{2023 + q // 4} Q{q % 4 + 1}", 5.0 * q)
            for q in range(quarters)
        ]
        if defined_points
        else [],
        meetings=[],
        reporters=[
            Reporter("AT", "Austria", {"1.0": 2, "1.1": 1, "2.3": 1}),
            Reporter("TR", "Türkiye", {"2.0": 4}),
        ],
    )


def macros():
    return current_app.jinja_env.get_template("_macros/charts.html").module


def parse(svg) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    return root


def texts(element: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in element.iter(f"{SVG}text")]


def all_charts(report=None) -> dict:
    report = report or make_report()
    return report_charts(report, coverage_from_reporters(report))


CHARTS = ["progress", "status_mix", "over_time", "funding", "coverage"]


@pytest.mark.parametrize("key", CHARTS)
def test_each_chart_is_standalone_svg_named_by_its_title_and_desc(key):
    root = parse(all_charts()[key])
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text
    assert desc is not None and desc.text
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.get("viewBox").startswith("0 0 ")


@pytest.mark.parametrize("report", [make_report(), make_report([make_goal(1, {})])])
def test_no_chart_has_a_style_attribute_a_style_element_or_a_script(report):
    for key, svg in all_charts(report).items():
        for element in parse(svg).iter():
            assert "style" not in element.attrib, key
            assert element.tag not in (f"{SVG}style", f"{SVG}script"), key


def test_every_status_with_a_count_has_its_own_pattern_and_its_count_printed():
    report = make_report()
    root = parse(all_charts(report)["status_mix"])
    patterns = {p.get("id") for p in root.iter(f"{SVG}pattern")}
    bars = [g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}rect") is not None]
    assert len(bars) == len(report.goals)
    for goal, bar in zip(report.goals, bars, strict=True):
        children = list(bar)
        segments = {}
        for index, child in enumerate(children):
            fill = child.get("fill", "")
            if child.tag == f"{SVG}rect" and fill.startswith("url(#"):
                count_text = next(c for c in children[index:] if c.tag == f"{SVG}text")
                segments[fill[5:-1]] = int(count_text.text)
        expected = {f"chart-status-{k}": n for k, n in goal.counts.items() if n}
        assert segments == expected
        assert set(segments) <= patterns
    legend = texts(root)
    for key, name in status_series():
        assert (name in legend) == any(g.counts.get(key) for g in report.goals)


def test_two_charts_on_one_page_have_no_id_in_common():
    rows = [("Goal 1", {"completed": 1})]
    first = parse(macros().render_status_mix("a", "A", "A", rows, status_series()))
    second = parse(macros().render_status_mix("b", "B", "B", rows, status_series()))
    ids = [{e.get("id") for e in root.iter() if e.get("id")} for root in (first, second)]
    assert ids[0] and not ids[0] & ids[1]
    assert all(i.startswith("a-") for i in ids[0])


def test_progress_bars_print_the_plan_and_each_goal_percent():
    root = parse(all_charts()["progress"])
    printed = texts(root)
    assert printed[:2] == ["Plan", "31.4 %"]
    assert ["Goal 1", "62.5 %", "Goal 2", "10.0 %", "Goal 3", "0.0 %"] == printed[2:]


def test_a_label_with_markup_is_escaped_in_every_chart():
    label = "<script>alert(1)</script> & Co"
    m = macros()
    svgs = [
        m.render_progress_bars("p", label, label, [(label, 50)]),
        m.render_status_mix("s", label, label, [(label, {"completed": 2})], status_series()),
        m.render_line_chart("l", label, label, [(label, 10), ("b", 20)]),
        m.render_funding_bars("f", label, label, [(label, {"need": 5, "pledged": 3})], "EUR"),
        m.render_heatmap("h", label, label, [label], [label], {(0, 0): 1}),
    ]
    for svg in svgs:
        assert "<script" not in svg and "& Co" not in svg
        root = parse(svg)  # well-formed: the "&" came out as an entity
        assert root.find(f"{SVG}title").text == label
        assert root.find(f"{SVG}desc").text == label
        assert any("<script>" in text for text in texts(root))


def test_a_plan_with_no_action_points_says_so_instead_of_drawing_bars():
    report = make_report([make_goal(n, {}) for n in (1, 2, 3)])
    charts = report_charts(report)
    for key in ("progress", "status_mix", "over_time"):
        root = parse(charts[key])
        assert texts(root) == ["No action points defined yet."], key
        assert root.find(f"{SVG}desc").text == "No action points defined yet."
        assert not [r for r in root.iter(f"{SVG}rect") if r.get("fill", "").startswith("url(")]
    assert texts(parse(charts["funding"])) == ["No funding recorded for any goal yet."]


def test_a_report_narrowed_to_no_action_points_does_not_claim_the_plan_has_none():
    report = make_report([make_goal(1, {})], defined=12)
    assert texts(parse(report_charts(report)["progress"])) == ["No action points in this report."]


def test_every_macro_given_no_data_renders_a_message():
    m = macros()
    svgs = [
        m.render_progress_bars("p", "T", "D", []),
        m.render_status_mix("s", "T", "D", [("Goal 1", {})], status_series()),
        m.render_line_chart("l", "T", "D", []),
        m.render_funding_bars("f", "T", "D", [("Goal 1", Funding())], "EUR"),
        m.render_heatmap("h", "T", "D", ["AT"], ["Goal 1"], {}),
    ]
    for svg in svgs:
        (message,) = texts(parse(svg))
        assert message.endswith(".")


def test_funding_bars_print_each_amount_with_a_pattern_per_series():
    root = parse(all_charts()["funding"])
    printed = texts(root)
    assert ["Need", "Pledged", "Committed", "Disbursed", "Amounts in EUR"] == printed[:5]
    assert printed[5:10] == ["Goal 1", "500 k", "400 k", "250 k", "100 k"]
    assert printed[10:15] == ["Goal 2", "no estimate", "80 k", "80 k", "0"]
    fills = {r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("fill", "").startswith("url")}
    assert fills == {
        f"url(#chart-funding-{k})" for k in ("need", "pledged", "committed", "disbursed")
    }
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("height") == "16"]
    assert widths[:4] == [352.0, 281.6, 176.0, 70.4]  # one scale: need 500 k is the longest


def test_line_chart_prints_the_last_value_and_at_most_five_quarter_labels():
    report = make_report(quarters=20)
    root = parse(all_charts(report)["over_time"])
    printed = texts(root)
    quarters = [t for t in printed if " Q" in t]
    assert 2 <= len(quarters) <= 5
    assert quarters[-1] == report.over_time[-1].label
    assert percent_text(report.over_time[-1].percent) in printed
    assert len(list(root.iter(f"{SVG}circle"))) == 20


def test_heatmap_prints_the_count_in_every_non_empty_cell_and_nothing_in_empty_ones():
    rows, columns = ["AT", "TR", "ICMPD"], ["G1", "G2", "G3"]
    cells = {(0, 0): 3, (1, 2): 1, (2, 1): 12, (2, 2): 0}
    root = parse(macros().render_heatmap("h", "T", "D", rows, columns, cells))
    at = {(t.get("x"), t.get("y")): t.text for t in root.iter(f"{SVG}text")}
    row_of = {y: rows.index(text) for (x, y), text in at.items() if text in rows}
    column_of = {x: columns.index(text) for (x, y), text in at.items() if text in columns}
    printed = {
        (row_of[y], column_of[x]): int(text)
        for (x, y), text in at.items()
        if y in row_of and x in column_of
    }
    assert printed == {(0, 0): 3, (1, 2): 1, (2, 1): 12}
    shaded = [r for r in root.iter(f"{SVG}rect") if r.get("fill") not in ("#ffffff",)]
    assert len(shaded) == 3
    assert texts(root)[0] == "Darker cells: more; each count is printed."


def test_coverage_counts_the_action_points_each_actor_reported_on_per_goal():
    coverage = coverage_from_reporters(make_report())
    assert coverage.row_labels == ["AT", "TR"]  # short, in the chart, with the names on hover
    assert coverage.names == ["Austria", "Türkiye"]
    assert coverage.column_labels == ["Goal 1", "Goal 2", "Goal 3"]
    assert coverage.cells == {(0, 0): 2, (0, 1): 1, (1, 1): 1}


def test_chart_tables_carry_the_figures_of_the_charts():
    report = make_report()
    tables = chart_tables(report, coverage_from_reporters(report))
    assert tables["progress"].rows[0] == ["Plan", "31.4 %"]
    assert tables["status_mix"].headers == [
        "Goal",
        "Not reported",
        "Not started",
        "Planned",
        "In progress",
        "Completed",
        "On hold",
        "Discontinued",
        "Total",
    ]
    assert tables["status_mix"].rows[1] == ["Goal 2", "0", "7", "4", "0", "0", "1", "1", "13"]
    assert tables["funding"].rows[0] == [
        "Goal 1",
        "500,000.00 EUR",
        "400,000.00 EUR",
        "250,000.00 EUR",
        "100,000.00 EUR",
        "250,000.00 EUR",
    ]
    assert tables["funding"].rows[1][1] == "no estimate"
    assert tables["coverage"].rows == [["Austria", "2", "1", "0"], ["Türkiye", "0", "1", "0"]]


def test_data_table_has_a_caption_and_scoped_headers_and_escapes_cells():
    html = str(macros().render_data_table("Progress & more", ["Goal", "%"], [["<b>1</b>", "5 %"]]))
    table = ET.fromstring(html)
    assert table.find("caption").text == "Progress & more"
    assert [th.get("scope") for th in table.iter("th")] == ["col", "col", "row"]
    assert table.find("tbody/tr/th").text == "<b>1</b>"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "0"),
        (1250, "12.5"),
        (99949, "999"),
        (99960000, "1 M"),
        (125000000, "1.25 M"),
        (-123456789, "-1.23 M"),
        (10**13, "100 bn"),
        (10**15, "10000 bn"),
    ],
)
def test_compact_money_keeps_three_significant_figures(amount, text):
    assert format_compact(amount, "EUR") == text


def test_compact_money_follows_the_currency_minor_unit():
    assert format_compact(12345, "JPY") == "12.3 k"


@pytest.mark.parametrize("key", CHARTS)
def test_each_chart_compiles_inside_a_typst_document(key):
    for svg in (all_charts()[key], report_charts(make_report([make_goal(1, {})])).get(key)):
        if svg is None:
            continue
        pdf = typst.compile(
            b'#image(bytes(sys.inputs.svg), format: "svg", width: 10cm)',
            sys_inputs={"svg": str(svg)},
        )
        assert pdf.startswith(b"%PDF")
