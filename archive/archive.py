"""The `Archive`: one home directory's settings, database, blob store and custody log."""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func
from sqlmodel import Session, select

from archive import __version__, blobrows, custody, rowbinding
from archive.blobstore import BlobStore, LocalBlobStore
from archive.config import Settings, default_home, load_settings
from archive.db import current_revision, make_engine, session_scope, upgrade
from archive.errors import ArchiveHomeError
from archive.home import prepare_home
from archive.ids import new_id
from archive.models import Blob, Case, CustodyEvent
from archive.vocabulary import CustodyAction


def _open_blob_store(settings: Settings) -> BlobStore:
    """The blob store `settings.blob_url` names: a local folder, or s3://bucket/prefix."""
    if settings.blob_url.startswith("s3://"):
        from archive.s3store import S3BlobStore  # boto3 is loaded only when used

        return S3BlobStore.from_settings(settings)
    blob_root = Path(settings.blob_url).expanduser()
    try:
        blob_root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveHomeError(f"cannot create blob folder {blob_root}: {exc.strerror}") from exc
    blobs = LocalBlobStore(blob_root)
    blobs.remove_stale_temp()
    return blobs


class Archive:
    """An opened archive home. Create with `Archive.open`."""

    def __init__(self, settings: Settings, blobs: BlobStore) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.blobs = blobs
        self._stored_blobs: dict[str, Blob] = {}  # stored this process, rows not yet inserted

    @classmethod
    def open(
        cls, home: Path | str | None = None, overrides: dict[str, Any] | None = None
    ) -> "Archive":
        """Open (creating on first use) the archive home and bring its schema up to date."""
        home = Path(home or default_home()).expanduser()
        prepare_home(home)
        settings = load_settings(home, overrides)
        archive = cls(settings, _open_blob_store(settings))
        upgrade(archive.engine)
        archive._record_initialization()
        return archive

    @property
    def home(self) -> Path:
        return self.settings.home

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: everything in it commits together or not at all."""
        with session_scope(self.engine) as session:
            session.info[blobrows.REGISTRY] = self._stored_blobs
            yield session

    def record(
        self,
        session: Session,
        action: str,
        subject_type: str,
        subject_id: str,
        payload: dict[str, Any],
    ) -> CustodyEvent:
        """Append a custody event by this archive's investigator to the session's transaction."""
        return custody.append(
            session,
            actor=self.settings.investigator,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            payload=payload,
        )

    def store_blob(
        self, session: Session, data: bytes | BinaryIO, max_size: int | None = None
    ) -> Blob:
        """Write bytes to the blob store; their Blob row goes in with the row that uses them.

        The bytes are durable at once. The Blob row is inserted by the transaction that
        inserts a row referencing it (`archive.blobrows`), so a crash or a failed save leaves
        at most an unreferenced file, never an unreferenced Blob row. A blob that only a custody
        event names (no row refers to it) needs `add_blob_row`. Returns the (unsaved) row.
        """
        stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
        stored = self.blobs.put(stream, max_size=max_size)
        blob = Blob(sha256=stored.sha256, sha512=stored.sha512, size=stored.size)
        self._stored_blobs[blob.sha256] = blob
        return blob

    def add_blob_row(self, session: Session, blob: Blob) -> None:
        """Insert `blob`'s row in `session` now, for a blob no evidence row refers to."""
        blobrows.insert_rows(session, [blob])

    def ensure_case(self, session: Session, name: str, description: str | None = None) -> Case:
        """The case named `name`, created (with a custody event) when new."""
        case = session.exec(select(Case).where(Case.name == name)).first()
        if case is None:
            case = Case(id=new_id("case"), name=name, description=description)
            session.add(case)
            session.flush()
            self.record(session, CustodyAction.CASE_CREATED, "case", case.id, {"name": name})
        return case

    def _record_initialization(self) -> None:
        schema = current_revision(self.engine)
        with self.session() as session:
            if session.exec(select(func.count()).select_from(CustodyEvent)).one() == 0:
                self.record(
                    session,
                    CustodyAction.ARCHIVE_INITIALIZED,
                    "archive",
                    str(self.home),
                    {"tool_version": __version__, "schema": schema, rowbinding.MARKER_KEY: 1},
                )
