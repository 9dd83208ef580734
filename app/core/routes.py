"""Routes that a page module declares for a blueprint defined elsewhere; the app factory attaches them explicitly."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint


class ViewRoutes:
    """A module's routes and request hooks, recorded by decorators and added to a blueprint by `attach_routes`."""

    def __init__(self) -> None:
        self._rules: list[tuple[str, dict, Callable]] = []
        self._before_request: list[Callable] = []
        self._added_to: set[str] = set()

    def route(self, rule: str, **options):
        """Like `Blueprint.route`: the endpoint is the function's name unless `endpoint=` says otherwise."""

        def decorator(view: Callable) -> Callable:
            self._rules.append((rule, options, view))
            return view

        return decorator

    @property
    def blueprint_names(self) -> frozenset[str]:
        """The blueprints these routes were added to (empty: declared but never attached, so unreachable)."""
        return frozenset(self._added_to)

    def before_request(self, hook: Callable) -> Callable:
        self._before_request.append(hook)
        return hook

    def add_to(self, blueprint: Blueprint) -> None:
        """Add the routes and hooks once per process: blueprints are module-level objects that every app of the
        process (tests make many) registers, and a registered blueprint takes no new routes."""
        if blueprint.name in self._added_to:
            return
        self._added_to.add(blueprint.name)
        for rule, options, view in self._rules:
            options = dict(options)
            blueprint.add_url_rule(rule, options.pop("endpoint", None), view, **options)
        for hook in self._before_request:
            blueprint.before_request(hook)


def attach_routes(blueprint: Blueprint, *modules_routes: ViewRoutes) -> Blueprint:
    """Add each module's routes to the blueprint, in order."""
    for routes in modules_routes:
        routes.add_to(blueprint)
    return blueprint
