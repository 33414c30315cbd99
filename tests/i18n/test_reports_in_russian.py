"""Reports in Russian: the dashboard and the web report follow the interface language; the PDF,
XLSX and web report are built in the language chosen for the report, whatever the interface
speaks; CSV and JSON stay English data; a published report records its language and keeps it;
the API's error messages follow Accept-Language while their codes stay English."""

import io
import zipfile
from datetime import date

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests import factories
from tests.reports.test_pdf import text_of
from tracker.db import db, utcnow
from tracker.pledges import services as pledge_services
from tracker.progress import services as progress_services
from tracker.reports.models import PublishedReport
from tracker.uploads.models import StoredFile
from tracker.web import format_date

RU = {"Accept-Language": "ru"}
TODAY = utcnow().date()
AMOUNT_RU = "1\N{NO-BREAK SPACE}000,00\N{NO-BREAK SPACE}€"  # 1,000.00 EUR as Russian writes it


@pytest.fixture
def funded_point():
    """An action point half done (validated), with a pledge of 1,000.00 EUR."""
    admin = factories.make_user(role="admin", name="Secretariat Publisher")
    ap = factories.make_action_point(title="Train border guards")
    factories.make_update(
        ap, by=admin, workflow="validated", status="in_progress", percent=50, narrative="Held."
    )
    target = pledge_services.Target(pledge_services.TargetKind.ACTION_POINT, ap.plan, ap.goal, ap)
    factories.make_pledge(target=target, amount_minor=100_000)
    db.session.commit()
    return ap


def in_russian(client, login, role: str = "member"):
    user = login.as_role(role)
    client.post("/language", data={"language": "ru", "next": "/"})
    return user


def russian_day(day: date) -> str:
    with force_locale("ru"):
        return format_date(day)


def test_the_dashboard_and_the_web_report_speak_russian(app, client, login, funded_point):
    in_russian(client, login)
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="ru">' in page
    for words in ("Сводная панель", "Мои задачи", "Состояние выполнения:", "Фильтры", "Показать"):
        assert words in page
    assert "Where implementation stands" not in page and "My to-dos" not in page
    report = client.get("/reports/progress").get_data(as_text=True)
    for words in ("Доклад о ходе выполнения", "Сводка", "ЧЕРНОВИК", "Встречи за период"):
        assert words in report
    assert "По состоянию на" in report and russian_day(TODAY) in report
    assert AMOUNT_RU in report  # the pledge, written as Russian writes amounts
    assert "Summary" not in report and "Progress report" not in report
    # A refused choice says why, in Russian, at its field; nothing is built.
    refused = client.get("/reports/progress?as_of=2999-01-01&format=pdf")
    assert refused.status_code == 400
    assert "дата в будущем: выберите сегодняшний или прошедший день" in refused.get_data(
        as_text=True
    )


def test_a_pdf_built_in_russian_reads_back_in_russian(client, login, funded_point):
    login.as_role("viewer")  # an English interface: the report's language is chosen apart
    builder = client.get("/reports/").get_data(as_text=True)
    assert 'name="language"' in builder and ">Русский</option>" in builder
    response = client.get("/reports/progress?format=pdf&language=ru")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = text_of(response.data)
    for words in ("Доклад о ходе выполнения", "Содержание", "Сводка", "Потребность", "Объявлено"):
        assert words in text
    assert "Приложение: кто о чём отчитался" in text and "Страница 1 из" in text
    assert " ".join(russian_day(TODAY).split()) in text  # "5 дек. 2026 г."
    assert " ".join(AMOUNT_RU.split()) in text  # "1 000,00 €"
    assert "Summary" not in text and "Progress report" not in text and "Page 1 of" not in text


def test_an_xlsx_built_in_russian_has_russian_sheets_and_headings_and_csv_stays_data(
    client, login, funded_point
):
    login.as_role("viewer")
    response = client.get("/reports/progress?format=xlsx&language=ru")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames[:3] == ["Титул", "Сводка", "Пункты действий"]
    headings = next(book["Пункты действий"].iter_rows(max_row=1, values_only=True))
    assert {"Цель", "Код", "Название", "Статус", "Ход выполнения"} <= set(headings)
    assert "Потребность (EUR)" in headings
    cover = dict(book["Титул"].iter_rows(min_row=2, values_only=True))
    assert cover["Состояние"] == "ЧЕРНОВИК" and cover["Валюта отчётности"] == "EUR"
    # The CSV zip is data: keys as headings, codes as values, in any language of the report.
    zipped = client.get("/reports/progress?format=csv&language=ru")
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as archive:
        points = archive.read("action_points.csv").decode("utf-8-sig")
        cover_csv = archive.read("cover.csv").decode("utf-8-sig")
    assert points.startswith("goal,code,title") and ",in_progress," in points
    assert "State,DRAFT" in cover_csv
    data = client.get("/reports/progress?format=json&language=ru").get_json()
    assert data["cover"]["state"] == "DRAFT" and "in_progress" in data["counts"]


