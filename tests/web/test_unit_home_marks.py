"""A unit's own home page says in words what the significance tests say about its score:
against the rest of its category, against last year, between its respondent groups, and
whether the score is reliable; the figures are those of the satisfaction results the unit
may read, in Chinese and in English."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from survey import demo
from survey.accounts import Principal
from survey.models import Evaluation, Role, Unit
from survey.satisfaction.policy import get_policy, set_policy
from survey.satisfaction.schemas import PolicySettings, SatisfactionPolicyPut, UnitResult
from survey.satisfaction.service import satisfaction_results
from tests.factories import make_user
from tests.web.setup_world import sign_in

OFFICE = Principal(name="office", role=Role.office)

# The catalogue's words for each outcome, as the office's pages say them.
WORDS = {
    "zh-CN": {
        "vs-category": ("显著高于同类其他单位", "显著低于同类其他单位"),
        "vs-previous": ("显著高于上年", "显著低于上年"),
        "same": "差异不显著",
        "adjusted": "校正后 p {op} {p}（Holm 法，共 {m} 项检验）",
        "last_year": "上年 {score}",
        "agree": "各评议主体之间没有显著差异（比较了 {n} 对）。",
        "disagree": "在比较的 {n} 对评议主体中，以下几对对本单位的评价差异显著：",
        "not_reliable": "本单位得分不可靠：变异系数 {cv} 高于 {limit}。",
    },
    "en": {
        "vs-category": (
            "significantly above the rest of the category",
            "significantly below the rest of the category",
        ),
        "vs-previous": ("significantly above last year", "significantly below last year"),
        "same": "not significant",
        "adjusted": "adjusted p {op} {p} (Holm, {m} tests)",
        "last_year": "last year {score}",
        "agree": "No two respondent groups differ significantly ({n} pairs compared).",
        "disagree": "Of {n} pairs of groups compared, these rate the unit significantly "
        "differently:",
        "not_reliable": "This score is not reliable: its coefficient of variation, {cv}, is above "
        "{limit}.",
    },
}


def _block(page: str, name: str) -> str:
    """The HTML of one mark's lines on the page (``data-mark="name"``)."""
    start = page.index(f'data-mark="{name}"')
    end = page.find("data-mark=", start + 1)
    return page[start : end if end != -1 else page.index("sig-legend", start)]


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _adjusted(words: dict[str, Any], test: dict[str, Any]) -> str:
    p = test["p_adjusted"]
    op, shown = ("<", "0.001") if p < 0.001 else ("=", f"{p:.3f}")
    return str(words["adjusted"]).format(op=op, p=shown, m=test["family_size"])


def _check_comparison(block: str, test: dict[str, Any], said: tuple[str, str], same: str) -> None:
    """The mark (direction, difference, adjusted p) and its words agree with ``test``."""
    direction = ("up" if test["difference"] > 0 else "down") if test["significant"] else "no"
    assert f'data-significant="{direction}"' in block
    assert f'data-p-adjusted="{test["p_adjusted"]:.6f}"' in block
    assert f"{test['difference']:+.2f}" in _text(block)
    words = re.search(r"data-words>([^<]*)<", block)
    assert words is not None
    expected = said[0 if direction == "up" else 1] if direction != "no" else same
    assert words.group(1) == expected
    if direction != "no":
        assert ("▲" if direction == "up" else "▼") in block


def _own_result(session: Session, evaluation_id: int, code: str) -> UnitResult:
    """The unit's result as the unit itself may read it (its audience, small cells hidden)."""
    unit = session.exec(select(Unit).where(Unit.code == code)).one()
    viewer = Principal(name=code.lower(), role=Role.unit, unit_id=unit.id)
    results = satisfaction_results(session, evaluation_id, unit=code, viewer=viewer, previous=True)
    assert results.audience == "unit"
    (result,) = results.units
    return result


def _home(client: TestClient, code: str, evaluation_id: int, language: str) -> str:
    client.get(f"/lang/{language}", follow_redirects=False)
    page = client.get(f"/unit/units/{code}", params={"evaluation": evaluation_id})
    assert page.status_code == 200
    return page.text


