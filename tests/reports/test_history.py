"""History panels show what a person recognises: names, titles and labels, not the codes, ids,
enum values and file digests that the audit trail keeps for machines (and the API serves)."""

from datetime import timedelta

from tests import factories
from tests.api.test_basics import count_queries
from tracker.audit.services import history_of
from tracker.db import db
from tracker.meetings import follow_ups, services
from tracker.pledges import services as pledge_services
from tracker.reports.history import describe_events


def test_a_pledge_history_names_what_it_funds_and_who_pledged(client, login):
    ap = factories.make_action_point(code="77", title="Train border guards in risk analysis")
    target = pledge_services.Target(pledge_services.TargetKind.ACTION_POINT, ap.plan, ap.goal, ap)
    pledge = factories.make_pledge(actor=factories.get_actor("SE"), target=target)
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    history = page[page.index('id="history"') :]
    assert "Action point 77: Train border guards in risk analysis" in history
    assert "Sweden" in history
    assert f"action_point:{ap.id}" not in history


def test_carried_over_follow_ups_are_shown_by_their_text(client, login):
    earlier = factories.make_meeting()
    factories.make_follow_up(earlier, text="Send the list of trainers")
    factories.make_follow_up(earlier, text="Draft the terms of reference")
    later = factories.make_meeting(starts_at=earlier.starts_at + timedelta(days=60))
    db.session.commit()
    login.as_role("viewer")
    page = client.get(f"/meetings/{later.id}").get_data(as_text=True)
    history = page[page.index('id="history"') :]
    assert '<dt class="col-sm-3">Follow-ups</dt>' in history
    assert "Send the list of trainers, Draft the terms of reference" in history
    assert "[" not in history.split("Follow-ups", 1)[1].split("</dd>", 1)[0]


def test_participants_and_statuses_are_shown_by_name_and_label(app, client, login):
    meeting = factories.make_meeting()
    services.set_participant(
        meeting, actor=factories.get_actor("SE"), attendance="attended", by="tests"
    )
    follow_up = factories.make_follow_up(meeting)
    follow_ups.change_follow_up_status(
        follow_up, status="in_progress", note="Started", version=None, by="tests"
    )
    db.session.commit()
    meeting_changes = describe_events(history_of(meeting), plan_id=meeting.plan_id)
    participant = next(c for e in meeting_changes for c in e.changes if c.label == "Sweden")
    assert (participant.before, participant.after) == (None, "Attended")  # newly invited
    status = next(c for e in describe_events(history_of(follow_up)) for c in e.changes)
    assert (status.label, status.before, status.after) == ("Status", "Open", "In progress")


def test_an_update_history_names_the_evidence_file_and_hides_its_digest(client, login):
    admin = factories.make_user(role="admin")
    update = factories.make_update(by=admin)
    evidence = factories.make_evidence(update, by=admin, filename="workshop-report.pdf")
    db.session.commit()
    login.as_role("admin")
    page = client.get(f"/progress/updates/{update.id}").get_data(as_text=True)
    history = page[page.index('id="history"') :]
    assert "workshop-report.pdf" in history
    assert evidence.file.sha256 not in history and "sha256" not in history.lower()


def test_history_panels_take_the_same_queries_however_many_records_they_name(app, client, login):
    def busy_meeting(n: int):
        earlier = factories.make_meeting()
        for i in range(n):
            factories.make_follow_up(earlier, text=f"Follow-up {i}")
        meeting = factories.make_meeting(starts_at=earlier.starts_at + timedelta(days=60))
        for code in ["AT", "HU", "TR", "DE", "SE", "FR", "IT", "PL"][:n]:
            services.set_participant(
                meeting, actor=factories.get_actor(code), attendance="invited", by="tests"
            )
        db.session.commit()
        return meeting

    login.as_role("admin")
    few, many = busy_meeting(1), busy_meeting(8)
    counts = [count_queries(app, lambda m=m: client.get(f"/meetings/{m.id}")) for m in (few, many)]
    assert counts[0] == counts[1], counts


def test_stored_values_read_as_words():
    from tracker.audit.models import AuditEvent

    event = AuditEvent(
        id=10**9,
        action="update",
        agent="tests",
        summary="Edited",
        entity_type="progress_updates",
        changes={
            "status": ["ongoing", "completed"],
            "workflow": ["submitted", "validated"],
            "is_virtual": [False, True],
            "reported_on": ["2026-03-10", "2026-03-11"],
            "percent": [50, 100],
            "lead_actor": ["SE", None],
            "sha256": [None, "ab" * 32],
            "pdf_sha256": [None, "cd" * 32],
            "file": [None, "minutes.pdf (12 KB)"],
        },
    )
    (entry,) = describe_events([event])
    words = {c.label: (c.before, c.after) for c in entry.changes}
    assert words == {
        "Status": ("Ongoing", "Completed"),
        "Workflow": ("Submitted", "Validated"),
        "Virtual meeting": ("No", "Yes"),
        "Reporting date": ("10 Mar 2026", "11 Mar 2026"),
        "Percent complete": ("50 %", "100 %"),
        "Lead actor": ("Sweden", None),
        "File": (None, "minutes.pdf (12 KB)"),
    }
