"""Reading the audit log: every recorded kind has words, and the workbook holds text only."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from survey import audit, audit_log
from survey.models import AuditLog

ROOT = Path(__file__).resolve().parents[2]
# The action kind is the first dotted string literal of a call that records an entry.
RECORDING = re.compile(r"(?:audit\.record|_record_and_commit)\((.{0,300}?)\)", re.S)
KIND = re.compile(r'"([a-z_]+\.[a-z_]+)"')


def test_every_kind_of_action_recorded_in_the_code_has_words() -> None:
    recorded: set[str] = set()
    for folder in ("survey", "web"):
        for source in (ROOT / folder).rglob("*.py"):
            for call in RECORDING.findall(source.read_text(encoding="utf-8")):
                found = KIND.search(call)
                if found:
                    recorded.add(found.group(1))
    # The CLI's account commands pass their kinds through a helper.
    recorded |= {"user.create", "token.create", "token.revoke"}
    assert len(recorded) >= 30
    assert sorted(recorded - set(audit_log.ACTION_WORDS)) == []
    for kind in recorded:
        assert kind.partition(".")[0] in audit_log.OBJECT_WORDS, kind


def test_an_unknown_kind_is_worded_from_its_object() -> None:
    message, params = audit_log.action_words("unit.merge")
    assert message == audit_log.OTHER_ACTION and params == {"object": "Unit"}
    assert audit_log.object_words("galaxy") == audit_log.OTHER_OBJECT


PAYLOADS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")']


def test_the_workbook_writes_every_payload_as_text(session: Session) -> None:
    for n, payload in enumerate(PAYLOADS):
        audit.record(session, payload, "unit.update", target_type="unit", target_id=payload, n=n)
    session.commit()
    entries = list(audit_log.audit_entries(session, audit_log.AuditFilter(action="unit.update")))
    assert len(entries) == len(PAYLOADS)
    book = load_workbook(
        io.BytesIO(audit_log.audit_workbook(entries, lambda message, **params: message % params))
    )
    sheet = book.active
    assert sheet is not None and sheet.freeze_panes == "A2"
    cells = [row for row in sheet.iter_rows(min_row=2)]
    # XML reads a carriage return as a line feed; either way it stays a character of text.
    expected = sorted(p.replace("\r", "\n") for p in PAYLOADS)
    assert sorted(str(row[1].value) for row in cells) == expected
    for row in cells:
        assert all(cell.data_type == "s" for cell in row if cell.value is not None)


def test_pages_and_batches_read_every_entry_once(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(23):
        audit.record(session, "li", "auth.login", n=n)
    session.commit()
    wanted = audit_log.AuditFilter(actor="li")
    first = audit_log.audit_page(session, wanted, page=1, per_page=10)
    last = audit_log.audit_page(session, wanted, page=99, per_page=10)
    assert (first.total, first.pages, last.page, len(last.entries)) == (23, 3, 3, 3)
    pages = [audit_log.audit_page(session, wanted, page=p, per_page=10) for p in (1, 2, 3)]
    paged = [e.id for page in pages for e in page.entries]
    assert len(set(paged)) == 23
    monkeypatch.setattr(audit_log, "EXPORT_BATCH", 5)  # several batches, a short last one
    batched = [e.id for e in audit_log.audit_entries(session, wanted)]
    assert batched == paged
    assert session.get(AuditLog, batched[0]) is not None