def test_a_published_report_records_its_language_and_keeps_it(client, login, api, funded_point):
    admin = login.as_role("admin")  # an English interface; the report is published in Russian
    round_ = progress_services.create_round(
        funded_point.plan, title="SOM 2026", opens_on=date(2024, 1, 1), deadline=TODAY, by=admin
    )
    db.session.commit()
    round_page = client.get(f"/progress/rounds/{round_.id}").get_data(as_text=True)
    assert 'name="language"' in round_page and 'value="en" lang="en" selected' in round_page
    done = client.post(
        f"/reports/rounds/{round_.id}/publish", data={"language": "ru"}, follow_redirects=True
    )
    assert "Published the progress report for SOM 2026" in done.get_data(as_text=True)
    published = db.session.scalar(select(PublishedReport))
    assert published.language == "ru"
    pdf = client.get(f"/reports/published/{published.id}/pdf")
    assert "Опубликован за цикл «SOM 2026»" in text_of(pdf.data)
    round_page = client.get(f"/progress/rounds/{round_.id}").get_data(as_text=True)
    assert "in Русский" in round_page
    listing = client.get("/reports/").get_data(as_text=True)
    assert '<td lang="ru">Русский</td>' in listing
    api.as_role("viewer")
    assert api.get(f"/api/v1/reports/published/{published.id}").get_json()["language"] == "ru"
    # Kept as published: reading it again in English gives the same Russian bytes.
    assert client.get(f"/reports/published/{published.id}/pdf").data == pdf.data


def test_api_errors_follow_accept_language_and_keep_their_english_code(api):
    api.as_role("viewer")
    refused = api.get("/api/v1/reports/progress?format=docx", headers=RU)
    error = refused.get_json()["error"]
    assert refused.status_code == 400 and error["code"] == "bad_request"
    assert error["message"] == "format: допустимые значения — json, pdf, xlsx, csv."
    missing = api.get("/api/v1/plans/NO-SUCH-PLAN", headers=RU).get_json()["error"]
    assert missing["code"] == "not_found" and missing["message"] == "Плана NO-SUCH-PLAN нет."
    english = api.get("/api/v1/plans/NO-SUCH-PLAN").get_json()["error"]
    assert english["message"] == "There is no plan NO-SUCH-PLAN."


def test_an_unknown_report_language_is_refused_and_nothing_is_stored(client, login, api):
    admin = api.as_role("admin")
    round_ = progress_services.create_round(
        factories.get_plan(), title="SOM 2027", opens_on=date(2024, 1, 1), deadline=TODAY, by=admin
    )
    db.session.commit()
    files_before = db.session.scalar(select(func.count()).select_from(StoredFile))
    refused = api.post(f"/api/v1/rounds/{round_.id}/publish?language=xx", headers=RU)
    error = refused.get_json()["error"]
    assert refused.status_code == 400 and error["code"] == "bad_request"
    assert error["fields"]["language"] == "Языка «xx» нет: выберите один из en, ru."
    assert (
        api.post(f"/api/v1/rounds/{round_.id}/publish", json={"language": "klingon"}).status_code
        == 400
    )
    assert api.get("/api/v1/reports/progress?language=xx").status_code == 400
    in_russian(client, login, "admin")
    page = client.get("/reports/progress?language=xx")
    assert page.status_code == 400 and "Языка «xx» нет" in page.get_data(as_text=True)
    client.post(f"/reports/rounds/{round_.id}/publish", data={"language": "xx"})
    assert db.session.scalar(select(func.count()).select_from(PublishedReport)) == 0
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == files_before


def test_the_command_line_writes_a_report_in_the_language_asked_for(runner, tmp_path):
    out = tmp_path / "report.xlsx"
    args = ["export", "report", "--format", "xlsx", "--out", str(out)]
    assert runner.invoke(args=[*args, "--language", "ru"]).exit_code == 0
    assert openpyxl.load_workbook(out, read_only=True).sheetnames[0] == "Титул"
    refused = runner.invoke(args=[*args, "--language", "xx"])
    assert refused.exit_code != 0 and "No language 'xx': choose one of en, ru." in refused.output
    admin = factories.make_user(role="admin")
    round_ = progress_services.create_round(
        factories.get_plan(), title="SOM 2028", opens_on=date(2024, 1, 1), deadline=TODAY, by=admin
    )
    db.session.commit()
    publish = ["report", "publish", "--round", str(round_.id), "--language"]
    refused = runner.invoke(args=[*publish, "xx"])
    assert refused.exit_code != 0 and "No language 'xx'" in refused.output
    assert db.session.scalar(select(func.count()).select_from(PublishedReport)) == 0
    assert runner.invoke(args=[*publish, "ru"]).exit_code == 0
    assert db.session.scalar(select(PublishedReport.language)) == "ru"
