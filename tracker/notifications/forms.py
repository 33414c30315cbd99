from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from tracker.notifications.models import DELIVERY_LABELS, Delivery


class NotificationSettingsForm(FlaskForm):
    delivery = RadioField(
        _l("Send me my notifications"),
        choices=[SelectChoice(d.value, DELIVERY_LABELS[d]) for d in Delivery],
        validators=[InputRequired(_l("Choose how your notifications come."))],
    )
