"""The plan, goal and actor pages in Russian: names in Russian where the record carries one (or,
for a state, the CLDR's), in English where not; Russian titles through the import file and back;
refused forms and flashes in Russian."""

import csv
import io

from tracker.actors.models import Actor, ActorKind
from tracker.db import db
from tracker.plan import transfer
from tracker.plan.models import PriorityGoal
from tracker.plan.services import create_goal

from ..factories import get_actor, get_plan

RU = {"Accept-Language": "ru"}


def page(client, url: str, **kwargs) -> str:
    response = client.get(url, headers=RU, **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_plan_page_shows_the_russian_titles_shipped_and_english_where_none(client, login):
    login.as_role("viewer")
    plan = get_plan("BP-CFA-2019")
    goal = create_goal(plan, number=9, title="A goal without Russian", by="tests")
    db.session.commit()
    html = page(client, "/plans/BP-CFA-2019")
    assert "Стамбульские обязательства" in html  # the plan's shipped Russian title
    assert "Приоритетная цель 5: Торговля людьми" in html
    assert f"Приоритетная цель {goal.number}: A goal without Russian" in html
    assert "Trafficking in persons" not in html
    # In English, the names as entered.
    english = client.get("/plans/BP-CFA-2019").get_data(as_text=True)
    assert "Priority goal 5: Trafficking in persons" in english
    assert "Торговля людьми" not in english
    assert "Призыв к действию 2019–2024" in page(client, "/plans/")


def test_actor_pages_name_states_by_the_cldr_and_organisations_by_their_shipped_names(
    client, login
):
    login.as_role("viewer")
    html = page(client, "/actors/")
    assert "Венгрия" in html  # HU: no Russian name entered, the CLDR's
    assert "Кыргызстан" in html  # KG: the shipped name wins over the CLDR's "Киргизия"
    assert "Киргизия" not in html
    assert "Международный центр по развитию миграционной политики (МЦРМП)" in html
    assert "Государства-участники" in html and "Организации" in html
    hungary = page(client, f"/actors/{get_actor('HU').id}")
    assert '<h1 class="h3">Венгрия' in hungary and "Hungary" in hungary  # the English beside


def test_an_organisation_without_a_russian_name_keeps_its_english_one(client, login):
    login.as_role("viewer")
    actor = Actor(kind=ActorKind.ORGANISATION, code="ZZORG", name="Zeta Organisation")
    # A state code that is also a territory code must not be taken for one: EU is an
    # organisation here.
    eu = Actor(kind=ActorKind.ORGANISATION, code="EU", name="European Union")
    db.session.add_all([actor, eu])
    db.session.commit()
    html = page(client, "/actors/")
    assert "Zeta Organisation" in html
    assert "European Union" in html and "Европейский союз" not in html


def test_a_russian_name_entered_on_the_form_is_shown_and_a_refused_form_speaks_russian(
    client, login
):
    login.as_role("admin")
    hungary = get_actor("HU")
    form = page(client, f"/actors/{hungary.id}/edit")
    assert "Название (Русский)" in form
    data = {
        "kind": "participating_state",
        "code": "HU",
        "name": "Hungary",
        "name_ru": "Венгерская Республика",
        "version": hungary.version,
    }
    response = client.post(f"/actors/{hungary.id}/edit", data=data, headers=RU)
    assert response.status_code == 302
    assert page(client, response.headers["Location"]).count("Венгерская Республика") >= 2
    assert db.session.get(Actor, hungary.id).translations == {
        "ru": {"name": "Венгерская Республика"}
    }
    # The history panel and the audit trail tell the change in Russian (stored in English).
    shown = page(client, f"/actors/{hungary.id}")
    assert "Название (русский)" in shown
    assert "Изменён участник HU: название (русский)" in shown
    assert "Изменён участник HU: название (русский)" in page(client, "/admin/audit/")
    english = client.get("/admin/audit/").get_data(as_text=True)
    assert "Edited actor HU: name in russian" in english

    refused = client.post(
        "/actors/new", data={"kind": "organisation", "code": "x", "name": "X"}, headers=RU
    )
    assert refused.status_code == 200
    text = refused.get_data(as_text=True)
    assert "Используйте от 2 до 16 заглавных латинских букв" in text
    assert db.session.scalar(db.select(Actor).where(Actor.name == "X")) is None


def test_a_goal_form_in_russian_refuses_a_taken_number_and_saves_a_russian_title(client, login):
    login.as_role("admin")
    goal = get_plan("BP-CFA-2025").goals[0]
    refused = client.post(
        "/plans/BP-CFA-2025/goals/new", data={"number": "1", "title": "Again"}, headers=RU
    )
    assert "В плане BP-CFA-2025 уже есть цель 1." in refused.get_data(as_text=True)
    data = {
        "number": goal.number,
        "title": goal.title,
        "title_ru": "Нерегулярная миграция",
        "version": goal.version,
    }
    response = client.post(f"/plans/goals/{goal.id}/edit", data=data, headers=RU)
    assert response.status_code == 302
    html = page(client, response.headers["Location"])
    assert "Цель 1 сохранена." in html  # the flash
    assert "Приоритетная цель 1: Нерегулярная миграция</h1>" in html


def test_goal_titles_in_russian_round_trip_through_the_import_file(app):
    plan = get_plan("BP-CFA-2025")
    exported = transfer.export_plan(plan, "csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows[0]["title_ru"].startswith("Нерегулярная миграция, незаконный ввоз мигрантов")
    # The same file imports back unchanged; a changed Russian title is an update of that alone.
    assert transfer.preview_import(exported.encode(), "plan.csv", plan.code).changed == []
    rows[1]["title_ru"] = "Легальные пути"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=rows[0].keys())
    writer.writeheader()
    writer.writerows(rows)
    preview = transfer.preview_import(out.getvalue().encode(), "plan.csv", plan.code)
    assert [(row.key, row.changes) for row in preview.changed] == [
        ("2", {"title_ru": ["Легальные пути миграции и трудовая мобильность", "Легальные пути"]})
    ]
    transfer.apply_import(preview, by="tests")
    goal = db.session.scalar(
        db.select(PriorityGoal).where(PriorityGoal.plan_id == plan.id, PriorityGoal.number == 2)
    )
    assert goal.translations == {"ru": {"title": "Легальные пути"}}
    # A file without the column keeps the stored titles.
    old = "type,number,code,goal,action_point,title,description,lead_actor,partners,target_on,"
    old += "starts_on,ends_on,budget_amount,budget_currency\ngoal,2,,,,"
    old += f'"{goal.title}","{goal.description}",,,,,,,\n'
    assert transfer.preview_import(old.encode(), "plan.csv", plan.code).changed == []


def test_import_errors_speak_russian(client, login):
    login.as_role("admin")
    bad = b"type,number,title\nsomething,1,X\n"
    response = client.post(
        "/plans/BP-CFA-2025/import",
        data={"file": (io.BytesIO(bad), "plan.csv")},
        headers=RU,
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert "Файл не импортирован; ничего не изменилось." in text


def test_the_api_serves_and_keeps_the_names_in_other_languages(api):
    api.as_role("admin")
    created = api.post(
        "/api/v1/actors",
        json={"kind": "organisation", "code": "OSCE", "name": "OSCE", "name_ru": "ОБСЕ"},
    )
    assert created.status_code == 201
    assert created.get_json()["translations"] == {"ru": {"name": "ОБСЕ"}}
    goal = get_plan("BP-CFA-2025").goals[2]
    # A PATCH that leaves the Russian title out keeps it.
    patched = api.patch(
        f"/api/v1/goals/{goal.id}", json={"title": "Return", "version": goal.version}
    )
    assert patched.status_code == 200
    assert patched.get_json()["translations"]["ru"]["title"].startswith("Возвращение")
    refused = api.post(
        "/api/v1/plans/BP-CFA-2025/goals",
        json={"number": 1, "title": "Again"},
        headers={"Accept-Language": "ru"},
    )
    assert refused.status_code == 422
    assert "уже есть цель 1" in str(refused.get_json()["error"])


def test_loading_the_shipped_data_again_adds_missing_russian_names_and_keeps_entered_ones():
    from tracker.plan.shipped import load_shipped_data

    icmpd, kyrgyzstan = get_actor("ICMPD"), get_actor("KG")
    icmpd.translations = None  # a database from before the names were shipped
    kyrgyzstan.translations = {"ru": {"name": "Киргизская Республика"}}  # entered
    db.session.flush()
    assert load_shipped_data(by="tests") == []
    assert icmpd.translations["ru"]["name"].startswith("Международный центр")
    assert kyrgyzstan.translations == {"ru": {"name": "Киргизская Республика"}}
