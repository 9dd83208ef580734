"""Pluggable file storage: a small interface, a local-disk default outside the web root, and unit-of-work cleanup."""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app, send_file
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import import_string

from app.core.errors import AppError, NotFound

log = logging.getLogger(__name__)

CHUNK = 64 * 1024


class TooLarge(AppError):
    status = 413
    code = "too_large"


@dataclass(frozen=True)
class StoredFile:
    key: str
    size_bytes: int
    sha256: str


class Storage(Protocol):
    """What a storage backend does. Keys are opaque strings the backend makes up; callers never build paths."""

    def save(self, stream: BinaryIO, *, prefix: str, max_bytes: int) -> StoredFile:
        """Store the stream under a new key, refusing (TooLarge) more than max_bytes; returns key, size and sha256."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary file object for the key (NotFound when it is gone)."""

    def delete(self, key: str) -> None:
        """Remove the key; a missing key is not an error."""


class LocalStorage:
    """Files under a directory that is never served directly (default: instance/uploads).

    Keys are `<prefix>/<2 hex>/<32 random hex>`: random, so not guessable and never colliding, and
    never derived from a user's file name.
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise NotFound("The file is not available.")
        return path

    def save(self, stream: BinaryIO, *, prefix: str, max_bytes: int) -> StoredFile:
        token = secrets.token_hex(16)
        safe_prefix = "".join(ch for ch in prefix if ch.isalnum() or ch in "-_") or "files"
        key = f"{safe_prefix}/{token[:2]}/{token}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        try:
            with open(path, "xb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(
                            f"The file is larger than the {max_bytes // (1024 * 1024) or 1} MB limit.",
                            fields={"file": [f"At most {max_bytes} bytes."]},
                        )
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StoredFile(key, size, digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError:
            raise NotFound("The file is no longer stored.") from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def get_storage() -> Storage:
    """The app's storage backend: STORAGE_BACKEND (a dotted class path taking the app) or LocalStorage(UPLOAD_DIR)."""
    app = current_app._get_current_object()
    backend = app.extensions.get("backline_storage")
    if backend is None:
        dotted = app.config.get("STORAGE_BACKEND")
        backend = import_string(dotted)(app) if dotted else LocalStorage(app.config["UPLOAD_DIR"])
        app.extensions["backline_storage"] = backend
    return backend


# --- unit of work ----------------------------------------------------------------------------
# A file saved during a unit that rolls back is removed; a file deleted during a unit is removed only
# after the commit, so a failed request never leaves a row pointing at a missing file.

_SAVED, _DELETED = "storage_saved_keys", "storage_deleted_keys"


def saved_in_unit(session: Session, key: str) -> None:
    session.info.setdefault(_SAVED, []).append((get_storage(), key))


def delete_after_commit(session: Session, key: str) -> None:
    session.info.setdefault(_DELETED, []).append((get_storage(), key))


def _drain(session: Session, name: str) -> None:
    for backend, key in session.info.pop(name, []):
        try:
            backend.delete(key)
        except OSError:
            log.warning("could not delete stored file %s", key, exc_info=True)


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    session.info.pop(_SAVED, None)
    _drain(session, _DELETED)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction):
    if previous_transaction.parent is None and not previous_transaction.nested:
        session.info.pop(_DELETED, None)
        _drain(session, _SAVED)


def download_response(key: str, *, filename: str, content_type: str, size_bytes: int, sha256: str | None = None):
    """A stored file as a download: never rendered inline, never sniffed, never kept by shared caches."""
    response = send_file(
        get_storage().open(key), mimetype=content_type, as_attachment=True, download_name=filename, conditional=False, etag=False, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Length"] = str(size_bytes)
    if sha256:
        response.headers["Digest"] = f"sha-256={base64.b64encode(bytes.fromhex(sha256)).decode()}"
    return response


class Rejoined:
    """A stream whose first bytes were already read (to check the file's type), read again from the start."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            chunk, self.head = (self.head, b"") if size < 0 or size >= len(self.head) else (self.head[:size], self.head[size:])
            return chunk
        return self.rest.read(size)
