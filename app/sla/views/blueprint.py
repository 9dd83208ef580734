"""The SLA pages' blueprint."""

from flask import Blueprint

bp = Blueprint("sla", __name__)
