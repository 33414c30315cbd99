"""`make bench`: page timings as ratios to a trivial route measured in the same run, and SQL
queries per page, on small and ten-times-larger data (the query counts must not grow)."""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, insert, select, text

from tracker import MIGRATIONS_DIR, create_app
from tracker.audit.models import AuditEvent
from tracker.auth.models import User
from tracker.auth.services import create_token
from tracker.db import db
from tracker.demo import load_demo
from tracker.meetings.models import Meeting
from tracker.plan.models import ActionPoint, Plan, code_sort_key
from tracker.plan.shipped import load_shipped_data
from tracker.pledges.models import Pledge
from tracker.progress.models import Round

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
TARGETS = {"queries": 10, "p95_ms": 50.0, "throughput_ratio": 0.03}
SECRET_KEY = "bench-secret-key-long-enough-0123456789"
ADMIN_EMAIL = "demo-admin@example.org"


def make_app(folder: Path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
            "SECRET_KEY": SECRET_KEY,
            "WTF_CSRF_ENABLED": False,
            "LOG_LEVEL": "WARNING",  # a line a request would bury the results
        }
    )
    app.instance_path = str(folder)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        load_shipped_data()
        db.session.commit()
    return app


def grow(app, years: int, extra_action_points: int, history: int) -> str:
    """Reload the demo with more years, add action points and a long history; return the
    demo admin's password."""
    with app.app_context():
        demo = load_demo(years=years, reset=True)
        plan = db.session.scalar(select(Plan).where(Plan.code == "DEMO"))
        goal_ids = [g.id for g in plan.goals]
        rows = [
            {
                "plan_id": plan.id,
                "goal_id": goal_ids[n % 6],
                "code": f"X{n}",
                "sort_key": code_sort_key(f"X{n}"),
                "title": f"Extra action point {n}",
            }
            for n in range(extra_action_points)
        ]
        if rows:
            db.session.execute(insert(ActionPoint), rows)
        first = db.session.scalar(select(ActionPoint).where(ActionPoint.plan_id == plan.id))
        events = [
            {
                "action": "update",
                "entity_type": "action_points",
                "entity_id": first.id,
                "summary": f"Edited title ({n})",
                "changes": {"title": ["a", "b"]},
                "agent": "bench",
            }
            for n in range(history)
        ]
        if events:
            db.session.execute(insert(AuditEvent), events)
        db.session.execute(text("ANALYZE"))  # statistics after the bulk additions, as the demo
        db.session.commit()
    return next(password for email, password, _ in demo.accounts if email == ADMIN_EMAIL)


