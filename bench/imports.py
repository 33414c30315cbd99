"""`python -m bench.imports` (part of `make bench`): how long a 5,000-row plan import (new
rows, then every row changed) and a 5,000-row pledge import hold SQLite's write lock, and how
long another writer waits behind them (target: about a second at most).

Each import goes through the app as a user sends it (the API for the plan, the page for the
pledges) on an SQLite file database, while a second thread writes a small row every 50 ms
through its own connection. Printed: the import's wall time, its longest write transaction
(BEGIN IMMEDIATE to COMMIT or ROLLBACK) and the other writer's longest wait.
"""

import csv
import io
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, select

from tracker import MIGRATIONS_DIR, create_app
from tracker.actors.models import Actor
from tracker.auth.models import Role
from tracker.auth.services import create_token, create_user
from tracker.db import db
from tracker.plan.fileformats import CSV_COLUMNS
from tracker.plan.shipped import load_shipped_data

ROWS = 5_000
PASSWORD = "bench-password-long-enough"


def plan_file(actor_codes: list[str], rows: int = ROWS) -> bytes:
    """6 goals, a fifth of the rest action points (with a lead and two partners), the others
    activities with dates and a budget: a plan file of `rows` rows."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for number in range(1, 7):
        writer.writerow({"type": "goal", "number": number, "title": f"Goal {number}"})
    rest = rows - 6
    points = rest // 5
    for n in range(points):
        writer.writerow(
            {
                "type": "action_point",
                "code": f"B{n}",
                "goal": n % 6 + 1,
                "title": f"Action point {n}",
                "description": f"What action point {n} is about. " * 4,
                "lead_actor": actor_codes[n % len(actor_codes)],
                "partners": "; ".join(actor_codes[(n + k) % len(actor_codes)] for k in (1, 2)),
                "target_on": "2027-06-30",
            }
        )
    for n in range(rest - points):
        writer.writerow(
            {
                "type": "activity",
                "action_point": f"B{n % points}",
                "code": f"A{n // points + 1}",
                "title": f"Activity {n}",
                "lead_actor": actor_codes[n % len(actor_codes)],
                "starts_on": "2026-01-01",
                "ends_on": "2026-12-31",
                "budget_amount": f"{1000 + n}.50",
                "budget_currency": "EUR",
            }
        )
    return out.getvalue().encode()


def pledge_file(actor_codes: list[str], rows: int = ROWS) -> bytes:
    """`rows` rows: new pledges (a pledged row) and, for every second one, a committed entry."""
    out = io.StringIO()
    columns = ["pledge_ref", "actor", "plan", "target_kind", "target", "purpose", "currency"]
    columns += ["kind", "amount", "value_date", "reason"]
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    n = 0
    while n < rows:
        ref = f"p{n}"
        base = {
            "pledge_ref": ref,
            "actor": actor_codes[n % len(actor_codes)],
            "plan": "BP-CFA-2019",
        }
        writer.writerow(
            {
                **base,
                "target_kind": "goal",
                "target": n % 6 + 1,
                "purpose": f"Pledge {n}",
                "currency": "EUR",
                "kind": "pledged",
                "amount": "250000.00",
                "value_date": "2024-03-01",
            }
        )
        n += 1
        if n < rows and n % 2:
            writer.writerow(
                {**base, "currency": "EUR", "kind": "committed", "amount": "100000.00"}
                | {"value_date": "2024-06-01"}
            )
            n += 1
    return out.getvalue().encode()


class LockWatch:
    """The length of every write transaction on the engine (BEGIN IMMEDIATE to its end)."""

    def __init__(self, engine):
        self.spans: list[float] = []
        self.started: dict[int, float] = {}
        event.listen(engine, "after_cursor_execute", self.after)
        event.listen(engine, "commit", self.end)
        event.listen(engine, "rollback", self.end)

    def after(self, conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("BEGIN IMMEDIATE"):
            self.started[id(conn.connection.dbapi_connection)] = time.perf_counter()

    def end(self, conn):
        start = self.started.pop(id(conn.connection.dbapi_connection), None)
        if start is not None:
            self.spans.append(time.perf_counter() - start)


class OtherWriter(threading.Thread):
    """Writes a row every 50 ms on its own connection (15 s busy timeout, as the app has)."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path, self.waits, self.errors = path, [], []
        self.stop = threading.Event()

    def run(self):
        conn = sqlite3.connect(self.path, timeout=15, isolation_level=None)
        conn.execute("CREATE TABLE IF NOT EXISTS bench_other (n INTEGER)")
        while not self.stop.is_set():
            start = time.perf_counter()
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO bench_other VALUES (1)")
                conn.execute("COMMIT")
            except sqlite3.OperationalError as error:
                self.errors.append(str(error))
            self.waits.append(time.perf_counter() - start)
            time.sleep(0.05)
        conn.close()


def run_import(app, path: Path, label: str, send) -> None:
    with app.app_context():
        watch = LockWatch(db.engine)
    other = OtherWriter(path)
    other.start()
    time.sleep(0.2)
    start = time.perf_counter()
    response = send()
    took = time.perf_counter() - start
    time.sleep(0.2)
    other.stop.set()
    other.join()
    longest = max(watch.spans, default=0)
    print(
        f"{label}: HTTP {response.status_code} in {took:.2f} s; longest write transaction "
        f"{longest:.2f} s ({len(watch.spans)} write transactions); other writer: longest wait "
        f"{max(other.waits):.2f} s over {len(other.waits)} writes, {len(other.errors)} failed"
    )
    if response.status_code >= 300 and response.status_code != 302:
        print(response.get_data(as_text=True)[:2000])


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "imports.sqlite"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                "SECRET_KEY": "bench-secret-key-long-enough-0123456789",
                "WTF_CSRF_ENABLED": False,
                "UPLOAD_FOLDER": str(Path(folder) / "uploads"),
                "LOG_LEVEL": "ERROR",  # the slow imports of the lines below would be logged
            }
        )
        app.instance_path = folder
        with app.app_context():
            upgrade(directory=MIGRATIONS_DIR)
            load_shipped_data()
            admin = create_user(
                email="bench-admin@example.org",
                name="Bench",
                role=Role.ADMIN,
                password=PASSWORD,
                actor=None,
                by="bench",
            )
            _, token = create_token(admin, by="bench")
            db.session.commit()
            actors = [a.code for a in db.session.scalars(select(Actor).order_by(Actor.code))]
        plans = plan_file(actors)
        pledges = pledge_file(actors)
        client = app.test_client()

        def send_plan():
            return client.post(
                "/api/v1/plans/BP-CFA-2019/import",
                headers={"Authorization": f"Bearer {token}"},
                data={"file": (io.BytesIO(plans), "plan.csv")},
            )

        run_import(app, path, f"plan import ({ROWS:,} rows, API)", send_plan)
        plans = plans.replace(b"Activity ", b"Step ").replace(b"Action point ", b"Point ")
        run_import(app, path, f"plan import again, every row changed ({ROWS:,} rows)", send_plan)

        pages = app.test_client()
        pages.post("/auth/sign-in", data={"email": "bench-admin@example.org", "password": PASSWORD})

        def send_pledges():
            return pages.post(
                "/pledges/import", data={"file": (io.BytesIO(pledges), "pledges.csv")}
            )

        run_import(app, path, f"pledge import ({ROWS:,} rows, page)", send_pledges)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
