"""Every tenant table is keyed by agency: primary keys, foreign keys and unique constraints."""

from sqlalchemy import ForeignKeyConstraint, PrimaryKeyConstraint, UniqueConstraint

from app.core.models import TenantModel
from app.extensions import db

GLOBAL_TABLES = {"agencies"}


def _tenant_tables():
    return [t for t in db.metadata.sorted_tables if t.name not in GLOBAL_TABLES]


def test_global_tables_are_exactly_the_declared_ones(app):
    declared = {m.class_.__table__.name for m in db.Model.registry.mappers if getattr(m.class_, "__global_table__", False)}
    assert declared == GLOBAL_TABLES
    mapped_tenant = {m.class_.__table__.name for m in db.Model.registry.mappers if issubclass(m.class_, TenantModel)}
    assert mapped_tenant == {t.name for t in _tenant_tables()}


def test_primary_keys_start_with_agency_id(app):
    for table in _tenant_tables():
        pk = [c.name for c in table.primary_key.columns]
        assert pk == ["agency_id", "id"], f"{table.name} primary key is {pk}"
        assert not table.c.agency_id.nullable


def test_foreign_keys_between_tenant_tables_include_agency_id(app):
    checked = 0
    for table in _tenant_tables():
        for fk in table.constraints:
            if not isinstance(fk, ForeignKeyConstraint):
                continue
            target = fk.referred_table
            if target.name in GLOBAL_TABLES:
                continue
            pairs = {el.parent.name: el.column.name for el in fk.elements}
            assert pairs.get("agency_id") == "agency_id", f"{table.name}.{fk.name} does not carry agency_id"
            checked += 1
    assert checked >= 10  # the check looked at real constraints


def test_unique_constraints_start_with_agency_id(app):
    for table in _tenant_tables():
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint) and not isinstance(constraint, PrimaryKeyConstraint):
                assert constraint.columns.keys()[0] == "agency_id", f"{table.name}.{constraint.name}"
        for index in table.indexes:
            if index.unique:
                assert index.columns.keys()[0] == "agency_id", f"{table.name}.{index.name}"


def test_ids_are_time_ordered_uuid7():
    from app.core.ids import new_id

    ids = [new_id() for _ in range(2000)]
    assert all(i.version == 7 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
