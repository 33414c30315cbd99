from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import Optional

from tracker.fields import file_field, text_field
from tracker.uploads.files import ALLOWED_LIST, MAX_FILENAME_LENGTH


class DocumentForm(FlaskForm):
    """A file with a title: documents of an action point, and later attachments of minutes.

    Size and type are checked by the upload module (store_upload), the one place for them.
    """

    file = file_field(
        _l("File"),
        _l("Choose a file to upload."),
        description=_l("Accepted: %(accepted)s.", accepted=ALLOWED_LIST),
        render_kw={"accept": ALLOWED_LIST.replace(" ", "")},
    )
    title = text_field(
        _l("Title"),
        Optional,
        max_length=MAX_FILENAME_LENGTH,
        description=_l("Leave empty to use the file's name."),
    )
