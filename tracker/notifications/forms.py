from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from tracker.notifications.models import Delivery


class NotificationSettingsForm(FlaskForm):
    delivery = RadioField(
        "Send me my notifications",
        choices=[SelectChoice(d.value, d.label) for d in Delivery],
        validators=[InputRequired("Choose how your notifications come.")],
    )