def measure(app, label: str, admin_password: str) -> list[tuple]:
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == ADMIN_EMAIL))
        _, token = create_token(admin, by="bench")
        db.session.commit()
        ap_id = db.session.scalar(select(ActionPoint.id).order_by(ActionPoint.id))
        pledge_id = db.session.scalar(select(Pledge.id).order_by(Pledge.id))
        round_id = db.session.scalar(select(Round.id).order_by(Round.deadline.desc(), Round.id))
        # The latest Reference Group meeting: its brief looks back to the one before.
        meeting_id = db.session.scalar(
            select(Meeting.id)
            .where(Meeting.series == "reference-group")
            .order_by(Meeting.starts_at.desc())
        )
    client = app.test_client()
    client.post("/auth/sign-in", data={"email": ADMIN_EMAIL, "password": admin_password})
    bearer = {"Authorization": f"Bearer {token}"}
    since = (date.today() - timedelta(days=90)).isoformat()
    routes = [
        ("/healthz", {}),
        ("/?plan=DEMO", {}),
        ("/plans/", {}),
        ("/plans/DEMO", {}),
        ("/plans/DEMO/goals/1", {}),
        (f"/plans/action-points/{ap_id}", {}),
        ("/actors/", {}),
        ("/progress/plans/DEMO", {}),
        (f"/progress/action-points/{ap_id}", {}),
        (f"/progress/plans/DEMO/changes?since={since}", {}),
        ("/progress/plans/DEMO/matrix?goal=1", {}),
        ("/progress/my-work", {}),
        (f"/progress/rounds/{round_id}", {}),
        ("/api/v1/my-work", bearer),
        ("/admin/audit/", {}),
        ("/admin/users/", {}),
        ("/auth/tokens", {}),
        ("/pledges/?plan=DEMO", {}),
        ("/pledges/matrix?plan=DEMO", {}),
        ("/pledges/funding?plan=DEMO", {}),
        (f"/pledges/{pledge_id}", {}),
        (f"/api/v1/pledges/{pledge_id}", bearer),
        ("/api/v1/plans/DEMO", bearer),
        ("/api/v1/action-points?plan=DEMO&per_page=50", bearer),
        ("/api/v1/plans/DEMO/progress", bearer),
        (f"/api/v1/action-points/{ap_id}/timeline", bearer),
        ("/meetings/", {}),
        (f"/meetings/{meeting_id}", {}),
        (f"/meetings/{meeting_id}/brief", {}),
        ("/meetings/follow-ups?overdue=1", {}),
        (f"/api/v1/meetings/{meeting_id}/brief", bearer),
    ]
    queries = [0]

    def count(*args):
        queries[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    results = []
    session_cookie = client.get_cookie("session").value
    try:
        for path, headers in routes:
            client.get(path, headers=headers)  # warm up
            queries[0] = 0
            assert client.get(path, headers=headers).status_code == 200, path
            per_request = queries[0]
            times = []
            for _ in range(ROUNDS):
                start = time.perf_counter()
                client.get(path, headers=headers)
                times.append(time.perf_counter() - start)
            times.sort()
            results.append(
                (label, path, statistics.median(times), times[int(ROUNDS * 0.95)], per_request)
            )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return results, session_cookie


REPORT_ROUNDS = int(os.environ.get("BENCH_REPORT_ROUNDS", "5"))
REPORT_TARGETS_S = {"pdf": 1.0, "xlsx": 0.5}


def rss_bytes() -> int:
    """This process's resident memory now (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure_reports(app, admin_password: str) -> list[str]:
    """The progress report of DEMO in each format (median of a few), the as-of report against
    the current one, and the worker's memory while the CSV zip of every update streams."""
    client = app.test_client()
    client.post("/auth/sign-in", data={"email": ADMIN_EMAIL, "password": admin_password})
    with app.app_context():
        plan = db.session.scalar(select(Plan).where(Plan.code == "DEMO"))
        start, middle = plan.starts_on, plan.starts_on + (date.today() - plan.starts_on) / 2
    base = "/reports/progress?plan=DEMO"
    cases = [
        ("trivial /healthz", "/healthz"),
        ("report as JSON, now", base + "&format=json"),
        ("report as JSON, as of", base + f"&format=json&as_of={middle.isoformat()}"),
        ("report as web page", base),
        ("full-plan PDF", base + "&format=pdf"),
        ("summary XLSX", base + "&format=xlsx"),
    ]
    timings = {}
    for name, path in cases:
        client.get(path)
        times = []
        for _ in range(REPORT_ROUNDS if name != "trivial /healthz" else ROUNDS):
            began = time.perf_counter()
            answer = client.get(path)
            times.append(time.perf_counter() - began)
            assert answer.status_code == 200, path
        timings[name] = statistics.median(times)
    lines, failures = [], []
    trivial = timings["trivial /healthz"]
    for name, seconds in timings.items():
        lines.append(f"  {name:<24} {seconds * 1000:9.1f} ms {seconds / trivial:9.0f} x trivial")
    for fmt, limit in REPORT_TARGETS_S.items():
        name = "full-plan PDF" if fmt == "pdf" else "summary XLSX"
        if timings[name] > limit:
            failures.append(f"{name}: {timings[name]:.2f} s (target ≤ {limit} s)")
    as_of_ratio = timings["report as JSON, as of"] / timings["report as JSON, now"]
    lines.append(f"  as-of report / current report: {as_of_ratio:.1f} x (target ≤ 3)")
    if as_of_ratio > 3:
        failures.append(f"as-of report {as_of_ratio:.1f} x the current one")
    before = peak = rss_bytes()
    answer = client.get(base + f"&format=csv&from={start.isoformat()}", buffered=False)
    size = 0
    for chunk in answer.response:
        size += len(chunk)
        peak = max(peak, rss_bytes())
    answer.close()
    growth = (peak - before) / 2**20
    lines.append(
        f"  CSV zip of every update: {size / 2**20:.1f} MB streamed, worker memory +"
        f"{growth:.1f} MB (target < 20 MB)"
    )
    if growth >= 20:
        failures.append(f"CSV zip grew the worker by {growth:.1f} MB")
    return lines + [f"  MISSED: {failure}" for failure in failures]


def wrk_throughput(folder: Path, cookie: str) -> list[tuple[str, float]]:
    """Requests per second of /healthz and the plan progress overview under gunicorn (2 workers)
    with wrk, in the same run; [] if wrk or gunicorn is missing."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not shutil.which("wrk") or not gunicorn.exists():
        print("wrk or gunicorn not found: throughput skipped (scripts/install-system-deps)")
        return []
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}",
        "SECRET_KEY": SECRET_KEY,
        "TRACKER_ENV": "development",
        "LOG_LEVEL": "WARNING",  # slow requests and errors only: not 1,000 lines a second
    }
    server = subprocess.Popen(
        [
            str(gunicorn),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--log-level",
            "warning",
            "tracker:create_app()",
        ],
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):  # the workers answer a moment after the port is open
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        results = []
        for path in ("/healthz", "/progress/plans/DEMO"):
            output = subprocess.run(
                ["wrk", "-t2", "-c20", "-d5s", "-H", f"Cookie: session={cookie}", base + path],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
            if not rate:
                raise SystemExit(f"wrk got no answers from {path}:\n{output}")
            errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
            if errors:
                raise SystemExit(f"{path}: {errors[1]} non-2xx answers under wrk")
            results.append((path, rate))
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


# (label, years of history, action points added to the plan's 41, extra audit events on one).
# The targets are for ten years of the real plan's size; the third data set has ten times the
# action points, only to show that no page issues a query per action point.
DATA_SETS = [
    ("1 year", 1, 0, 0),
    ("10 years", 10, 0, 2000),
    ("10y x10 AP", 10, 369, 2000),
]
TARGET_DATA = "10 years"


def main() -> None:
    measured: dict[str, list[tuple]] = {}
    report_lines: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
        for label, years, extra_action_points, history in DATA_SETS:
            started = time.perf_counter()
            password = grow(app, years, extra_action_points, history)
            print(f"demo for {label}: {time.perf_counter() - started:.1f} s")
            measured[label], cookie = measure(app, label, password)
            if label != DATA_SETS[-1][0]:
                report_lines[label] = measure_reports(app, password)
            if label == TARGET_DATA:
                with app.app_context():
                    db.engine.dispose()
                throughput = wrk_throughput(Path(tmp), cookie)
    rows = [row for label, *_ in DATA_SETS for row in measured[label]]
    baseline = {label: p50 for label, path, p50, _, _ in rows if path == "/healthz"}
    print(f"{'data':<11} {'route':<46} {'p50 ms':>7} {'p95 ms':>7} {'x trivial':>9} {'queries':>7}")
    for label, path, p50, p95, queries in rows:
        ratio = p50 / baseline[label]
        print(
            f"{label:<11} {path:<46} {p50 * 1000:7.2f} {p95 * 1000:7.2f} {ratio:9.1f} {queries:7d}"
        )
    failures = []
    for path, rate in throughput:
        print(f"gunicorn -w 2, wrk -t2 -c20 -d5s ({TARGET_DATA}): {path:<24} {rate:9.0f} req/s")
    if len(throughput) == 2:
        ratio = throughput[1][1] / throughput[0][1]
        print(f"plan progress overview throughput: {ratio:.1%} of /healthz (target ≥ 3%)")
        if ratio < TARGETS["throughput_ratio"]:
            failures.append(f"overview throughput {ratio:.1%} of /healthz")
    for _, path, _, p95, queries in measured[TARGET_DATA]:
        if queries > TARGETS["queries"]:
            failures.append(f"{path}: {queries} queries at {TARGET_DATA}")
        if p95 * 1000 > TARGETS["p95_ms"]:
            failures.append(f"{path}: p95 {p95 * 1000:.1f} ms at {TARGET_DATA}")
    first = measured[DATA_SETS[0][0]]
    for label, *_ in DATA_SETS[1:]:
        # Fewer is fine (a history panel names records in one query only when its page has not
        # loaded them already); more would mean a query per row.
        grown = [
            (a[1], a[4], b[4]) for a, b in zip(first, measured[label], strict=True) if a[4] < b[4]
        ]
        if grown:
            raise SystemExit(f"query counts grew with the data ({label}): {grown}")
    print("Query counts per page are the same for every data set (41 and 410 action points).")
    for label, lines in report_lines.items():
        print(f"Progress report of DEMO ({label}; median of {REPORT_ROUNDS}):")
        print("\n".join(lines))
    if failures:
        print(f"Targets missed at {TARGET_DATA} (≤ 10 queries, p95 ≤ 50 ms, throughput ≥ 3%):")
        for failure in failures:
            print(f"  {failure}")


if __name__ == "__main__":
    main()
