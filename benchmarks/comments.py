"""The office's comment list at 100,000 comments: filtered keyset pages against a bare SELECT.

Seeds one evaluation with 48 units, 4 respondent groups and 4 periods, ``--responses``
responses (default 200,000) of which ``--comments`` (default 100,000) carry a comment: four
in five about a unit, one in five general; a tenth of the unit comments have a rectification
record in some status. Then, interleaved over ``--rounds`` rounds, times for each filter
combination, first page and a deep page (the keyset cursor 80% of the way down):

- **list**: ``survey.comments.listing.comment_page``, what the office page and the API call:
  the page's SELECT, the total count under the same filters, and the rows as objects with
  their deadlines;
- **bare**: the same page's SELECT alone (``listing.page_statement``), executed and fetched,
  no count and no Python per row: the floor any implementation of this page pays.

Medians in milliseconds are printed as Markdown (target: list under 200 ms).

    python benchmarks/comments.py [--comments 100000] [--responses 200000] [--rounds 15]
        [--databases sqlite,postgresql]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test_comments]

The PostgreSQL database named by ``--postgres`` is emptied first (its schema dropped).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey import migrate  # noqa: E402
from survey.comments import listing  # noqa: E402
from survey.comments.rectification_models import Rectification, RectificationStatus  # noqa: E402
from survey.comments.workdays import add_working_days  # noqa: E402
from survey.db import build_engine  # noqa: E402
from survey.models import (  # noqa: E402
    Comment,
    Evaluation,
    Period,
    RespondentGroup,
    Response,
    Unit,
    UnitCategory,
)

UNITS = 48
WORDS = ("排队时间太长", "态度很好", "办事效率高", "材料要求太多", "窗口太少", "网上办理方便")
TODAY = date(2026, 12, 7)
START = datetime(2026, 3, 1, 8, tzinfo=UTC)


def seed(url: str, responses: int, comments: int) -> int:
    engine = build_engine(url)
    rng = random.Random(15)
    with Session(engine) as session:
        evaluation = Evaluation(name="2026年度", year=2026, status="open")
        category = UnitCategory(code="c1", name="市直部门")
        session.add_all([evaluation, category])
        session.commit()
        units = [
            Unit(code=f"BM{k:02d}", name=f"部门{k:02d}", category_id=category.id)
            for k in range(1, UNITS + 1)
        ]
        groups = [RespondentGroup(code=f"g{k}", name=f"界别{k}") for k in range(4)]
        periods = [
            Period(evaluation_id=evaluation.id, code=f"Q{k}", name=f"第{k}季度", kind="quarter")
            for k in range(1, 5)
        ]
        session.add_all([*units, *groups, *periods])
        session.commit()
        assert evaluation.id is not None
        evaluation_id = evaluation.id
        unit_ids = [u.id for u in units]
        group_ids = [g.id for g in groups]
        period_ids = [p.id for p in periods]
    span = int((TODAY - START.date()).days * 86400)
    with engine.begin() as connection:
        batch_r: list[dict[str, object]] = []
        batch_c: list[dict[str, object]] = []
        batch_x: list[dict[str, object]] = []
        for k in range(responses):
            rid = secrets.token_hex(16)
            at = START + timedelta(seconds=rng.randrange(span))
            batch_r.append(
                {
                    "id": rid,
                    "evaluation_id": evaluation_id,
                    "period_id": period_ids[min(3, (at.month - 1) // 3)],
                    "group_id": rng.choice(group_ids),
                    "channel": "ballot" if rng.random() < 0.2 else "qr",
                    "submitted_at": at,
                    "time_precision": "second",
                    "quality_flags": 0,
                }
            )
            if k < comments:
                unit = rng.choice(unit_ids) if rng.random() < 0.8 else None
                batch_c.append(
                    {
                        "response_id": rid,
                        "seq": 0,
                        "evaluation_id": evaluation_id,
                        "unit_id": unit,
                        "question": None if unit else "suggestion",
                        "text": f"{rng.choice(WORDS)}，{rng.choice(WORDS)}",
                    }
                )
                if unit and rng.random() < 0.1:
                    status = rng.choice(list(RectificationStatus))
                    batch_x.append(
                        {
                            "id": secrets.token_hex(16),
                            "response_id": rid,
                            "seq": 0,
                            "evaluation_id": evaluation_id,
                            "unit_id": unit,
                            "routed_on": at.date(),
                            "routed_by": "",
                            "deadline": add_working_days(at.date(), 15),
                            "status": status,
                            "measure": "",
                            "responsible_office": "",
                            "appeal_reason": "",
                            "decision_reason": "",
                            "callback_result": "",
                            "escalated_by": "",
                            "escalation_note": "",
                            "updated_at": at,
                        }
                    )
            if len(batch_r) >= 5000:
                _flush(connection, batch_r, batch_c, batch_x)
        _flush(connection, batch_r, batch_c, batch_x)
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return evaluation_id


def _flush(connection, *batches: list[dict[str, object]]) -> None:  # type: ignore[no-untyped-def]
    for table, rows in zip((Response, Comment, Rectification), batches, strict=True):
        if rows:
            connection.execute(insert(table), rows)
            rows.clear()


def combos(session: Session) -> list[tuple[str, listing.CommentFilter]]:
    return [
        ("no filter", listing.CommentFilter()),
        ("unit", listing.CommentFilter(unit="BM09")),
        ("unit + group + channel", listing.CommentFilter(unit="BM09", group="g1", channel="qr")),
        (
            "period + date range",
            listing.CommentFilter(period="Q3", since=date(2026, 8, 1), until=date(2026, 8, 31)),
        ),
        ("words", listing.CommentFilter(words="窗口太少")),
        ("unit + words", listing.CommentFilter(unit="BM09", words="窗口太少")),
        ("status received", listing.CommentFilter(status="received")),
        ("status overdue", listing.CommentFilter(status="overdue")),
        ("status verified", listing.CommentFilter(status="verified")),
        ("not routed", listing.CommentFilter(status="unrouted")),
    ]


def deep_cursor(session: Session, evaluation_id: int, wanted: listing.CommentFilter) -> str:
    """The cursor 80% of the way down the filtered list (what a reader paging on reaches)."""
    total = listing.comment_page(session, evaluation_id, wanted, page_size=1, today=TODAY).total
    target = int(total * 0.8)
    statement = (
        listing.page_statement(
            session, evaluation_id, wanted, page_size=listing.MAX_PAGE_SIZE, today=TODAY
        )
        .limit(None)
        .offset(max(0, target - 1))
        .limit(1)
    )
    row = session.execute(statement).first()
    return "" if row is None else listing.encode_cursor(row[5], row[0], row[1])


def ms(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def run(url: str, evaluation_id: int, rounds: int) -> list[tuple[str, str, float, float, int]]:
    engine = build_engine(url)
    results = []
    with Session(engine) as session:
        for name, wanted in combos(session):
            for depth in ("first", "deep"):
                after = deep_cursor(session, evaluation_id, wanted) if depth == "deep" else ""
                lists, bares = [], []
                total = 0
                for _ in range(rounds):
                    # Interleaved: the bare SELECT and the list under the same conditions.
                    statement = listing.page_statement(
                        session, evaluation_id, wanted, after=after, today=TODAY
                    )
                    bares.append(ms(lambda s=statement: session.execute(s).all()))
                    started = time.perf_counter()
                    page = listing.comment_page(
                        session, evaluation_id, wanted, after=after, today=TODAY
                    )
                    lists.append((time.perf_counter() - started) * 1000)
                    total = page.total
                results.append(
                    (name, depth, statistics.median(lists), statistics.median(bares), total)
                )
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test_comments"
    )
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.1f}")
    for database in args.databases.split(","):
        with tempfile.TemporaryDirectory() as folder:
            if database == "sqlite":
                url = f"sqlite:///{folder}/comments.db"
            else:
                url = args.postgres
                engine = build_engine(url)
                with engine.begin() as connection:
                    connection.execute(text("DROP SCHEMA public CASCADE"))
                    connection.execute(text("CREATE SCHEMA public"))
                engine.dispose()
            migrate.upgrade(url)
            started = time.perf_counter()
            evaluation_id = seed(url, args.responses, args.comments)
            print(f"\n### {database}: seeded in {time.perf_counter() - started:.0f} s\n")
            print("| filters | page | list median (ms) | bare SELECT median (ms) | matching |")
            print("|---|---|---:|---:|---:|")
            for name, depth, listed, bare, total in run(url, evaluation_id, args.rounds):
                print(f"| {name} | {depth} | {listed:.1f} | {bare:.1f} | {total:,} |")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
