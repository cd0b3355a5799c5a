"""The bad-input corpus in response imports: each item in a respondent number, a weighting
cell and an answer of a CSV file, uploaded by the office over HTTP and, for a sample, given to
``pingyi import responses`` as a subprocess.

A file with a bad cell is refused whole, naming the row and column in Chinese, storing
nothing; legitimate text is stored exactly.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey.models import Response, Role
from tests.bad_input import (
    CORPUS,
    OVERSIZE_BODY,
    BadInput,
    Kind,
    fits,
    ids,
    in_chinese,
    row_counts,
)
from tests.factories import PASSWORD, TEST_SECRET, make_survey, make_user

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
PINGYI = str(Path(sys.executable).with_name("pingyi"))
RESPONDENT_LIMIT = 64
HEADER = ["respondent_id", "group", "unit", "question", "answer", "district"]


@dataclass(frozen=True)
class Place:
    evaluation_id: int
    group: str
    units: tuple[str, str]


def _place(session: Session) -> Place:
    # The survey rates "overall" on levels, so a number is no answer to it.
    survey, units, groups = make_survey(session, units=2)
    return Place(survey.evaluation_id, groups[0].code, (units[0].code, units[1].code))


def _csv(place: Place, column: str, item: BadInput) -> bytes:
    """Two respondents' answers, with ``item`` in ``column`` of the first one's rows. The
    file is UTF-8 except for what the item's own bytes are."""
    # Invalid bytes ride through the csv writer as surrogate escapes and come back as they were.
    value = (
        item.value.decode("utf-8", "surrogateescape")
        if isinstance(item.value, bytes)
        else item.value
    )
    rows = [HEADER]
    for respondent, district in (("p1", "east"), ("p2", "west")):
        for unit in place.units:
            row = dict(
                zip(
                    HEADER,
                    [respondent, place.group, unit, "overall", "满意", district],
                    strict=True,
                )
            )
            if respondent == "p1":
                row[column] = value
            rows.append([row[name] for name in HEADER])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    errors = "surrogateescape" if isinstance(item.value, bytes) else "surrogatepass"
    return out.getvalue().encode("utf-8", errors)


def _accepted(column: str, item: BadInput) -> bool:
    text = item.text.strip()
    if column == "respondent_id":
        return fits(item, RESPONDENT_LIMIT)
    if column == "district":
        return fits(item, 200 - len("district=")) and not any(c in text for c in ";=")
    return False  # no item is a level of the rated question


def _stored(session: Session, column: str) -> set[str | None]:
    session.expire_all()
    if column == "respondent_id":
        return set(session.exec(select(Response.external_ref)))
    return {
        key.removeprefix("district=") if key else key
        for key in session.exec(select(Response.cell_key))
    }


def _sign_in(client: TestClient, session: Session) -> str:
    make_user(session, Role.office, username="kaohe")
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    signed_in = client.post(
        "/office/login", data={"username": "kaohe", "password": PASSWORD, "csrf_token": token}
    )
    assert signed_in.url.path == "/office"
    return token


COLUMNS = ["respondent_id", "district", "answer"]


@pytest.mark.parametrize("item", CORPUS, ids=ids(CORPUS))
def test_office_upload(client: TestClient, session: Session, item: BadInput) -> None:
    place = _place(session)
    token = _sign_in(client, session)
    for column in COLUMNS:
        before = row_counts(session)
        checked = client.post(
            "/office/imports/check",
            data={"csrf_token": token, "kind": "responses", "evaluation_id": place.evaluation_id},
            files={"file": ("answers.csv", _csv(place, column, item), "text/csv")},
        )
        if not _accepted(column, item):
            assert checked.status_code == 422, (column, checked.status_code)
            if item.kind is Kind.invalid_utf8:
                assert "文件不是 UTF-8 文本" in checked.text
            else:
                assert "未导入，未保存任何数据" in checked.text, column
                assert f"<code>{column}</code>" in checked.text
            assert row_counts(session) == before
            continue
        assert checked.status_code == 200, (column, checked.text[:500])
        assert row_counts(session) == before  # checking stores nothing
        done = client.post("/office/imports/confirm", data=dict(HIDDEN.findall(checked.text)))
        assert done.status_code == 200, done.text[:500]
        assert item.text.strip() in _stored(session, column)
        assert row_counts(session)["response"] == before["response"] + 2
        # The stored respondents would block the next import of the same file: start afresh.
        _forget_imports(session)


def _forget_imports(session: Session) -> None:
    from sqlalchemy import delete

    from survey.models import Answer

    session.execute(delete(Answer))
    session.execute(delete(Response))
    session.commit()


def test_office_upload_of_an_oversize_file_is_refused(client: TestClient, session: Session) -> None:
    place = _place(session)
    token = _sign_in(client, session)
    before = row_counts(session)
    big = b"respondent_id,group,unit,question,answer\n" + b"x" * OVERSIZE_BODY
    answer = client.post(
        "/office/imports/check",
        data={"csrf_token": token, "kind": "responses", "evaluation_id": place.evaluation_id},
        files={"file": ("answers.csv", big, "text/csv")},
    )
    assert answer.status_code == 413 and "提交的内容过大" in answer.text
    assert row_counts(session) == before


# The CLI, as an operator runs it (each run starts Python afresh, so a sample): NUL, which
# PostgreSQL text cannot hold, bytes that are not UTF-8, and legitimate text that must pass.
CLI_SAMPLE = [
    item for item in CORPUS if item.name in ("nul_inside", "lone_surrogate", "formula_equals")
]


@pytest.mark.parametrize("item", CLI_SAMPLE, ids=ids(CLI_SAMPLE))
def test_cli_import(database_url: str, session: Session, tmp_path: Path, item: BadInput) -> None:
    place = _place(session)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINGYI_")}
    env.update(
        PINGYI_MODE="production",
        PINGYI_SECRET_KEY=TEST_SECRET,
        PINGYI_DATABASE_URL=database_url,
        PINGYI_DATA_DIR=str(tmp_path),
    )
    column = "respondent_id"
    before = row_counts(session)
    path = tmp_path / f"{column}.csv"
    path.write_bytes(_csv(place, column, item))
    result = subprocess.run(
        [PINGYI, "import", "responses", str(path), "--evaluation", str(place.evaluation_id)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    if _accepted(column, item):
        assert result.returncode == 0, result.stderr
        assert item.text.strip() in _stored(session, column)
        return
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert in_chinese(result.stderr), result.stderr
    if item.kind is not Kind.invalid_utf8:
        assert "列：" in result.stderr and column in result.stderr
    assert row_counts(session) == before
