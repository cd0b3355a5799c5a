"""Composite pages and answers in Chinese say everything in Chinese: scheme problems that come
from pydantic, the API's validation problems and the rules of the results."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session, select

from survey import demo
from survey.composite import describe
from survey.composite.schemas import QualitativeScoresPut, SchemeSpec
from survey.errors import N_, Message
from survey.models import Evaluation, Role
from survey.validation import problem_message
from tests.factories import PASSWORD, bearer, make_category, make_evaluation, make_token, make_user
from web.i18n import gettext, translate

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
# Pydantic's English wording and our English rule descriptions; none may reach a Chinese page.
ENGLISH = (
    "Field required",
    "Input should be",
    "Extra inputs",
    "valid number",
    "String should",
    "greater than",
    "competition ranking",
    "rounded to",
    "the rest",
    "places or more",
)
BROKEN = """\
category: {category}
points: lots
indicators:
  - code: a
    name: 甲
    points: 10
    direction: sideways
    method: min_max
    source: {{type: magic}}
  - code: b
    name: 乙
    points: 10
    method: min_max
    source: {{type: qualitative}}
    surplus: 1
"""


def _sign_in(client: TestClient, username: str) -> str:
    token = TOKEN.search(client.get("/office/login").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/office/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    return token


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_every_pydantic_problem_of_a_scheme_has_a_message_id() -> None:
    # Each kind of problem the schemes can raise maps to a message of its own, not the fallback.
    samples = [
        {"category": "x", "points": "lots"},  # float_parsing
        {"category": "x", "indicators": [{"code": "a", "name": "甲", "direction": "up"}]},
        {"category": "x", "indicators": [{"code": "a", "name": ""}]},  # string_too_short
        {"category": "bad code"},  # pattern
        {"category": "x", "surplus": 1},  # extra_forbidden
        {},  # missing
        {"category": "x", "ranking": {"decimals": 9}},  # less_than_equal
        {"category": "x", "ranking": {"decimals": 1.5}},  # int_from_float
        {"category": "x", "indicators": [{"code": "a", "name": "甲", "source": {"type": "x"}}]},
        {"category": "x", "indicators": [{"code": "a", "name": "甲", "source": {}}]},
        {"category": "x", "indicators": "many"},  # list_type
        {"category": "x", "ranking": "first"},  # model_type
        {"category": "x", "cap": [1]},  # too_short of a tuple
        {"category": "x", "grades": {"names": ["优秀"]}},  # too_short of a list
        {"category": "x", "sensitivity": {"weight_band": 1}},  # less_than
        {"category": "x", "indicators": [{"code": "a", "name": "甲", "points": 0}]},
    ]
    for raw in samples:
        try:
            SchemeSpec.model_validate(raw)
        except ValidationError as error:
            for item in error.errors():
                message = problem_message(item)
                assert message.id != N_("the value is not valid (%(type)s)"), item
                # Translated: the Chinese differs from the English message id.
                assert translate("zh-CN", message) != translate("en", message), item
        else:
            raise AssertionError(f"{raw} validated")


def test_pydantic_limits_and_choices_in_both_languages() -> None:
    try:
        QualitativeScoresPut.model_validate(
            {"scores": [{"unit": "A", "item": "b", "lead": "C", "score": 1001, "x": 1}]}
        )
    except ValidationError as error:
        found = {".".join(map(str, e["loc"])): problem_message(e) for e in error.errors()}
    assert translate("zh-CN", found["scores.0.score"]) == "必须至多为1000"
    assert translate("en", found["scores.0.score"]) == "must be at most 1000"
    assert translate("zh-CN", found["scores.0.x"]) == "此处不应有该字段"
    # A message nested in a message is translated, and str() gives the English.
    nested = Message(
        N_("%(label)s: %(problem)s"),
        {"label": Message(N_("Score")), "problem": found["scores.0.score"]},
    )
    assert translate("zh-CN", nested) == "得分：必须至多为1000"
    assert str(nested) == "Score: must be at most 1000"


def test_a_scheme_that_does_not_validate_is_explained_in_chinese_on_the_office_page(
    client: TestClient, session: Session
) -> None:
    evaluation = make_evaluation(session)
    category = make_category(session)
    make_user(session, Role.office, username="kaohe")
    token = _sign_in(client, "kaohe")
    answer = client.post(
        f"/office/evaluations/{evaluation.id}/composite/schemes",
        data={"csrf_token": token, "text": BROKEN.format(category=category.code)},
    )
    assert answer.status_code == 422
    shown = _text(answer.text)
    assert "第2行，points：应为数字" in shown
    assert "第7行，indicators[0].direction：必须是以下之一：higher, lower" in shown
    assert "第9行，indicators[0].source：类型magic未知；请使用以下之一：" in shown
    assert "第14行，indicators[1].source.item：必须填写" in shown
    assert "第15行，indicators[1].surplus：此处不应有该字段" in shown
    assert not [word for word in ENGLISH if word in shown]

    client.cookies.set("pingyi_lang", "en")
    english = _text(
        client.post(
            f"/office/evaluations/{evaluation.id}/composite/schemes",
            data={"csrf_token": token, "text": BROKEN.format(category=category.code)},
        ).text
    )
    assert "Line 2, points: a number is expected" in english
    assert "Line 14, indicators[1].source.item: a value is required" in english


def test_the_api_words_validation_problems_in_the_readers_language(
    client: TestClient, session: Session
) -> None:
    evaluation = make_evaluation(session)
    office = make_token(session)
    url = f"/api/v1/evaluations/{evaluation.id}/qualitative-scores"
    body = {"scores": [{"unit": "A1", "item": "law", "score": "high"}]}
    answer = client.put(url, json=body, headers=bearer(office))
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["message"] == "输入内容不符合要求。"
    problems = {p["field"]: p["message"] for p in error["problems"]}
    assert problems == {
        "body.scores[0].lead": "必须填写",
        "body.scores[0].score": "应为数字",
    }
    # Pydantic's own list stays for programs that read it.
    assert {e["type"] for e in answer.json()["detail"]} == {"missing", "float_parsing"}
    english = client.put(
        url, json=body, headers={**bearer(office), "Cookie": "pingyi_lang=en"}
    ).json()
    assert {p["message"] for p in english["error"]["problems"]} == {
        "a value is required",
        "a number is expected",
    }


def test_the_rules_of_the_results_are_shown_in_chinese_and_in_english(
    client: TestClient, session: Session
) -> None:
    demo.load_demo(session, office_password="demo-password-1")
    current = session.exec(select(Evaluation).where(Evaluation.year == 2026)).one()
    make_user(session, Role.viewer, username="reader")
    _sign_in(client, "reader")
    base = f"/office/evaluations/{current.id}/composite"
    for page in (base, f"{base}/units/QX01"):
        html = client.get(page).text
        # The unit page's tree shows the library's formulas; its rules are in the last card.
        shown = _text(html if page == base else html.rsplit('<section class="card">', 1)[1])
        assert "按竞争排名法（1224）排序" in shown
        assert "优秀：总分不低于85，且不超过单位数的30%（向下取整）" in shown
        assert "名额边界上同分的单位一并降档" in shown
        assert not [word for word in ENGLISH if word in shown], page
    # Early warnings are worded from their fields (the library's own text is English).
    results = client.get(base).text
    assert re.search(r'title="较上一次考核变化-\d+\.\d%，超过允许的\d+\.\d%"', results)
    # The demo's urban districts: bottom 1, or a fall of 2 places; tie-break on a block.
    urban = _text(client.get(base, params={"category": "district-urban"}).text)
    assert "排名末1位（与边界同分的单位一并计入），或较上一次考核退位2位及以上" in urban
    assert "依次按以下键区分同分：板块高质量发展，越高越好" in urban
    client.cookies.set("pingyi_lang", "en")
    english = _text(client.get(base, params={"category": "district-urban"}).text)
    assert (
        "the bottom 1 (units tied at the boundary included), or a fall of 2 places or more "
        "against the previous evaluation"
    ) in english
    assert "totals rounded to 2 decimals, then competition ranking (1224)" in english


def test_the_api_keeps_the_rules_in_english_from_the_same_words() -> None:
    spec = SchemeSpec.model_validate(
        {
            "category": "x",
            "interview": {"bottom": 3, "fall_places": 10, "boundary_ties": "exclude"},
            "progress_award": {"min_rise": 5, "top_k": 3},
            "ranking": {
                "decimals": 1,
                "tie_break": [{"block": "a"}, {"block": "b", "direction": "lower"}],
            },
            "grades": {
                "names": ["甲", "乙", "丙"],
                "thresholds": [90, None],
                "max_shares": [0.2, 0.5],
            },
        }
    )
    assert str(describe.interview_rule(spec)) == (
        "the bottom 3 (units tied at the boundary excluded), or a fall of 10 places or more "
        "against the previous evaluation"
    )
    assert str(describe.progress_rule(spec)) == (
        "a rise of 5 places or more, and among the 3 largest rises"
    )
    assert str(describe.rank_rule(spec)).endswith(
        "; tie-break keys in order: block a, higher is better; block b, lower is better"
    )
    assert [translate("zh-CN", m) for m in describe.grade_rules(spec)] == [
        "甲：总分不低于90，且不超过单位数的20%（向下取整）",
        "乙：不超过单位数的50%（向下取整）",
        "丙：其余单位",
        "名额边界上同分的单位一并降档",
    ]
    assert (
        gettext(
            "zh-CN",
            N_("%(rule)s; tie-break keys in order: %(keys)s"),
            rule="甲",
            keys=[
                Message(N_("block %(block)s, higher is better"), {"block": "a"}),
                Message(N_("block %(block)s, lower is better"), {"block": "b"}),
            ],
        )
        == "甲；依次按以下键区分同分：板块a，越高越好；板块b，越低越好"
    )
    no_rules = SchemeSpec.model_validate({"category": "x", "interview": None})
    assert translate("zh-CN", describe.interview_rule(no_rules)) == "无"
    assert str(describe.progress_rule(no_rules)) == "none"