def _check_page(page: str, result: UnitResult, language: str) -> None:
    words = WORDS[language]
    assert "data-marks" in page
    category = result.vs_category
    assert category is not None
    block = _block(page, "vs-category")
    _check_comparison(block, dict(category), words["vs-category"], str(words["same"]))
    assert _adjusted(words, dict(category)) in _text(block)

    previous = result.vs_previous
    assert previous is not None
    block = _block(page, "vs-previous")
    _check_comparison(block, dict(previous), words["vs-previous"], str(words["same"]))
    assert _adjusted(words, dict(previous)) in _text(block)
    last_year = str(words["last_year"]).format(score=f"{previous['previous_score']:.2f}")
    assert last_year in _text(block)

    block = _block(page, "groups")
    assert result.group_pairs_tested is not None
    if result.groups_disagree:
        assert str(words["disagree"]).format(n=result.group_pairs_tested) in _text(block)
        pairs = re.findall(r'data-pair="([^"]+)"', block)
        assert pairs == [f"{c['group']}-{c['other']}" for c in result.group_disagreements]
        for c in result.group_disagreements:
            line = block[block.index(f'data-pair="{c["group"]}-{c["other"]}"') :]
            line = line[: line.index("</li>")]
            higher = ("significantly higher", "significantly lower")
            said = ("显著偏高", "显著偏低") if language == "zh-CN" else higher
            _check_comparison(line, dict(c), said, str(words["same"]))
    else:
        assert str(words["agree"]).format(n=result.group_pairs_tested) in _text(block)
        assert "data-pair=" not in block


def test_a_unit_reads_its_marks_in_words_in_both_languages(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = max(session.exec(select(Evaluation)), key=lambda e: e.year)
    assert current.id is not None and current.previous_id is not None
    # One unit whose score stands out from its category, one whose does not and whose groups
    # disagree; chosen from the office's results so that the demo's numbers are not typed in.
    every = satisfaction_results(session, current.id, viewer=OFFICE, previous=True).units
    above = next(
        u for u in every if u.vs_category and u.vs_category["significant"] and u.vs_previous
    )
    level = next(
        u
        for u in every
        if u.vs_category
        and not u.vs_category["significant"]
        and u.groups_disagree
        and u.vs_previous
    )
    for unit in (above, level):
        make_user(session, Role.unit, username=f"marks-{unit.unit}", unit_code=unit.unit)
        result = _own_result(session, current.id, unit.unit)
        # The unit's adjusted p counts the same tests as the office's.
        assert result.vs_previous is not None and unit.vs_previous is not None
        assert result.vs_previous["family_size"] == unit.vs_previous["family_size"]
        client.cookies.clear()
        sign_in(client, f"marks-{unit.unit}")
        for language in ("zh-CN", "en"):
            page = _home(client, unit.unit, current.id, language)
            _check_page(page, result, language)
            # Only its own unit: no other unit's code is named by a mark.
            assert re.findall(r'data-unit="([^"]+)"', page) == [unit.unit]
        zh = _home(client, unit.unit, current.id, "zh-CN")
        if unit is level:
            assert "差异不显著" in _text(_block(zh, "vs-category"))
        else:
            assert "差异不显著" not in _text(_block(zh, "vs-category"))
        # The unit's satisfaction page carries the same lines.
        same = client.get(f"/unit/units/{unit.unit}/satisfaction?evaluation={current.id}")
        _check_page(same.text, result, "zh-CN")


def test_a_score_that_is_not_reliable_carries_a_warning(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = max(session.exec(select(Evaluation)), key=lambda e: e.year)
    assert current.id is not None
    make_user(session, Role.unit, username="marks-bm09", unit_code="BM09")
    sign_in(client, "marks-bm09")
    before = _own_result(session, current.id, "BM09")
    assert before.reliability == "reliable" and before.cv is not None
    page = _home(client, "BM09", current.id, "zh-CN")
    assert 'data-reliability="reliable"' in _block(page, "reliability")
    assert "不可靠" not in _text(_block(page, "reliability"))

    # Bands below the unit's CV make the same score not reliable.
    policy = get_policy(session, current.id).model_dump(include=set(PolicySettings.model_fields))
    policy["significance"].update(cv_caution=before.cv / 4, cv_unreliable=before.cv / 2)
    set_policy(session, current.id, SatisfactionPolicyPut.model_validate(policy), OFFICE)
    result = _own_result(session, current.id, "BM09")
    assert result.reliability == "not_reliable" and result.cv is not None
    limit = f"{before.cv / 2:g}"
    for language in ("zh-CN", "en"):
        block = _block(_home(client, "BM09", current.id, language), "reliability")
        assert 'data-reliability="not_reliable"' in block
        warning = str(WORDS[language]["not_reliable"]).format(cv=f"{result.cv:.3f}", limit=limit)
        assert warning in _text(block)
