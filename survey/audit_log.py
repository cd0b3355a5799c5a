"""Reading the audit log: filters, pages, the words for its codes, and the XLSX export."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from survey.errors import N_
from survey.labels import label
from survey.models import AuditLog

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
EXPORT_BATCH = 1000

# What each kind of action did, as a message id; kinds not listed here are worded from
# their object (see ``action_words``), so a kind added later never shows as a raw code.
ACTION_WORDS: dict[str, str] = {
    "auth.login": N_("Signed in"),
    "auth.login_failed": N_("Failed sign-in"),
    "auth.logout": N_("Signed out"),
    "user.create": N_("Created a user"),
    "token.create": N_("Created an API token"),
    "token.revoke": N_("Revoked an API token"),
    "user.enable": N_("Enabled a user"),
    "user.disable": N_("Disabled a user"),
    "user.password_reset": N_("Reset a user's password"),
    "user.role": N_("Changed a user's role or unit"),
    "evaluation.create": N_("Created an evaluation"),
    "evaluation.update": N_("Changed an evaluation"),
    "evaluation.status": N_("Opened, closed or published an evaluation"),
    "period.create": N_("Created a period"),
    "category.create": N_("Created a unit category"),
    "category.update": N_("Changed a unit category"),
    "unit.create": N_("Created a unit"),
    "unit.update": N_("Changed a unit"),
    "unit.import": N_("Imported the unit list"),
    "group.create": N_("Created a respondent group"),
    "group.update": N_("Changed a respondent group"),
    "weights.set": N_("Set the group weights"),
    "survey.create": N_("Created a survey"),
    "survey.update": N_("Changed a survey"),
    "survey.replace": N_("Replaced a survey definition"),
    "response.quality": N_("Decided on a flagged response"),
    "responses.quality": N_("Decided on flagged responses"),
    "responses.import": N_("Imported responses"),
    "satisfaction_policy.set": N_("Set the satisfaction policy"),
    "ballot_batch.create": N_("Created a ballot"),
    "ballot_batch.status": N_("Opened or closed a ballot"),
    "ballot_batch.quorum": N_("Set a ballot's quorum"),
    "ballot_codes.issue": N_("Issued ballot codes"),
    "ballot_codes.void": N_("Cancelled ballot codes"),
    "paper_ballot.enter": N_("Entered a paper ballot"),
    "topic.create": N_("Added a comment topic"),
    "topic.update": N_("Changed a comment topic"),
    "topic.delete": N_("Deleted a comment topic"),
    "topics.defaults": N_("Added the suggested comment topics"),
    "topics.copy": N_("Copied comment topics from another evaluation"),
    "topics.tag": N_("Tagged comments with their topics"),
    "composite_scheme.import": N_("Stored a scoring scheme"),
    "composite.publish": N_("Published the composite results"),
    "composite.release": N_("Released the composite results to the units"),
    "composite.withdraw": N_("Withdrew the composite results from the units"),
    "publication.publish": N_("Published a version of the results"),
    "publication.reopen": N_("Reopened published results for correction"),
    "publication.withdraw": N_("Took a published version off the public page"),
    "publication.restore": N_("Put a published version back on the public page"),
    "composite_adjustment.add": N_("Added a bonus or deduction"),
    "composite_adjustment.delete": N_("Deleted a bonus or deduction"),
    "qualitative_scores.put": N_("Entered qualitative scores"),
    "qualitative_score.delete": N_("Deleted a qualitative score"),
    "excellence_goals.put": N_("Entered excellence goals"),
    "excellence_goal.delete": N_("Deleted an excellence goal"),
    "indicators.import": N_("Imported indicator values"),
    "indicators.push": N_("Received indicator values through the API"),
    "lead_assignment.set": N_("Bound a lead department to an indicator"),
    "lead_assignment.remove": N_("Unbound a lead department from an indicator"),
    "lead_scores.draft": N_("Saved a lead department's draft scores"),
    "lead_scores.submit": N_("Submitted a lead department's scores"),
    "lead_scores.reopen": N_("Reopened a lead department's submitted scores"),
    "comment.route": N_("Routed a comment to a unit"),
    "rectification.answer": N_("Answered a comment with a rectification"),
    "rectification.callback": N_("Recorded the callback on a rectification"),
    "rectification.appeal_decision": N_("Decided an appeal against a comment"),
    "rectification.escalate": N_("Escalated an overdue rectification"),
    "rectification_setting.set": N_("Set the rectification deadline"),
}

# The kinds of object an entry is about (its target type, or the part of an action kind
# before the dot).
OBJECT_WORDS: dict[str, str] = {
    "auth": N_("Sign-in"),
    "user": N_("User"),
    "token": N_("API token"),
    "evaluation": N_("Evaluation"),
    "period": N_("Period"),
    "category": N_("Unit category"),
    "unit": N_("Unit"),
    "group": N_("Respondent group"),
    "weights": N_("Group weights"),
    "survey": N_("Survey"),
    "response": N_("Response"),
    "responses": N_("Responses"),
    "satisfaction_policy": N_("Satisfaction policy"),
    "ballot_batch": N_("Ballot"),
    "ballot_codes": N_("Ballot codes"),
    "paper_ballot": N_("Paper ballot"),
    "topic": N_("Comment topic"),
    "topics": N_("Comment topics"),
    "composite_scheme": N_("Scoring scheme"),
    "composite": N_("Composite results"),
    "publication": N_("Published results"),
    "composite_adjustment": N_("Bonus or deduction"),
    "qualitative_scores": N_("Qualitative scores"),
    "qualitative_score": N_("Qualitative score"),
    "excellence_goals": N_("Excellence goals"),
    "excellence_goal": N_("Excellence goal"),
    "indicators": N_("Indicator values"),
    "lead_assignment": N_("Lead department's indicator"),
    "lead_scores": N_("Lead department's scores"),
    "comment": N_("Comment"),
    "rectification": N_("Rectification"),
    "rectification_setting": N_("Rectification deadline"),
}

# The details services record, by key.
DETAIL_WORDS: dict[str, str] = {
    "adjustment_id": N_("Entry"),
    "after": N_("After"),
    "answers": N_("Answers"),
    "approved_by": N_("Approved by"),
    "before": N_("Before"),
    "by_code": N_("By code"),
    "category": N_("Category"),
    "code": N_("Code"),
    "codes": N_("Codes"),
    "count": N_("Number"),
    "counted_after": N_("Counted after"),
    "counted_before": N_("Counted before"),
    "decision": N_("Decision"),
    "difficulty": N_("Difficulty"),
    "dimensions": N_("Dimensions"),
    "evaluation_id": N_("Evaluation"),
    "file": N_("File"),
    "everything": N_("All comments"),
    "first_serial": N_("First serial"),
    "flags": N_("Flags"),
    "goals": N_("Goals"),
    "group": N_("Group"),
    "indicators": N_("Indicators"),
    "inserted": N_("New"),
    "introduction": N_("Introduction"),
    "item": N_("Item"),
    "keywords": N_("Keywords"),
    "last_serial": N_("Last serial"),
    "lead": N_("Lead"),
    "name": N_("Name"),
    "note": N_("Note"),
    "period": N_("Period"),
    "periods": N_("Periods"),
    "points": N_("Points"),
    "policy": N_("Policy"),
    "reason": N_("Reason"),
    "received": N_("Received"),
    "respondents": N_("Respondents"),
    "responses": N_("Responses"),
    "role": N_("Role"),
    "rows": N_("Rows"),
    "scheme_versions": N_("Scheme versions"),
    "score": N_("Score"),
    "scores": N_("Scores"),
    "serials": N_("Serials"),
    "source": N_("Source"),
    "tagged": N_("Comments tagged"),
    "sheet": N_("Sheet"),
    "state": N_("State"),
    "status": N_("Status"),
    "title": N_("Title"),
    "title_en": N_("Title in English"),
    "unchanged": N_("Unchanged"),
    "units": N_("Units"),
    "updated": N_("Changed"),
    "version": N_("Version"),
    "voided": N_("Cancelled"),
    "weights": N_("Weights"),
    "with_topic": N_("With a topic"),
    "year": N_("Year"),
    "previous_lead": N_("Previous lead department"),
    "deadline": N_("Deadline"),
    "deadline_days": N_("Working days"),
    "holidays": N_("Holidays"),
    "measure": N_("Rectification measure"),
    "responsible_office": N_("Responsible office"),
    "rectified_on": N_("Rectified on"),
    "appeal_reason": N_("Reason for the appeal"),
    "decision_reason": N_("Reason for the decision"),
    "callback_result": N_("Callback result"),
    "unit": N_("Unit"),
    "evaluation": N_("Evaluation"),
}
OTHER_ACTION = N_("Other action on: %(object)s")
OTHER_OBJECT = N_("Other object")
OTHER_DETAIL = N_("Other detail")


def action_words(action: str) -> tuple[str, dict[str, str]]:
    """The message id (and its parameters) that says what an action kind did."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action], {}
    return OTHER_ACTION, {"object": object_words(action.partition(".")[0])}


