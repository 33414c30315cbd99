"""The form fields every room declares alike: a text with its presence rule and its longest
length, a file that must be chosen. One call says the rules that the pages, the API and the API's
description all read. (The account fields, an email and the passwords, are in auth/forms.py.)
And FieldError, the broken rule that names the field it belongs to."""

from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class FieldError(Exception):
    """A broken rule, and the form field it belongs to (pages.field_error shows it there): the
    one given, else the class's usual `field`."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        if field is not None:
            self.field = field


def text_field(label, presence=DataRequired, *, max_length: int, **options) -> StringField:
    """A line of text of at most `max_length` characters. `presence`: DataRequired (something
    other than spaces, the default), InputRequired (anything typed) or Optional (may be empty)."""
    return StringField(label, validators=[presence(), Length(max=max_length)], **options)


def text_area(label, presence=DataRequired, *, max_length: int, **options) -> TextAreaField:
    """A text of several lines, of at most `max_length` characters (`presence` as text_field's)."""
    return TextAreaField(label, validators=[presence(), Length(max=max_length)], **options)


def file_field(label, message=None, **options) -> FileField:
    """A file that must be chosen; `message` says so when none was (FileRequired's by default)."""
    return FileField(label, validators=[FileRequired(message)], **options)
