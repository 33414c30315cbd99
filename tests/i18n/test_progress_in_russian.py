"""Progress in Russian: a focal point's My work, update form, refused field, draft and submission;
the round page; and the status and workflow names, which come from one place."""

import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from markupsafe import Markup

from tests import factories
from tests.api.test_basics import assert_error
from tracker.db import db
from tracker.progress import services as progress
from tracker.progress.display import status_badge
from tracker.progress.models import Status, Workflow, status_label

TODAY = date.today()


@pytest.fixture
def ap():
    return factories.make_action_point(lead_actor=factories.get_actor("HU"))


def in_russian(client, login, role: str, **overrides):
    user = login.as_role(role, **overrides)
    client.post("/language", data={"language": "ru"})
    return user


def main(response) -> str:
    """The page's own part (the header's words belong to another area of the translation)."""
    text = response.get_data(as_text=True)
    assert '<html lang="ru"' in text
    return text[text.index("<main") :]


def test_a_focal_point_reports_progress_in_russian(client, login, ap):
    in_russian(client, login, "focal_point", actor=factories.get_actor("HU"))
    work = main(client.get("/progress/my-work"))
    assert "Мои задачи" in work and "Черновики участника" in work
    assert "My work" not in work and "Drafts of" not in work

    url = f"/progress/action-points/{ap.id}/updates/new"
    form = main(client.get(url))
    assert "Сохранить черновик" in form and "Отчётная дата" in form
    assert '<option value="in_progress">Выполняется (50 %)</option>' in form
    assert "Save draft" not in form and "Reporting date" not in form

    data = {"actor": "HU", "status": "in_progress", "percent": "40", "save": ""}
    refused = client.post(url, data={**data, "reported_on": TODAY + timedelta(days=5)})
    assert refused.status_code == 200
    assert "Отчётная дата не может быть в будущем." in main(refused)

    saved = client.post(url, data={**data, "reported_on": TODAY})
    assert saved.status_code == 302
    page = main(client.get(saved.location))
    assert "Обновление сохранено как черновик." in page
    assert "Черновик</span>" in page and "Выполняется, 40 %" in page

    update_id = int(saved.location.rsplit("/", 1)[1])
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    submitted = client.post(f"/progress/updates/{update_id}/submit", data={"version": version})
    page = main(client.get(submitted.location))
    assert "Обновление отправлено на проверку." in page and "Отправлено</span>" in page
    # The history below shows the audit trail's summaries, which are stored (in English).
    assert "Submitted" not in page[: page.index('id="history"')]


def test_the_round_page_speaks_russian(client, login, ap):
    admin = in_russian(client, login, "admin")
    round_ = progress.create_round(
        ap.plan, title="SOM 2026", opens_on=ap.plan.starts_on, deadline=TODAY, by=admin
    )
    db.session.commit()
    page = main(client.get(f"/progress/rounds/{round_.id}"))
    assert "Ещё нет отчёта" in page and "Напомнить всем, кто не представил отчёт" in page
    assert ">открыт<" in page and "Сортировать по" in page
    assert "Not reported yet" not in page and "Remind everyone" not in page


def test_a_refused_api_field_is_explained_in_russian_with_an_english_code(api, ap):
    api.as_role("focal_point", actor=factories.get_actor("HU"))
    body = {"action_point_id": ap.id, "status": "in_progress", "reported_on": "2100-01-01"}
    response = api.post("/api/v1/updates", json=body, headers={"Accept-Language": "ru"})
    error = assert_error(response, 422)
    assert error["code"] == "invalid"
    assert error["fields"]["reported_on"] == "Отчётная дата не может быть в будущем."


def test_status_and_workflow_names_come_from_one_place_in_each_language(app):
    with app.test_request_context():
        with force_locale("ru"):
            assert Status.IN_PROGRESS.label == "Выполняется"
            assert Status.ON_HOLD.label == "Приостановлено"
            assert Workflow.VALIDATED.label == "Подтверждено"
            assert Workflow.RETURNED.label == "Возвращено на доработку"
            assert status_label("not_reported") == status_label(None) == "Нет отчёта"
            assert status_label("completed") == "Завершено"
            russian = status_badge(None, stale_before=TODAY)
        with force_locale("en"):
            assert Status.IN_PROGRESS.label == "In progress"
            assert Workflow.VALIDATED.label == "Validated"
            assert status_label("not_reported") == "Not reported"
            english = status_badge(None, stale_before=TODAY)
    # Each language keeps its own badges: a Russian page does not leave Russian in English ones.
    assert isinstance(russian, Markup) and "Нет отчёта" in russian and "устарело" in russian
    assert "Not reported" in english and "stale" in english and "Нет" not in english


def test_a_bulk_row_refused_by_wtforms_is_explained_in_russian(client, login, ap):
    in_russian(client, login, "focal_point", actor=factories.get_actor("HU"))
    url = f"/progress/plans/{ap.plan.code}/bulk"
    rows = {"rows-0-action_point": ap.code, "rows-0-status": "completed", "rows-0-percent": "101"}
    page = main(client.post(url, data={"actor": "HU", "reported_on": TODAY, **rows}))
    assert "Значение должно быть между 0 и 100." in page
