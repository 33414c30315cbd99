"""Help texts and labels in words a diplomat writing in a second language reads without a
glossary: no standards' numbers, no database terms."""

import importlib
import pkgutil
import re

import pytest
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

import tracker
from tracker.meetings.services import MeetingError, check_timezone
from tracker.money import MoneyError, check_currency

JARGON = re.compile(
    r"\b(ISO|IANA|Markdown|short key|PLAN:CODE|minor units?|alpha-2|slug)\b", re.IGNORECASE
)


def _form_classes() -> list[type[FlaskForm]]:
    for module in pkgutil.iter_modules(tracker.__path__):
        if module.ispkg and importlib.util.find_spec(f"tracker.{module.name}.forms"):
            importlib.import_module(f"tracker.{module.name}.forms")
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__.startswith("tracker.")]


def _texts(cls: type[FlaskForm]):
    for name in dir(cls):
        field = getattr(cls, name, None)
        if isinstance(field, UnboundField):
            label = field.args[0] if field.args else field.kwargs.get("label")
            yield name, f"{label or ''} {field.kwargs.get('description') or ''}"


def test_the_forms_are_found():
    names = {cls.__name__ for cls in _form_classes()}
    assert {"MeetingForm", "PledgeForm", "ActorForm", "UpdateForm"} <= names


@pytest.mark.parametrize("cls", _form_classes(), ids=lambda cls: cls.__name__)
def test_help_texts_and_labels_use_plain_words(cls):
    for name, text in _texts(cls):
        assert not JARGON.search(text), f"{cls.__name__}.{name}: {text!r}"


def test_help_texts_give_an_example_where_a_code_is_asked_for():
    from tracker.actors.forms import ActorForm
    from tracker.meetings.forms import MeetingForm
    from tracker.pledges.forms import PledgeForm

    assert "e.g. EUR" in PledgeForm.currency.kwargs["description"]
    assert "e.g. Europe/Budapest" in MeetingForm.timezone.kwargs["description"]
    assert "HU for Hungary" in ActorForm.code.kwargs["description"]


def test_refusals_of_a_currency_or_a_time_zone_use_plain_words():
    with pytest.raises(MoneyError) as money:
        check_currency("XYZ")
    with pytest.raises(MeetingError) as zone:
        check_timezone("Mars/Olympus")
    assert not JARGON.search(str(money.value)) and not JARGON.search(str(zone.value))
    assert "such as EUR" in str(money.value) and "Europe/Budapest" in str(zone.value)
