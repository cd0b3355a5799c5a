"""The results pages in Chinese carry no English sentence from scoring and no bare indicator code.

The demo is bent so that every kind of reason and warning has something to say: a unit missing
one indicator value, a unit missing every period of another, a target of zero, groups dropped
below the minimum, cells suppressed below the threshold, raking margins, early warnings and the
differentiation rule of the lead departments.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from survey import demo
from survey.composite.models import CompositeScheme, IndicatorValue
from survey.models import Evaluation, Role, Unit
from tests.factories import PASSWORD, make_user

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
# Three ASCII words in a row is a sentence (or the start of one); unit codes and numbers are not.
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,;:()'/-]+[A-Za-z]{2,}){2,}")
# What a reason code or an English parameter name looks like when it leaks.
SNAKE = re.compile(r"(?<![\w.])[a-z]+(?:_[a-z0-9]+)+(?![\w.])")


class _Visible(HTMLParser):
    """Text a reader sees, including titles shown on hover and the options of selects."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "alt", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def _visible(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.parts


def _sign_in(client: TestClient, username: str) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    return token


def _indicator_codes(session: Session, evaluation_id: int) -> set[str]:
    codes: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key in ("indicators", "blocks"):
                for child in node.get(key) or []:
                    if isinstance(child, dict) and child.get("code"):
                        codes.add(str(child["code"]))
                    walk(child)

    for row in session.exec(
        select(CompositeScheme).where(CompositeScheme.evaluation_id == evaluation_id)
    ):
        walk(row.definition)
    return codes


def _bend_the_demo(session: Session, evaluation_id: int) -> dict[str, str]:
    """Missing values, a missing indicator in every period and a zero target; returns the units
    whose pages show them."""
    values = session.exec(
        select(IndicatorValue).where(IndicatorValue.evaluation_id == evaluation_id)
    ).all()
    units = {u.id: u.code for u in session.exec(select(Unit))}
    by_indicator: dict[str, list[IndicatorValue]] = {}
    for v in values:
        by_indicator.setdefault(v.indicator, []).append(v)
    # One unit loses its revenue, another every period of its investment figures.
    revenue_unit = by_indicator["revenue"][0].unit_id
    investment_unit = by_indicator["investment"][0].unit_id
    session.execute(
        delete(IndicatorValue).where(
            col(IndicatorValue.evaluation_id) == evaluation_id,
            col(IndicatorValue.indicator) == "revenue",
            col(IndicatorValue.unit_id) == revenue_unit,
        )
    )
    session.execute(
        delete(IndicatorValue).where(
            col(IndicatorValue.evaluation_id) == evaluation_id,
            col(IndicatorValue.indicator) == "investment",
            col(IndicatorValue.unit_id) == investment_unit,
        )
    )
    with_target = [v for v in values if v.target is not None]
    if with_target:
        session.execute(
            update(IndicatorValue)
            .where(col(IndicatorValue.id) == with_target[0].id)
            .values(target=0.0)
        )
    session.commit()
    return {"revenue": units[revenue_unit], "investment": units[investment_unit]}


def _bend_the_policy(client: TestClient, evaluation_id: int, token: str) -> None:
    """A minimum and a suppression threshold that drop groups and hide cells, and raking."""
    url = f"/office/evaluations/{evaluation_id}/satisfaction/policy"
    page = client.get(url).text
    form: dict[str, str | list[str]] = {
        "level_code": re.findall(r'name="level_code" maxlength="32" value="([^"]*)"', page),
        "level_score": re.findall(r'name="level_score" inputmode="decimal" value="([^"]*)"', page),
        "satisfied": re.findall(r'name="satisfied" value="(\d+)" checked', page),
    }
    for name in ("dont_know_code", "trim_k", "confidence"):
        form[name] = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
    saved = client.post(
        url,
        data={
            **form,
            "csrf_token": token,
            "min_n": "40",
            "suppression_threshold": "30",
            "margins": "district: QX01=300000, QX02=200000, QX03=100000",
            "note": "检验页面用语",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text


def test_results_pages_in_chinese_have_no_english_sentence_and_no_indicator_code(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    evaluation = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    assert evaluation.id is not None
    bent = _bend_the_demo(session, evaluation.id)
    make_user(session, Role.office, username="kaohe")
    token = _sign_in(client, "kaohe")
    _bend_the_policy(client, evaluation.id, token)
    codes = _indicator_codes(session, evaluation.id)
    assert {"revenue", "investment", "key_tasks"} <= codes

    base = f"/office/evaluations/{evaluation.id}"
    pages = [
        f"{base}/composite",
        f"{base}/composite?sensitivity=true&draws=50&seed=1",
        f"{base}/composite/units/{bent['revenue']}",
        f"{base}/composite/units/{bent['investment']}",
        f"{base}/satisfaction",
        f"{base}/satisfaction/units/{bent['revenue']}",
        f"{base}/satisfaction/units/{bent['investment']}?group=npc",
    ]
    shown_somewhere = {"missing": False, "dropped": False}
    leaks: list[str] = []
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        for text in _visible(response.text):
            english = ENGLISH_RUN.findall(text)
            snake = SNAKE.findall(text)
            leaked = set(re.findall(r"[A-Za-z][A-Za-z0-9_-]*", text)) & codes
            if english or snake or leaked:
                leaks.append(f"{page}: {text!r}")
            shown_somewhere["missing"] |= "缺" in text
            shown_somewhere["dropped"] |= "低于" in text
    assert not leaks, "\n".join(sorted(set(leaks)))
    # The bent data did reach the pages, in Chinese.
    assert shown_somewhere == {"missing": True, "dropped": True}


def test_every_reason_code_of_the_composite_library_has_words_in_both_languages() -> None:
    # A code without words would reach a page as the code itself.
    from scoring import COMPOSITE_REASON_CODES
    from survey.composite import terms
    from web.i18n import translate

    missing = sorted(set(COMPOSITE_REASON_CODES) - set(terms.REASONS))
    assert not missing
    for code in COMPOSITE_REASON_CODES:
        words = terms.reason(code)
        assert not isinstance(words, str), code
        chinese = translate("zh-CN", words)
        assert chinese != words.id and not ENGLISH_RUN.search(chinese), (code, chinese)
