"""Flask extensions, created unbound; this module imports nothing from the app."""

import copy
import json

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class BacklineApi(Api):
    """flask-smorest, with errors left to the application's own handlers (one JSON error shape).

    The served document is `finish(spec)`: app.core.apidocs sets it to complete what every operation shares.
    """

    DEFAULT_ERROR_RESPONSE_NAME = None  # no generic "default" error: each operation lists its own statuses

    def _register_error_handlers(self):
        return None

    def finish(self, spec: dict) -> dict:
        return spec

    def document(self) -> dict:
        return self.finish(copy.deepcopy(self.spec.to_dict()))  # apispec hands out its own dicts: finish a copy

    def _openapi_json(self):
        return current_app.response_class(json.dumps(self.document(), indent=2), mimetype="application/json")


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
api = BacklineApi()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
