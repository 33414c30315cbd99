from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from tracker.money import MoneyError, check_currency, parse_amount, parse_rate
from tracker.pledges.models import EntryKind

AMOUNT_HELP = "For example 250,000 or 250 000 or 1,250,000.50."


def _currency(field) -> None:
    try:
        field.data = check_currency(field.data)
    except MoneyError as error:
        raise ValidationError(str(error)) from None


def amount_minor(text: str, currency: str) -> int:
    """The amount a validated form holds, in minor units."""
    return parse_amount(text, currency)


class PledgeForm(FlaskForm):
    actor = SelectField("Pledging actor", validators=[InputRequired()])
    # Over a hundred options: grouped by plan and goal, and searchable (tracker/static/
    # select-search.js adds a search box; without JavaScript the groups still help).
    target = SelectField(
        "Funds",
        validators=[InputRequired()],
        render_kw={"data-searchable": "Search the funds"},
        description="The whole plan, a goal, an action point or an activity.",
    )
    currency = StringField(
        "Currency",
        validators=[DataRequired(), Length(max=10)],
        description="Currency code, e.g. EUR or USD.",
    )
    amount = StringField("Amount pledged", validators=[DataRequired()], description=AMOUNT_HELP)
    pledged_on = DateField("Date of the pledge", validators=[InputRequired()])
    purpose = StringField("Purpose", validators=[DataRequired(), Length(max=500)])
    reference = StringField("Reference", validators=[Optional(), Length(max=100)])

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
            raise ValidationError("A pledge must be for an amount greater than zero.")


class PledgeEditForm(FlaskForm):
    """The words of a pledge; its money changes through ledger entries only."""

    purpose = StringField("Purpose", validators=[DataRequired(), Length(max=500)])
    reference = StringField("Reference", validators=[Optional(), Length(max=100)])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


def pledge_edit_values(form: PledgeEditForm) -> dict:
    """The validated form's values for update_pledge (the pages' and the API's)."""
    return {
        "version": form.version.data,
        "purpose": form.purpose.data,
        "reference": form.reference.data,
    }


class EntryForm(FlaskForm):
    kind = SelectField("Kind", validators=[InputRequired()])
    amount = StringField(
        "Amount",
        validators=[DataRequired()],
        description="In the pledge's currency. A negative amount is a reduction or cancellation "
        "and needs a reason.",
    )
    value_date = DateField("Value date", validators=[InputRequired()])
    reason = StringField("Reason", validators=[Optional(), Length(max=500)])

    def __init__(self, *args, currency: str = "EUR", **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.value.capitalize()) for k in EntryKind]
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
    currency = StringField("Currency", validators=[DataRequired(), Length(max=10)])
    rate = StringField(
        "Rate",
        validators=[DataRequired()],
        description="What one unit of this currency is worth in the reporting currency, e.g. 0.92.",
    )
    valid_on = DateField("Valid from", validators=[InputRequired()])
    source = StringField("Source", validators=[Optional(), Length(max=200)])

    def validate_currency(self, field) -> None:
        _currency(field)

    def validate_rate(self, field) -> None:
        try:
            parse_rate(field.data)
        except MoneyError as error:
            raise ValidationError(str(error)) from None


class NeedForm(FlaskForm):
    currency = StringField("Currency", validators=[Optional(), Length(max=10)])
    amount = StringField(
        "Estimated budget", validators=[Optional()], description="Leave empty to clear."
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
            raise ValidationError("A budget is greater than zero.")


def need_values(form: NeedForm) -> dict:
    """The validated form's values for set_funding_need: no amount clears the need."""
    text = (form.amount.data or "").strip()  # Optional() lets blank text through unchecked
    currency = (form.currency.data or "").strip().upper() if text else None
    return {
        "amount_minor": parse_amount(text, currency) if currency else None,
        "currency": currency,
    }


class UploadForm(FlaskForm):
    file = FileField("File (CSV or XLSX)", validators=[FileRequired()])
