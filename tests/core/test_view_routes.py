"""Page modules declare their routes; the app factory attaches every one of them to its blueprint."""

import importlib
import pkgutil

from flask import Blueprint, Flask

import app as app_package
from app.core.routes import ViewRoutes, attach_routes


def test_every_declared_set_of_routes_is_attached_by_the_factory(app):
    unattached = []
    for module_info in pkgutil.walk_packages(app_package.__path__, "app."):
        module = importlib.import_module(module_info.name)
        routes = getattr(module, "routes", None)
        if isinstance(routes, ViewRoutes) and not routes.blueprint_names:
            unattached.append(module_info.name)
    assert unattached == [], "attach these modules' routes in app.register_blueprints"


def test_routes_keep_their_endpoint_names_and_options_and_attach_once():
    routes = ViewRoutes()

    @routes.route("/things/<int:thing_id>", methods=["POST"])
    def change_thing(thing_id):
        return f"changed {thing_id}"

    @routes.route("/things", endpoint="things_index")
    def list_things():
        return "things"

    blueprint = Blueprint("things", __name__)
    attach_routes(blueprint, routes)
    attach_routes(blueprint, routes)  # a second app of the process attaches again: nothing is added twice
    flask_app = Flask(__name__)
    flask_app.register_blueprint(blueprint)
    rules = {rule.endpoint: rule for rule in flask_app.url_map.iter_rules() if rule.endpoint.startswith("things.")}
    assert set(rules) == {"things.change_thing", "things.things_index"}
    assert rules["things.change_thing"].methods >= {"POST"} and "GET" not in rules["things.change_thing"].methods
    assert flask_app.test_client().post("/things/7").get_data(as_text=True) == "changed 7"
    assert routes.blueprint_names == {"things"}
