"""The layering of DESIGN section 3, checked by import-linter contracts in pyproject.toml, and the contracts kept strict."""

from copy import deepcopy
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.cli import lint_imports
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.independence import IndependenceContract
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "pyproject.toml")
CONTRACT_TYPES = {contract.type_name: contract for contract in (LayersContract, ForbiddenContract, IndependenceContract, AcyclicSiblingsContract)}


@pytest.fixture(scope="module")
def configuration():
    return read_configuration(CONFIG)


@pytest.fixture(scope="module")
def graph(configuration):
    return grimp.build_graph(*configuration["session_options"]["root_packages"], cache_dir=None)


def _layers_contract(configuration) -> dict:
    (contract,) = [c for c in configuration["contracts_options"] if c["type"] == "layers"]
    return contract


def _broken_contracts(configuration, graph) -> list[str]:
    broken = []
    for options in configuration["contracts_options"]:
        contract = CONTRACT_TYPES[options["type"]](name=options["name"], session_options=configuration["session_options"], contract_options=options)
        if not contract.check(deepcopy(graph), verbose=False).kept:
            broken.append(options["name"])
    return broken


def test_import_contracts_are_kept(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=CONFIG, no_cache=True) == 0


def test_no_contract_ignores_imports(configuration):
    for contract in configuration["contracts_options"]:
        assert not contract.get("ignore_imports"), f"{contract['name']} ignores imports"


def test_every_package_of_the_application_has_a_layer(configuration):
    placed = set()
    for layer in _layers_contract(configuration)["layers"]:
        placed.update(name.strip() for name in layer.replace("|", ":").split(":"))
    app_dir = ROOT / "app"
    children = {f"app.{path.name}" for path in app_dir.iterdir() if (path / "__init__.py").exists()}
    children |= {f"app.{path.stem}" for path in app_dir.glob("*.py") if path.name != "__init__.py"}
    assert children - placed == set(), "place each new package of app/ in the layers contract"
    assert {"tenants", "worker"} <= placed


def test_the_real_import_graph_keeps_every_contract(configuration, graph):
    assert _broken_contracts(configuration, graph) == []


@pytest.mark.parametrize(
    ("importer", "imported", "contract_starts"),
    [
        # The kernel knows no capability.
        ("tenants.scoping", "app.agencies.services", "Dependencies point one way"),
        # The catalog sits below work (the default queue is asked of work's queue directory)...
        ("app.catalog.services", "app.work.models", "Dependencies point one way"),
        # ...accounts below clients...
        ("app.accounts.views.admin", "app.clients.queries", "Dependencies point one way"),
        # ...and independent siblings do not import each other.
        ("app.notifications.services", "app.catalog.models", "Dependencies point one way"),
        ("app.portal.queries", "app.dashboard.views", "Dependencies point one way"),
        # Within the kernel, row-level security follows the context, which never imports it back.
        ("tenants.context", "tenants.rls", "No import cycles"),
        ("app.core.jobs", "worker.jobs.outbox", "The application never imports the worker"),
    ],
)
def test_a_forbidden_import_breaks_the_contracts(configuration, graph, importer, imported, contract_starts):
    probed = deepcopy(graph)
    probed.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    broken = _broken_contracts(configuration, probed)
    assert any(name.startswith(contract_starts) for name in broken), broken
