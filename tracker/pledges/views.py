from flask import Blueprint

bp = Blueprint("pledges", __name__, url_prefix="/pledges")
