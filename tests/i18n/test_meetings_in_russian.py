"""Meetings in Russian: the pages, a refused form, and a calendar subscription in its owner's
language."""

from icalendar import Calendar

from tests import factories
from tests.meetings import count, page_body
from tracker.auth import services
from tracker.db import db
from tracker.meetings.models import Meeting
from tracker.meetings.services import series_key


def sign_in_russian(login, role: str):
    user = login.as_role(role)
    user.language = "ru"
    db.session.commit()
    return user


def test_a_meeting_page_speaks_russian(client, login):
    meeting = factories.make_meeting(kind="senior_officials_meeting")
    db.session.commit()
    sign_in_russian(login, "admin")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    for words in ("Участники", "Повестка дня", "Протокол", "Решения", "Последующие действия"):
        assert words in page, words
    assert "Совещание старших должностных лиц" in page  # the kind, named in one place
    assert "Participants" not in page and "Agenda" not in page


def test_a_refused_meeting_form_says_why_in_russian(client, login):
    sign_in_russian(login, "admin")
    before = count(Meeting)
    body = page_body(new_series="Чёрное море", ends_at="2026-03-10T08:00")
    response = client.post("/meetings/new", data=body)
    assert response.status_code == 200
    assert "Встреча должна заканчиваться позже, чем начинается." in response.get_data(as_text=True)
    assert count(Meeting) == before


def test_a_subscription_speaks_its_owner_language_whoever_fetches_it(client):
    factories.make_meeting(is_virtual=True, place=None, url="https://meet.example.org/rg")
    owner = factories.make_user(role="viewer")
    owner.language = "ru"
    _, plain = services.create_calendar_feed(owner, by="tests")
    db.session.commit()
    response = client.get(f"/meetings/feed/{plain}.ics", headers={"Accept-Language": "en"})
    calendar = Calendar.from_ical(response.get_data())
    assert str(calendar["X-WR-CALNAME"]) == "Встречи Будапештского процесса"
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["LOCATION"]) == "Онлайн"
    assert "Справочная группа, серия" in str(event["DESCRIPTION"])
    assert "Подключиться: https://meet.example.org/rg" in str(event["DESCRIPTION"])


def test_a_series_named_in_russian_gets_a_key_in_latin_letters():
    assert series_key("Чёрное море") == "chernoe-more"
    assert (
        series_key("Рабочая группа по Шёлковому пути 2") == "rabochaia-gruppa-po-shelkovomu-puti-2"
    )
    assert series_key("Подъём, объём") == "podieem-obieem"


def test_a_subscription_whose_owner_language_is_not_known_answers_in_english(client):
    factories.make_meeting()
    owner = factories.make_user(role="viewer")
    owner.language = "<script>"  # not one the switch takes; a row written some other way
    _, plain = services.create_calendar_feed(owner, by="tests")
    db.session.commit()
    response = client.get(f"/meetings/feed/{plain}.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.get_data())
    assert str(calendar["X-WR-CALNAME"]) == "Budapest Process meetings"


def test_the_meeting_page_writes_flash_in_russian(client, login):
    meeting = factories.make_meeting()
    db.session.commit()
    sign_in_russian(login, "admin")
    response = client.post(
        f"/meetings/{meeting.id}/agenda", data={"title": "Обзор"}, follow_redirects=True
    )
    assert "Пункт повестки добавлен." in response.get_data(as_text=True)
    response = client.post(f"/meetings/{meeting.id}/cancel", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Встреча отменена; участники уведомлены." in page
    assert "Meeting cancelled" not in page
