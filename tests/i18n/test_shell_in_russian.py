"""The shell and the accounts in Russian: the sign-in page and a refused sign-in, the profile and
a flash, an error page and a JSON error, mail in the language of its recipient (not of whoever
caused it), and a notification shown and mailed in each reader's language."""

import re
from datetime import UTC, datetime, timedelta
from email import message_from_string, policy

from sqlalchemy import select

from tests import factories
from tracker.audit.models import AuditEvent
from tracker.auth import lifecycle
from tracker.auth.models import Role
from tracker.db import db
from tracker.mail.models import OutgoingMail
from tracker.notifications import services as notifications
from tracker.notifications.models import Delivery, Notification
from tracker.progress import services as progress

RU = {"Accept-Language": "ru"}
PASSWORD = "a-long-test-password"


def words(response) -> str:
    """A page's text without its tags, spaces collapsed."""
    html = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def mails_to(address: str) -> list[OutgoingMail]:
    query = select(OutgoingMail).where(OutgoingMail.recipient == address)
    return list(db.session.scalars(query.order_by(OutgoingMail.id)))


def body(mail: OutgoingMail) -> str:
    message = message_from_string(mail.content, policy=policy.default)
    return message.get_body(("plain",)).get_content()


def russian_user(role: str = "focal_point"):
    user = factories.make_user(role=role)
    user.language = "ru"
    db.session.commit()
    return user


def test_the_sign_in_page_and_a_refused_sign_in_speak_russian(client):
    page = words(client.get("/auth/sign-in", headers=RU))
    assert "Войти" in page and "Забыли пароль?" in page
    assert "Sign in" not in page and "Forgot your password?" not in page
    user = factories.make_user(role="member")
    db.session.commit()
    wrong = client.post(
        "/auth/sign-in", data={"email": user.email, "password": "not-the-password"}, headers=RU
    )
    assert "Неверный адрес электронной почты или пароль." in words(wrong)
    empty = client.post("/auth/sign-in", data={"email": "", "password": ""}, headers=RU)
    assert "Обязательное поле." in words(empty)  # WTForms' own message, in Russian too


def test_the_profile_its_flash_and_its_refusals_speak_the_account_language(client, login):
    user = login.as_role("focal_point")
    client.post("/language", data={"language": "ru", "next": "/auth/profile"})
    # The account's choice wins over an English browser.
    page = words(client.get("/auth/profile", headers={"Accept-Language": "en"}))
    assert "Мой профиль" in page and "Координатор" in page and "Выйти" in page
    assert "My profile" not in page
    saved = client.post("/auth/profile", data={"name": "Анна Петрова"}, follow_redirects=True)
    assert "Имя сохранено." in words(saved)
    refused = client.post(
        "/auth/profile/email", data={"new_email": "not-an-address", "current_password": PASSWORD}
    )
    assert "Введите правильный адрес электронной почты." in words(refused)
    assert db.session.get(type(user), user.id).email == user.email


def test_a_missing_page_and_a_json_error_in_russian_keep_their_codes(client, api):
    page = client.get("/no-such-page", headers=RU)
    assert page.status_code == 404
    assert "Не найдено" in words(page) and "По этому адресу ничего нет." in words(page)
    api.as_role("viewer")
    answer = api.get("/api/v1/no-such-thing", headers=RU)
    assert answer.status_code == 404
    error = answer.get_json()["error"]
    assert error["code"] == "not_found"  # the code stays English and stable
    assert re.search("[а-я]", error["message"]), error["message"]


def test_a_reset_mail_is_in_the_language_of_its_recipient_not_of_the_page(client):
    russian, english = russian_user(), factories.make_user(role="member")
    db.session.commit()
    for user in (russian, english):  # asked from an English page both times
        client.post("/auth/forgot-password", data={"email": user.email})
    [to_russian], [to_english] = mails_to(russian.email), mails_to(english.email)
    assert to_russian.subject == "Сброс пароля"
    assert "Уважаемый(-ая)" in body(to_russian) and "откройте эту ссылку" in body(to_russian)
    assert "/auth/reset/" in body(to_russian)
    assert to_english.subject == "Reset your password" and "Dear " in body(to_english)
    asked = client.post(
        "/auth/forgot-password",
        data={"email": "nobody@example.org"},
        headers=RU,
        follow_redirects=True,
    )
    assert "Она действует один раз в течение 60 минут." in words(asked)


