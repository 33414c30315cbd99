from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import HiddenInput

from tracker.fields import file_field, text_field
from tracker.money import MoneyError, check_currency, parse_amount, parse_rate
from tracker.pledges.models import EntryKind

# The examples follow the interface language (money.plain_amount reads amounts in it): the
# English has its own sentence; another language writes its own examples in its catalogue.
AMOUNT_HELP = _l("For example 250,000 or 250 000 or 1,250,000.50.")


def _currency(field) -> None:
    try:
        field.data = check_currency(field.data)
    except MoneyError as error:
        raise ValidationError(str(error)) from None


def amount_minor(text: str, currency: str) -> int:
    """The amount a validated form holds, in minor units."""
    return parse_amount(text, currency)


class PledgeForm(FlaskForm):
    actor = SelectField(_l("Pledging actor"), validators=[InputRequired()])
    # Over a hundred options: grouped by plan and goal, and searchable (tracker/static/
    # select-search.js adds a search box; without JavaScript the groups still help).
    target = SelectField(
        _l("Funds"),
        validators=[InputRequired()],
        render_kw={
            "data-searchable": _l("Search the funds"),
            "data-search-count": _l("{shown} of {total} match"),
        },
        description=_l("The whole plan, a goal, an action point or an activity."),
    )
    currency = text_field(
        _l("Currency"), max_length=10, description=_l("Currency code, e.g. EUR or USD.")
    )
    amount = StringField(_l("Amount pledged"), validators=[DataRequired()], description=AMOUNT_HELP)
    pledged_on = DateField(_l("Date of the pledge"), validators=[InputRequired()])
    purpose = text_field(_l("Purpose"), max_length=500)
    reference = text_field(_l("Reference"), Optional, max_length=100)

    def validate_currency(self, field) -> None:
        _currency(field)

    def validate_amount(self, field) -> None:
        if self.currency.errors:
            return
        try:
            minor = parse_amount(field.data, self.currency.data)
        except MoneyError as error:
            raise ValidationError(str(error)) from None
        if minor <= 0:
            raise ValidationError(_("A pledge must be for an amount greater than zero."))


class PledgeEditForm(FlaskForm):
    """The words of a pledge; its money changes through ledger entries only."""

    purpose = text_field(_l("Purpose"), max_length=500)
    reference = text_field(_l("Reference"), Optional, max_length=100)
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


def pledge_edit_values(form: PledgeEditForm) -> dict:
    """The validated form's values for update_pledge (the pages' and the API's)."""
    return {
        "version": form.version.data,
        "purpose": form.purpose.data,
        "reference": form.reference.data,
    }


class EntryForm(FlaskForm):
    kind = SelectField(_l("Kind"), validators=[InputRequired()])
    amount = StringField(
        _l("Amount"),
        validators=[DataRequired()],
        description=_l(
            "In the pledge's currency. A negative amount is a reduction or cancellation "
            "and needs a reason."
        ),
    )
    value_date = DateField(_l("Value date"), validators=[InputRequired()])
    reason = text_field(_l("Reason"), Optional, max_length=500)

    def __init__(self, *args, currency: str = "EUR", **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in EntryKind]
        self.pledge_currency = currency

    def validate_amount(self, field) -> None:
        try:
            parse_amount(field.data, self.pledge_currency)
        except MoneyError as error:
            raise ValidationError(str(error)) from None


def entry_values(form: EntryForm) -> dict:
    """The validated form's values for record_entry (the amount in the pledge's currency)."""
    return {
        "kind": form.kind.data,
        "amount_minor": parse_amount(form.amount.data, form.pledge_currency),
        "value_date": form.value_date.data,
        "reason": form.reason.data,
    }


class RateForm(FlaskForm):
    currency = text_field(_l("Currency"), max_length=10)
    rate = StringField(
        _l("Rate"),
        validators=[DataRequired()],
        description=_l(
            "What one unit of this currency is worth in the reporting currency, e.g. 0.92."
        ),
    )
    valid_on = DateField(_l("Valid from"), validators=[InputRequired()])
    source = text_field(_l("Source"), Optional, max_length=200)

    def validate_currency(self, field) -> None:
        _currency(field)

    def validate_rate(self, field) -> None:
        try:
            parse_rate(field.data)
        except MoneyError as error:
            raise ValidationError(str(error)) from None


class NeedForm(FlaskForm):
    currency = text_field(_l("Currency"), Optional, max_length=10)
    amount = StringField(
        _l("Estimated budget"), validators=[Optional()], description=_l("Leave empty to clear.")
    )

    def validate_amount(self, field) -> None:
        if not field.data:
            return
        try:
            currency = check_currency(self.currency.data)
            minor = parse_amount(field.data, currency)
        except MoneyError as error:
            raise ValidationError(str(error)) from None
        if minor <= 0:
            raise ValidationError(_("A budget is greater than zero."))


def need_values(form: NeedForm) -> dict:
    """The validated form's values for set_funding_need: no amount clears the need."""
    text = (form.amount.data or "").strip()  # Optional() lets blank text through unchecked
    currency = (form.currency.data or "").strip().upper() if text else None
    return {
        "amount_minor": parse_amount(text, currency) if currency else None,
        "currency": currency,
    }


class UploadForm(FlaskForm):
    file = file_field(_l("File (CSV or XLSX)"))
