"""The witness step of a collect: ask independent archives about a captured target and store
each answer as a Witness row with its raw answer as a blob and a `witness.recorded` custody
event, all in one transaction. Nothing here can fail the capture: errors become rows."""

from typing import Any

from archive.archive import Archive
from archive.ids import new_id
from archive.models import Witness
from archive.vocabulary import CustodyAction
from collector.witnesses.answer import WitnessAnswer


def store_answers(
    archive: Archive, target_id: str, capture_id: str | None, answers: list[WitnessAnswer]
) -> list[dict[str, Any]]:
    """Insert one Witness row (and its custody event) per answer; the rows as plain dicts."""
    stored = []
    with archive.session() as session:
        for answer in answers:
            details = dict(answer.details)
            if answer.http_status is not None:
                details["http_status"] = answer.http_status
            if answer.body is not None:
                blob = archive.store_blob(session, answer.body)
                details["answer_sha256"] = blob.sha256
            newest = answer.newest
            row = Witness(
                id=new_id("wit"),
                target_id=target_id,
                capture_id=capture_id,
                service=answer.service,
                method=answer.method,
                status=answer.status,
                request_url=answer.request_url,
                url=answer.url,
                memento_url=newest.url if newest else None,
                memento_at=newest.datetime if newest else None,
                mementos=[memento.to_dict() for memento in answer.mementos],
                error=answer.error,
                details=details,
            )
            session.add(row)
            session.flush()
            payload = row.model_dump(mode="json", exclude={"created_at"})
            archive.record(session, CustodyAction.WITNESS_RECORDED, "witness", row.id, payload)
            stored.append(payload)
    return stored