def test_an_invitation_from_a_russian_page_is_in_russian(client, login):
    admin = login.as_role("admin")
    admin.language = "ru"
    db.session.commit()
    response = client.post(
        "/admin/users/invite",
        data={"email": "new.person@example.org", "name": "Новый Человек", "role": "member"},
    )
    assert response.status_code == 302
    [mail] = mails_to("new.person@example.org")
    assert mail.subject == "Ваша учётная запись в трекере Будапештского процесса"
    text = body(mail)
    assert "Член Справочной группы" in text and "Для начала выберите пароль здесь:" in text
    # …while the same invitation, made where no language is spoken (the CLI), is English.
    lifecycle.invite_user(email="other@example.org", name="Other", role=Role.MEMBER, by="tests")
    assert mails_to("other@example.org")[0].subject.startswith("Your account")


def test_a_notification_speaks_each_reader_language_on_the_page_and_in_the_mail(client, login):
    admin = factories.make_user(role="admin")
    russian, english = russian_user(), factories.make_user(role="focal_point")
    for author in (russian, english):
        update = factories.make_update(by=author, workflow="submitted")
        progress.return_update(update, reason="Add the figures.", by=admin)
    db.session.commit()
    [to_russian], [to_english] = mails_to(russian.email), mails_to(english.email)
    assert to_russian.subject.startswith("Ваше обновление (HU, пункт действий")
    assert to_russian.subject.endswith("возвращено на доработку")
    assert "Причина: Add the figures." in body(to_russian)  # the reason is data: as typed
    assert "notification settings" not in body(to_russian)
    assert to_english.subject.endswith(") was returned")
    # Stored in English (the API, the log), shown in the reader's language.
    stored = db.session.scalars(select(Notification).where(Notification.user_id == russian.id))
    assert next(iter(stored)).text.startswith("Your update (HU on action point")
    login.sign_in(russian.email, PASSWORD)
    page = words(client.get("/notifications/"))
    assert "Ваше обновление (HU, пункт действий" in page
    assert "Обновление возвращено на доработку" in page  # the kind's label
    assert "Отметить все как прочитанные" in page and "Your update" not in page


def test_a_daily_digest_is_written_in_its_user_language_with_russian_plurals():
    russian = russian_user()
    notifications.set_delivery(russian, Delivery.DAILY, by=russian)
    admin = factories.make_user(role="admin")
    for reason in ("One.", "Two."):
        update = factories.make_update(by=russian, workflow="submitted")
        progress.return_update(update, reason=reason, by=admin)
    db.session.commit()
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    assert notifications.send_digests(tomorrow) == 1
    [digest] = mails_to(russian.email)
    assert digest.subject == "Сводка трекера Будапештского процесса: 2 уведомления"
    text = body(digest)
    assert "2 уведомления с момента последней сводки:" in text
    assert "возвращено на доработку" in text and "Все ваши уведомления:" in text


def test_a_choice_made_in_russian_is_flashed_in_russian_and_kept_in_english(client, login):

    user = login.as_role("member")
    user.language = "ru"
    db.session.commit()
    saved = client.post(
        "/notifications/settings", data={"delivery": "daily"}, follow_redirects=True
    )
    assert "Уведомления: Одним письмом в день (сводка за предыдущие сутки)." in words(saved)
    summaries = db.session.scalars(
        select(AuditEvent.summary).where(AuditEvent.action == "notification_settings")
    )
    assert list(summaries) == [
        "Notifications by mail: In one mail a day (a digest of the day before)"
    ]
