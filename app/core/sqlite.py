"""SQLite settings for the embedded default: enforced foreign keys, WAL, and write-ready transactions."""

from sqlalchemy import event


def install(app) -> None:
    from app.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        # Let SQLAlchemy emit BEGIN itself (below), which also makes SAVEPOINTs behave.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # BEGIN IMMEDIATE takes the write lock up front: a transaction that read first can never be refused
        # ("database is locked") when it then writes while the job thread holds the lock; it waits instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