def object_words(target_type: str) -> str:
    """The message id of a kind of object."""
    return OBJECT_WORDS.get(target_type, OTHER_OBJECT)


def detail_words(key: str) -> str:
    return DETAIL_WORDS.get(key, OTHER_DETAIL)


def detail_value(value: object) -> str:
    """A detail's value as text: codes with words (decisions, states) as their message ids,
    lists joined, anything nested as JSON."""
    if isinstance(value, str):
        return label(value)
    if isinstance(value, list | tuple):
        return ", ".join(detail_value(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to read: every field narrows; empty fields do not."""

    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    since: date | None = None  # the first day, inclusive (UTC, as the times are shown)
    until: date | None = None  # the last day, inclusive

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.actor:
            found.append(col(AuditLog.actor) == self.actor)
        if self.action:
            found.append(col(AuditLog.action) == self.action)
        if self.target_type:
            found.append(col(AuditLog.target_type) == self.target_type)
        if self.target_id:
            found.append(col(AuditLog.target_id) == self.target_id)
        if self.since is not None:
            found.append(col(AuditLog.at) >= datetime.combine(self.since, time(), UTC))
        if self.until is not None:
            end = datetime.combine(self.until + timedelta(days=1), time(), UTC)
            found.append(col(AuditLog.at) < end)
        return found


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditLog]
    total: int
    page: int
    pages: int
    per_page: int


def audit_page(
    session: Session, wanted: AuditFilter, *, page: int = 1, per_page: int = PAGE_SIZE
) -> AuditPage:
    """One page of the entries that match, newest first; a page past the end is the last."""
    per_page = max(1, min(per_page, MAX_PAGE_SIZE))
    total = session.exec(
        select(func.count()).select_from(AuditLog).where(*wanted.conditions())
    ).one()
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    entries = session.exec(
        select(AuditLog)
        .where(*wanted.conditions())
        .order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return AuditPage(list(entries), total, page, pages, per_page)


def audit_entries(session: Session, wanted: AuditFilter) -> Iterator[AuditLog]:
    """Every entry that matches, newest first, read in batches (for exports)."""
    last: tuple[datetime, int] | None = None
    while True:
        query = select(AuditLog).where(*wanted.conditions())
        if last is not None:
            at, entry_id = last
            query = query.where(
                (col(AuditLog.at) < at) | ((col(AuditLog.at) == at) & (col(AuditLog.id) < entry_id))
            )
        batch = session.exec(
            query.order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc()).limit(EXPORT_BATCH)
        ).all()
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        last = (batch[-1].at, batch[-1].id or 0)


@dataclass(frozen=True)
class AuditChoices:
    """What the filters can choose from: the actors, kinds and objects the log holds."""

    actors: list[str]
    actions: list[str]
    target_types: list[str]


def audit_choices(session: Session) -> AuditChoices:
    return AuditChoices(
        actors=sorted(a for a in session.exec(select(AuditLog.actor).distinct()) if a),
        actions=sorted(a for a in session.exec(select(AuditLog.action).distinct()) if a),
        target_types=sorted(t for t in session.exec(select(AuditLog.target_type).distinct()) if t),
    )


EXPORT_HEADINGS = (
    N_("Time (UTC)"),
    N_("Who"),
    N_("What"),
    N_("Object"),
    N_("Object id"),
    N_("Details"),
    N_("Address"),
)


def audit_workbook(
    entries: Iterator[AuditLog] | Sequence[AuditLog],
    words: Callable[..., str],
    *,
    on_row: Callable[[], None] | None = None,
) -> bytes:
    """The entries as an XLSX workbook with headings and codes in words (``words(message_id,
    **params)`` translates) and a frozen heading row. Every text cell is written as text, so
    that a value starting with ``=`` (a unit renamed to a formula) is never evaluated."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(words(N_("Audit log")))
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFG", (18, 14, 26, 16, 14, 60, 16), strict=True):
        sheet.column_dimensions[column].width = width

    def text(value: str, *, bold: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never "f": a leading = + - @ stays text
        if bold:
            cell.font = Font(bold=True)
        return cell

    sheet.append([text(words(heading), bold=True) for heading in EXPORT_HEADINGS])
    for entry in entries:
        message, params = action_words(entry.action)
        details = "; ".join(
            f"{words(detail_words(key))}: {words(detail_value(value))}"
            for key, value in sorted(entry.detail.items())
        )
        sheet.append(
            [
                text(entry.at.strftime("%Y-%m-%d %H:%M:%S")),
                text(entry.actor),
                text(words(message, **{k: words(v) for k, v in params.items()})),
                text(words(object_words(entry.target_type)) if entry.target_type else ""),
                text(entry.target_id),
                text(details),
                text(entry.ip),
            ]
        )
        if on_row is not None:
            on_row()
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
