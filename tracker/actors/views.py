from itertools import groupby

from flask import Blueprint, render_template
from flask_login import login_required

from tracker.actors import services

bp = Blueprint("actors", __name__, url_prefix="/actors")


@bp.get("/")
@login_required
def index():
    by_kind = {
        kind: list(group) for kind, group in groupby(services.list_actors(), lambda a: a.kind)
    }
    return render_template(
        "actors/index.html",
        by_kind=by_kind,
        working_groups=services.list_working_groups(),
        reference_group=services.list_reference_group(),
    )
