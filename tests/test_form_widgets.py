"""Every date and time a form asks for uses the browser's picker (issue 14): a new field named
like a date cannot slip in as a plain text box."""

import importlib
import inspect
import pkgutil
import re

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.fields.core import UnboundField

import tracker
from tracker.meetings.forms import MomentInput

DATE_LIKE = re.compile(r"(_on|_at|^deadline|^as_of|^date_|^from_?$|^to$|^since$|^due)")


def form_classes():
    for info in pkgutil.walk_packages(tracker.__path__, "tracker."):
        if info.name.endswith(".forms"):
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, FlaskForm) and cls.__module__ == module.__name__:
                    yield cls


def date_like_fields():
    for cls in form_classes():
        for name in dir(cls):
            field = getattr(cls, name, None)
            if isinstance(field, UnboundField) and DATE_LIKE.search(name):
                yield cls, name, field


def test_the_walk_finds_the_date_fields():
    names = {(cls.__name__, name) for cls, name, _ in date_like_fields()}
    assert {("PledgeForm", "pledged_on"), ("MeetingForm", "starts_at")} <= names


def test_every_date_and_time_field_renders_a_browser_picker():
    plain = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls, name, field in date_like_fields()
        if not issubclass(field.field_class, DateField)
        and not isinstance(field.kwargs.get("widget"), MomentInput)
    ]
    assert not plain, f"a date or time typed as plain text: {plain}"


def test_a_date_field_renders_type_date(app):
    from tracker.pledges.forms import PledgeForm

    with app.test_request_context():
        form = PledgeForm(meta={"csrf": False})
        assert 'type="date"' in form.pledged_on()
