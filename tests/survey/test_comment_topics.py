"""Comment topics: keyword rules, tagging worked by hand, re-tagging on rule changes, refused
input, and the topic x unit counts against a direct count."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import jieba
import pytest
from sqlmodel import Session, col, select

from survey.accounts import Principal
from survey.comments import topics as service
from survey.comments.topic_match import TopicKeywords, build_matcher, keyword_list
from survey.comments.topic_models import CommentTopic, Topic, TopicKeyword
from survey.errors import Invalid, NotPermitted
from survey.models import AuditLog, Comment, EvaluationStatus, Response, Role, Unit
from survey.security import random_id
from survey.surveys.writer import COMMENT_COLUMNS, RESPONSE_COLUMNS, insert_rows
from tests.factories import ACTOR, make_category, make_evaluation, make_group, make_unit

# Hand-written comments and the topics each must get under RULES (worked by hand from the
# words jieba cuts: see the notes).
RULES = {
    "attitude": ("服务态度", "态度\n服务态度、热情"),
    "efficiency": ("办事效率", "效率，办事效率 排队"),
    "hygiene": ("环境卫生", "卫生 垃圾 脏乱差"),
    "parking": ("停车", "停车 车位 乱停车"),
    "hotline": ("热线", "12345热线"),
}
COMMENTS = [
    # 态度 and 办事效率 are words of it.
    ("A", "窗口工作人员态度很差，办事效率太低", {"attitude", "efficiency"}),
    # 态度 inside 态度恶劣 (a sub-word of a dictionary word).
    ("A", "服务态度恶劣", {"attitude"}),
    # 停车 inside 停车位, and 乱停车 (a keyword jieba does not know) cut out whole.
    ("B", "小区门口停车位太少，晚上乱停车", {"parking"}),
    # 排队 straddles 安排/队伍: not a word of it (a substring search would say it is).
    ("B", "安排队伍很整齐", set()),
    # 12345热线 is cut 12345/热线 without the keyword in the dictionary.
    ("C", "12345热线打不通", {"hotline"}),
    # Full-width digits are read as ASCII.
    ("C", "１２３４５热线占线，排队也慢", {"hotline", "efficiency"}),
    ("C", "垃圾没人清理，环境脏乱差", {"hygiene"}),
    (None, "希望进一步简化审批材料。", set()),
    (None, "夜里排队的人很多", {"efficiency"}),
]


def _world(session: Session) -> tuple[int, dict[str, int], list[tuple[str, int]]]:
    evaluation = make_evaluation(session)
    category = make_category(session)
    units = {name: make_unit(session, category) for name in "ABC"}
    group = make_group(session)
    keys = _add_comments(session, evaluation.id, group.id, units, COMMENTS)  # type: ignore[arg-type]
    return evaluation.id, {k: u.id for k, u in units.items()}, keys  # type: ignore[return-value, misc]


def _add_comments(
    session: Session,
    evaluation_id: int,
    group_id: int,
    units: dict[str, object],
    comments: list[tuple[str | None, str, set[str]]],
) -> list[tuple[str, int]]:
    responses, rows, keys = [], [], []
    for unit, text, _topics in comments:
        response = {
            "id": random_id(),
            "evaluation_id": evaluation_id,
            "period_id": None,
            "group_id": group_id,
            "channel": "qr",
            "submitted_at": datetime(2026, 10, 1, tzinfo=UTC),
            "time_precision": "day",
            "quality_flags": 0,
            "cell_key": None,
            "survey_id": None,
            "submission_key": None,
            "submission_hash": None,
        }
        responses.append(tuple(response[c] for c in RESPONSE_COLUMNS))
        comment = {
            "response_id": response["id"],
            "seq": 0,
            "evaluation_id": evaluation_id,
            "unit_id": units[unit].id if unit else None,  # type: ignore[attr-defined]
            "question": None,
            "text": text,
        }
        rows.append(tuple(comment[c] for c in COMMENT_COLUMNS))
        keys.append((str(response["id"]), 0))
    insert_rows(session.connection(), responses, [], rows)
    session.commit()
    return keys


def _add_rules(session: Session, evaluation_id: int) -> dict[str, int]:
    for code, (name, words) in RULES.items():
        service.create_topic(session, evaluation_id, service.TopicIn(code, name, "", words), ACTOR)
    return {t.code: t.id for t in service.list_topics(session, evaluation_id)}


def _tags(session: Session, evaluation_id: int) -> dict[tuple[str, int], set[str]]:
    session.expire_all()
    codes = {t.id: t.code for t in session.exec(select(Topic))}
    found: dict[tuple[str, int], set[str]] = {}
    for row in session.exec(
        select(CommentTopic).where(CommentTopic.evaluation_id == evaluation_id)
    ):
        found.setdefault((row.response_id, row.seq), set()).add(codes[row.topic_id])
    return found


def test_comments_get_the_topics_worked_by_hand(session: Session) -> None:
    evaluation_id, _units, keys = _world(session)
    _add_rules(session, evaluation_id)
    tags = _tags(session, evaluation_id)
    for key, (_unit, text, expected) in zip(keys, COMMENTS, strict=True):
        assert tags.get(key, set()) == expected, text
    assert service.pending_comments(session, evaluation_id) == 0


def test_matchers_keep_their_keywords_to_themselves() -> None:
    before = len(jieba.dt.FREQ)
    with_keyword = build_matcher([TopicKeywords(1, ("乱停车",))])
    without = build_matcher([TopicKeywords(2, ("停车",))])
    assert with_keyword.topics_of("晚上乱停车") == {1}
    assert without.topics_of("晚上乱停车") == {2}
    assert without.tokenizer is not None and "乱停车" not in without.tokenizer.FREQ
    # Nothing was added to jieba's shared tokenizer.
    assert len(jieba.dt.FREQ) == before and "乱停车" not in jieba.dt.FREQ
    assert build_matcher([]).topics_of("态度很差") == set()
    assert keyword_list(" 态度\n态度，ＡＢＣ、 效率 ") == ["态度", "abc", "效率"]


def test_changing_the_rules_tags_the_comments_again(session: Session) -> None:
    evaluation_id, _units, keys = _world(session)
    ids = _add_rules(session, evaluation_id)
    version = service.rules_version(session, evaluation_id)
    hotline = keys[4]
    assert _tags(session, evaluation_id)[hotline] == {"hotline"}
    # 打不通 becomes a keyword of the hotline topic's replacement, 电话.
    service.update_topic(
        session,
        evaluation_id,
        ids["hotline"],
        service.TopicIn("phone", "电话", "Phone", "打不通\n占线"),
        ACTOR,
    )
    tags = _tags(session, evaluation_id)
    assert tags[hotline] == {"phone"}
    assert tags[keys[5]] == {"phone", "efficiency"}
    assert service.rules_version(session, evaluation_id) == version + 1
    # Deleting a topic takes its tags away; the other topics' stay.
    service.delete_topic(session, evaluation_id, ids["efficiency"], ACTOR)
    tags = _tags(session, evaluation_id)
    assert tags[keys[0]] == {"attitude"}
    assert keys[8] not in tags
    assert (
        session.exec(select(TopicKeyword).where(TopicKeyword.topic_id == ids["efficiency"])).first()
        is None
    )
    actions = [a.action for a in session.exec(select(AuditLog).order_by(col(AuditLog.id)))]
    assert actions[-2:] == ["topic.update", "topic.delete"]
    assert actions.count("topic.create") == len(RULES)
    change = session.exec(select(AuditLog).where(AuditLog.action == "topic.update")).one()
    assert change.detail["before"]["keywords"] == ["12345热线"]
    assert change.detail["after"]["keywords"] == ["打不通", "占线"]


def test_new_comments_wait_for_the_tagging_pass(session: Session) -> None:
    evaluation_id, units, _keys = _world(session)
    _add_rules(session, evaluation_id)
    group_id = session.exec(select(Response.group_id)).first()
    assert group_id is not None

    class _Unit:
        def __init__(self, id_: int) -> None:
            self.id = id_

    [key] = _add_comments(
        session, evaluation_id, group_id, {"A": _Unit(units["A"])}, [("A", "门口没有车位", set())]
    )
    assert service.pending_comments(session, evaluation_id) == 1
    assert key not in _tags(session, evaluation_id)
    report = service.tag_comments(session, evaluation_id, ACTOR)
    assert (report.comments, report.with_topic, report.tags) == (1, 1, 1)
    assert _tags(session, evaluation_id)[key] == {"parking"}
    assert service.pending_comments(session, evaluation_id) == 0
    # A comment's tags go with it.
    session.delete(session.get(Response, key[0]))
    session.commit()
    assert key not in _tags(session, evaluation_id)


@pytest.mark.parametrize(
    ("code", "name", "keywords", "message"),
    [
        ("x1", "", "态度", "Enter the topic's name."),
        ("x1", "   ", "态度", "Enter the topic's name."),
        ("", "新主题", "态度", "Enter the topic's code."),
        (
            "a b",
            "新主题",
            "态度",
            "The code is letters, digits, - and _ only, at most %(n)s characters.",
        ),
        (
            "x" * 17,
            "新主题",
            "态度",
            "The code is letters, digits, - and _ only, at most %(n)s characters.",
        ),
        ("x1", "名" * 21, "态度", "The topic's name is at most %(n)s characters."),
        ("x1", "新主题", " ，、 ", "Enter at least one keyword."),
        ("x1", "新主题", "字" * 17, "The keyword %(word)s is longer than %(n)s characters."),
        (
            "x1",
            "新主题",
            "！！",
            "The keyword %(word)s holds no letter, digit or Chinese character.",
        ),
        (
            "x1",
            "新主题",
            "\n".join(f"词{i}" for i in range(41)),
            "A topic has at most %(n)s keywords.",
        ),
        ("ATTITUDE", "新主题", "态度", "Another topic of this evaluation has the code %(code)s."),
        ("x1", "服务态度", "态度", "Another topic of this evaluation is named %(name)s."),
    ],
)
def test_bad_rules_are_refused_and_change_nothing(
    session: Session, code: str, name: str, keywords: str, message: str
) -> None:
    evaluation_id, _units, _keys = _world(session)
    _add_rules(session, evaluation_id)
    version = service.rules_version(session, evaluation_id)
    before = _tags(session, evaluation_id)
    with pytest.raises(Invalid) as refused:
        service.create_topic(
            session, evaluation_id, service.TopicIn(code, name, "", keywords), ACTOR
        )
    assert refused.value.message == message
    session.rollback()
    assert len(service.list_topics(session, evaluation_id)) == len(RULES)
    assert service.rules_version(session, evaluation_id) == version
    assert _tags(session, evaluation_id) == before


def test_only_the_office_changes_rules_and_not_after_publication(session: Session) -> None:
    evaluation_id, _units, _keys = _world(session)
    data = service.TopicIn("t", "主题", "", "态度")
    with pytest.raises(NotPermitted):
        service.create_topic(session, evaluation_id, data, Principal(name="v", role=Role.viewer))
    evaluation = service.org.get_evaluation(session, evaluation_id)
    evaluation.status = EvaluationStatus.published
    session.add(evaluation)
    session.commit()
    with pytest.raises(NotPermitted):
        service.create_topic(session, evaluation_id, data, ACTOR)


def test_topic_unit_counts_match_a_direct_count(session: Session) -> None:
    evaluation_id, units, keys = _world(session)
    ids = _add_rules(session, evaluation_id)
    table = service.topic_unit_table(session, evaluation_id, ACTOR)
    # The same counts from the hand-worked topics above.
    expected: Counter[tuple[str | None, str]] = Counter()
    for unit, _text, topics in COMMENTS:
        for topic in topics:
            expected[(unit, topic)] += 1
    codes = {v: k for k, v in ids.items()}
    unit_codes = {session.get(Unit, unit_id).code: name for name, unit_id in units.items()}  # type: ignore[union-attr]
    got: Counter[tuple[str | None, str]] = Counter()
    for row in table.rows:
        for topic_id, n in row.counts.items():
            got[(unit_codes.get(row.unit), codes[topic_id])] += n
    assert got == expected
    assert [r.unit for r in table.rows][-1] == ""  # comments about no unit come last
    assert table.comments == len(COMMENTS)
    assert table.with_topic == sum(1 for *_x, topics in COMMENTS if topics)
    by_unit = Counter(unit_codes.get(r.unit) for r in table.rows for _ in range(r.comments))
    assert by_unit == Counter(unit for unit, *_x in COMMENTS)
    assert {t.code: table.total(t.id) for t in table.topics} == {
        code: sum(n for (_u, c), n in expected.items() if c == code) for code in RULES
    }
    # The filter the comment list uses gives the same comments.
    keys_with = set(
        session.exec(service.comment_keys_with_topic(session, evaluation_id, ids["efficiency"]))
    )
    assert keys_with == {keys[0], keys[5], keys[8]}
    listed = session.exec(
        select(Comment.response_id, Comment.seq).where(
            Comment.evaluation_id == evaluation_id, service.has_topic(ids["efficiency"])
        )
    ).all()
    assert set(listed) == keys_with
    assert service.topic_by_code(session, evaluation_id, "parking").id == ids["parking"]
