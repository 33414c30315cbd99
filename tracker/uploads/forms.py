from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional

from tracker.uploads.files import ALLOWED_LIST, MAX_FILENAME_LENGTH


class DocumentForm(FlaskForm):
    """A file with a title: documents of an action point, and later attachments of minutes.

    Size and type are checked by the upload module (store_upload), the one place for them.
    """

    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        description=_l("Accepted: %(accepted)s.", accepted=ALLOWED_LIST),
        render_kw={"accept": ALLOWED_LIST.replace(" ", "")},
    )
    title = StringField(
        _l("Title"),
        validators=[Optional(), Length(max=MAX_FILENAME_LENGTH)],
        description=_l("Leave empty to use the file's name."),
    )
