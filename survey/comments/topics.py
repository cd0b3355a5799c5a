"""Comment topics: the office's keyword rules per evaluation, tagging comments with them, the
topic x unit counts, and the filter the comment list uses.

Rules belong to one evaluation: a year's comments are read under that year's rules, and a
change next year does not re-tag (and so re-count) a published year. ``copy_topics`` and
``load_default_topics`` spare the office typing them again.

Tagging is not on the write path of submissions: the writer stores a citizen's comment in
its batch transaction and answers; loading jieba's dictionary (half a second, ~50 MB) and
keeping every process's copy of the rules current would slow and complicate that path, and
ballot comments are re-inserted under new ids at the close anyway. Comments are tagged in
batch instead: every change of the rules re-tags the evaluation's comments in the same
transaction; new comments are tagged when the office presses the button on the topics page
or a scheduled ``pingyi topics tag EVAL`` runs (both tag only what is not yet tagged under
the current rules, which ``pending_comments`` counts).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, tuple_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from survey import audit, rules
from survey import organisation as org
from survey.accounts import Principal
from survey.comments.topic_defaults import DEFAULT_TOPICS
from survey.comments.topic_match import (
    TopicKeywords,
    TopicMatcher,
    build_matcher,
    keyword_list,
    normalise,
)
from survey.comments.topic_models import (
    CODE_MAX_LENGTH,
    KEYWORD_MAX_LENGTH,
    NAME_EN_MAX_LENGTH,
    NAME_MAX_LENGTH,
    CommentTagging,
    CommentTopic,
    Topic,
    TopicKeyword,
    TopicRules,
)
from survey.errors import N_, Invalid, NotFound
from survey.models import Comment, Unit
from survey.rules import Action
from survey.timeutil import utcnow

MAX_KEYWORDS = 40
MAX_TOPICS = 60
# Comments read, tagged and written per round of a pass.
CHUNK = 2000
_CODE = re.compile(r"[A-Za-z0-9_-]+")
# A keyword must hold a letter, digit or CJK character: punctuation alone names nothing.
_WORDLIKE = re.compile(r"[0-9a-z\u3400-\u9fff]")


@dataclass(frozen=True)
class TopicIn:
    """A topic as the office's form gives it; ``keywords`` as typed (lines, commas, 、)."""

    code: str
    name: str
    name_en: str
    keywords: str


@dataclass(frozen=True)
class TopicView:
    id: int
    code: str
    name: str
    name_en: str
    keywords: tuple[str, ...]
    comments: int  # comments tagged with it


@dataclass(frozen=True)
class TaggingReport:
    comments: int  # comments tagged in this pass
    with_topic: int  # of which with at least one topic
    tags: int  # (comment, topic) pairs written
    rules_version: int
    seconds: float


# Reading ----------------------------------------------------------------------------------------


def _topics(session: Session, evaluation_id: int) -> list[Topic]:
    return list(
        session.exec(
            select(Topic)
            .where(Topic.evaluation_id == evaluation_id)
            .order_by(col(Topic.position), col(Topic.id))
        )
    )


def _keywords(session: Session, topic_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if topic_ids:
        for row in session.exec(
            select(TopicKeyword)
            .where(col(TopicKeyword.topic_id).in_(topic_ids))
            .order_by(col(TopicKeyword.topic_id), col(TopicKeyword.word))
        ):
            found[row.topic_id].append(row.word)
    return found


def list_topics(session: Session, evaluation_id: int) -> list[TopicView]:
    """The evaluation's topics in the office's order, with their keywords and comment counts."""
    topics = _topics(session, evaluation_id)
    ids = [t.id for t in topics if t.id is not None]
    keywords = _keywords(session, ids)
    counts = dict(
        session.exec(
            select(CommentTopic.topic_id, func.count())
            .where(CommentTopic.evaluation_id == evaluation_id)
            .group_by(col(CommentTopic.topic_id))
        ).all()
    )
    return [
        TopicView(
            id=t.id,
            code=t.code,
            name=t.name,
            name_en=t.name_en,
            keywords=tuple(keywords.get(t.id, [])),
            comments=int(counts.get(t.id, 0)),
        )
        for t in topics
        if t.id is not None
    ]


def rules_version(session: Session, evaluation_id: int) -> int:
    """The current version of the evaluation's rules; 0 before the first topic."""
    found = session.get(TopicRules, evaluation_id)
    return found.version if found else 0


def topic_by_code(session: Session, evaluation_id: int, code: str) -> Topic:
    """The topic a link names (``?topic=CODE``); ``NotFound`` for a code the evaluation lacks."""
    found = session.exec(
        select(Topic).where(Topic.evaluation_id == evaluation_id, Topic.code == code)
    ).first()
    if found is None:
        raise NotFound(N_("This evaluation has no topic with the code %(code)s."), code=code)
    return found


def get_topic(session: Session, evaluation_id: int, topic_id: int) -> Topic:
    found = session.get(Topic, topic_id)
    if found is None or found.evaluation_id != evaluation_id:
        raise NotFound(N_("This evaluation has no such topic."))
    return found


def comment_keys_with_topic(
    session: Session, evaluation_id: int, topic_id: int
) -> Select[str, int]:
    """The keys ``(response_id, seq)`` of the evaluation's comments tagged with the topic, as a
    SELECT to use in a query (``tuple_(Comment.response_id, Comment.seq).in_(keys)``) or to
    run. ``session`` checks that the topic belongs to the evaluation (``NotFound`` if not)."""
    get_topic(session, evaluation_id, topic_id)
    return select(CommentTopic.response_id, CommentTopic.seq).where(
        CommentTopic.evaluation_id == evaluation_id, CommentTopic.topic_id == topic_id
    )


def has_topic(topic_id: int) -> ColumnElement[bool]:
    """A WHERE clause on ``Comment``: the comment is tagged with the topic (a correlated
    EXISTS on the tag table's key, so it costs one index probe per comment listed)."""
    return exists().where(
        col(CommentTopic.response_id) == col(Comment.response_id),
        col(CommentTopic.seq) == col(Comment.seq),
        col(CommentTopic.topic_id) == topic_id,
    )


def has_topic_code(evaluation_id: int, code: str) -> ColumnElement[bool]:
    """A WHERE clause on ``Comment``: tagged with the evaluation's topic of this code (no
    such topic: nothing matches). The comment list's ``?topic=CODE`` filter."""
    return exists().where(
        col(CommentTopic.response_id) == col(Comment.response_id),
        col(CommentTopic.seq) == col(Comment.seq),
        col(CommentTopic.topic_id) == col(Topic.id),
        col(Topic.evaluation_id) == evaluation_id,
        col(Topic.code) == code,
    )


def pending_comments(session: Session, evaluation_id: int) -> int:
    """Comments not yet tagged under the evaluation's current rules (0 without rules)."""
    version = rules_version(session, evaluation_id)
    if version == 0:
        return 0
    return int(
        session.exec(
            select(func.count()).select_from(_pending_query(evaluation_id, version).subquery())
        ).one()
    )


def _pending_query(evaluation_id: int, version: int) -> Select[str, int, str, int | None]:
    """Comments without a mark of the current version: their key, text and older mark."""
    return (
        select(Comment.response_id, Comment.seq, Comment.text, CommentTagging.rules_version)
        .outerjoin(
            CommentTagging,
            and_(
                col(CommentTagging.response_id) == col(Comment.response_id),
                col(CommentTagging.seq) == col(Comment.seq),
            ),
        )
        .where(
            Comment.evaluation_id == evaluation_id,
            or_(
                col(CommentTagging.rules_version).is_(None),
                col(CommentTagging.rules_version) < version,
            ),
        )
    )


# Checking the office's input -------------------------------------------------------------------


def _checked(
    session: Session, evaluation_id: int, data: TopicIn, *, topic_id: int | None = None
) -> tuple[str, str, str, list[str]]:
    code = data.code.strip()
    name = data.name.strip()
    name_en = data.name_en.strip()
    if not code:
        raise Invalid(N_("Enter the topic's code."), field="code")
    if len(code) > CODE_MAX_LENGTH or not _CODE.fullmatch(code):
        raise Invalid(
            N_("The code is letters, digits, - and _ only, at most %(n)s characters."),
            field="code",
            n=CODE_MAX_LENGTH,
        )
    if not name:
        raise Invalid(N_("Enter the topic's name."), field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise Invalid(
            N_("The topic's name is at most %(n)s characters."), field="name", n=NAME_MAX_LENGTH
        )
    if len(name_en) > NAME_EN_MAX_LENGTH:
        raise Invalid(
            N_("The English name is at most %(n)s characters."),
            field="name_en",
            n=NAME_EN_MAX_LENGTH,
        )
    words = keyword_list(data.keywords)
    if not words:
        raise Invalid(N_("Enter at least one keyword."), field="keywords")
    if len(words) > MAX_KEYWORDS:
        raise Invalid(N_("A topic has at most %(n)s keywords."), field="keywords", n=MAX_KEYWORDS)
    for word in words:
        if len(word) > KEYWORD_MAX_LENGTH:
            raise Invalid(
                N_("The keyword %(word)s is longer than %(n)s characters."),
                field="keywords",
                word=word,
                n=KEYWORD_MAX_LENGTH,
            )
        if not _WORDLIKE.search(word):
            raise Invalid(
                N_("The keyword %(word)s holds no letter, digit or Chinese character."),
                field="keywords",
                word=word,
            )
    for other in _topics(session, evaluation_id):
        if other.id == topic_id:
            continue
        if other.code.lower() == code.lower():
            raise Invalid(
                N_("Another topic of this evaluation has the code %(code)s."),
                field="code",
                code=other.code,
            )
        if normalise(other.name) == normalise(name):
            raise Invalid(
                N_("Another topic of this evaluation is named %(name)s."),
                field="name",
                name=other.name,
            )
    return code, name, name_en, words


def _may_edit(session: Session, evaluation_id: int, actor: Principal | None) -> None:
    evaluation = org.get_evaluation(session, evaluation_id)
    rules.require(actor, Action.edit, evaluation.status)


# Changing the rules ----------------------------------------------------------------------------


def _next_version(session: Session, evaluation_id: int) -> int:
    """Add a version of the rules; the row lock on PostgreSQL orders concurrent changes."""
    found = session.exec(
        select(TopicRules).where(TopicRules.evaluation_id == evaluation_id).with_for_update()
    ).first()
    if found is None:
        found = TopicRules(evaluation_id=evaluation_id, version=0)
    found.version += 1
    found.changed_at = utcnow()
    session.add(found)
    session.flush()
    return found.version


def _set_keywords(session: Session, topic_id: int, words: Iterable[str]) -> None:
    session.exec(delete(TopicKeyword).where(col(TopicKeyword.topic_id) == topic_id))
    for word in words:
        session.add(TopicKeyword(topic_id=topic_id, word=word))
    session.flush()


def create_topic(
    session: Session, evaluation_id: int, data: TopicIn, actor: Principal, *, ip: str = ""
) -> Topic:
    """Add a topic with its keywords and re-tag the evaluation's comments (one transaction)."""
    _may_edit(session, evaluation_id, actor)
    code, name, name_en, words = _checked(session, evaluation_id, data)
    existing = _topics(session, evaluation_id)
    if len(existing) >= MAX_TOPICS:
        raise Invalid(N_("An evaluation has at most %(n)s topics."), n=MAX_TOPICS)
    topic = Topic(
        evaluation_id=evaluation_id,
        code=code,
        name=name,
        name_en=name_en,
        position=max((t.position for t in existing), default=0) + 1,
    )
    session.add(topic)
    session.flush()
    assert topic.id is not None
    _set_keywords(session, topic.id, words)
    report = _retag(session, evaluation_id)
    audit.record(
        session,
        actor.name,
        "topic.create",
        target_type="topic",
        target_id=topic.id,
        ip=ip,
        evaluation_id=evaluation_id,
        code=code,
        name=name,
        keywords=words,
        version=report.rules_version,
        tagged=report.comments,
    )
    session.commit()
    return topic


def update_topic(
    session: Session,
    evaluation_id: int,
    topic_id: int,
    data: TopicIn,
    actor: Principal,
    *,
    ip: str = "",
) -> Topic:
    """Change a topic's code, names or keywords and re-tag the evaluation's comments."""
    _may_edit(session, evaluation_id, actor)
    topic = get_topic(session, evaluation_id, topic_id)
    code, name, name_en, words = _checked(session, evaluation_id, data, topic_id=topic_id)
    before = {
        "code": topic.code,
        "name": topic.name,
        "name_en": topic.name_en,
        "keywords": _keywords(session, [topic_id]).get(topic_id, []),
    }
    topic.code, topic.name, topic.name_en = code, name, name_en
    session.add(topic)
    session.flush()
    _set_keywords(session, topic_id, words)
    report = _retag(session, evaluation_id)
    after = {"code": code, "name": name, "name_en": name_en, "keywords": words}
    audit.record(
        session,
        actor.name,
        "topic.update",
        target_type="topic",
        target_id=topic_id,
        ip=ip,
        evaluation_id=evaluation_id,
        code=code,
        before={k: v for k, v in before.items() if v != after[k]},
        after={k: v for k, v in after.items() if v != before[k]},
        version=report.rules_version,
        tagged=report.comments,
    )
    session.commit()
    return topic


def delete_topic(
    session: Session, evaluation_id: int, topic_id: int, actor: Principal, *, ip: str = ""
) -> None:
    """Remove a topic, its keywords and its tags; the other topics' tags are recomputed too."""
    _may_edit(session, evaluation_id, actor)
    topic = get_topic(session, evaluation_id, topic_id)
    words = _keywords(session, [topic_id]).get(topic_id, [])
    code, name = topic.code, topic.name
    # Explicit deletes: SQLite enforces ON DELETE CASCADE, but the ORM should not rely on it.
    session.exec(delete(CommentTopic).where(col(CommentTopic.topic_id) == topic_id))
    session.exec(delete(TopicKeyword).where(col(TopicKeyword.topic_id) == topic_id))
    session.delete(topic)
    session.flush()
    report = _retag(session, evaluation_id)
    audit.record(
        session,
        actor.name,
        "topic.delete",
        target_type="topic",
        target_id=topic_id,
        ip=ip,
        evaluation_id=evaluation_id,
        code=code,
        name=name,
        keywords=words,
        version=report.rules_version,
        tagged=report.comments,
    )
    session.commit()


def _add_topics(
    session: Session,
    evaluation_id: int,
    topics: Sequence[tuple[str, str, str, Sequence[str]]],
) -> list[str]:
    """Add the topics whose code and name the evaluation does not have yet; their codes."""
    existing = _topics(session, evaluation_id)
    codes = {t.code.lower() for t in existing}
    names = {normalise(t.name) for t in existing}
    position = max((t.position for t in existing), default=0)
    added: list[str] = []
    for code, name, name_en, words in topics:
        if code.lower() in codes or normalise(name) in names:
            continue
        position += 1
        topic = Topic(
            evaluation_id=evaluation_id, code=code, name=name, name_en=name_en, position=position
        )
        session.add(topic)
        session.flush()
        assert topic.id is not None
        _set_keywords(session, topic.id, dict.fromkeys(normalise(w) for w in words))
        codes.add(code.lower())
        names.add(normalise(name))
        added.append(code)
    return added


def load_default_topics(
    session: Session, evaluation_id: int, actor: Principal, *, ip: str = ""
) -> list[str]:
    """Add the suggested topics the evaluation lacks and tag its comments; the codes added."""
    _may_edit(session, evaluation_id, actor)
    added = _add_topics(session, evaluation_id, DEFAULT_TOPICS)
    report = _retag(session, evaluation_id)
    audit.record(
        session,
        actor.name,
        "topics.defaults",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
        codes=added,
        version=report.rules_version,
        tagged=report.comments,
    )
    session.commit()
    return added


def copy_topics(
    session: Session,
    evaluation_id: int,
    source_evaluation_id: int,
    actor: Principal,
    *,
    ip: str = "",
) -> list[str]:
    """Add another evaluation's topics (those whose code and name are new here) and tag."""
    _may_edit(session, evaluation_id, actor)
    if source_evaluation_id == evaluation_id:
        raise Invalid(N_("Choose another evaluation to copy the topics from."), field="source")
    org.get_evaluation(session, source_evaluation_id)
    rules.require(actor, Action.view, org.get_evaluation(session, source_evaluation_id).status)
    source = list_topics(session, source_evaluation_id)
    added = _add_topics(
        session, evaluation_id, [(t.code, t.name, t.name_en, t.keywords) for t in source]
    )
    report = _retag(session, evaluation_id)
    audit.record(
        session,
        actor.name,
        "topics.copy",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
        source=source_evaluation_id,
        codes=added,
        version=report.rules_version,
        tagged=report.comments,
    )
    session.commit()
    return added


# Tagging ---------------------------------------------------------------------------------------


def matcher_for(session: Session, evaluation_id: int) -> TopicMatcher:
    """A matcher for the evaluation's current rules."""
    topics = _topics(session, evaluation_id)
    keywords = _keywords(session, [t.id for t in topics if t.id is not None])
    return build_matcher(
        TopicKeywords(t.id, tuple(keywords.get(t.id, []))) for t in topics if t.id is not None
    )


def _retag(session: Session, evaluation_id: int) -> TaggingReport:
    """A new version of the rules, and every comment of the evaluation tagged under it."""
    version = _next_version(session, evaluation_id)
    session.exec(delete(CommentTopic).where(col(CommentTopic.evaluation_id) == evaluation_id))
    session.exec(delete(CommentTagging).where(col(CommentTagging.evaluation_id) == evaluation_id))
    return _tag(session, evaluation_id, version, _pending_query(evaluation_id, version))


def _tag(
    session: Session, evaluation_id: int, version: int, query: Select[str, int, str, int | None]
) -> TaggingReport:
    started = time.perf_counter()
    matcher = matcher_for(session, evaluation_id)
    rows = session.exec(query.order_by(col(Comment.response_id), col(Comment.seq))).all()
    tagged = with_topic = tags = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        # Marks and tags of an older version (a change the pass did not see) make way.
        stale = [(r[0], r[1]) for r in chunk if r[3] is not None]
        if stale:
            session.exec(
                delete(CommentTopic).where(
                    tuple_(col(CommentTopic.response_id), col(CommentTopic.seq)).in_(stale)
                )
            )
            session.exec(
                delete(CommentTagging).where(
                    tuple_(col(CommentTagging.response_id), col(CommentTagging.seq)).in_(stale)
                )
            )
        marks: list[dict[str, Any]] = []
        pairs: list[dict[str, Any]] = []
        for response_id, seq, text, _older in chunk:
            found = matcher.topics_of(text)
            marks.append(
                {
                    "response_id": response_id,
                    "seq": seq,
                    "evaluation_id": evaluation_id,
                    "rules_version": version,
                }
            )
            pairs.extend(
                {
                    "response_id": response_id,
                    "seq": seq,
                    "topic_id": topic_id,
                    "evaluation_id": evaluation_id,
                }
                for topic_id in sorted(found)
            )
            with_topic += bool(found)
        session.execute(insert(CommentTagging), marks)
        if pairs:
            session.execute(insert(CommentTopic), pairs)
        tagged += len(chunk)
        tags += len(pairs)
    session.flush()
    return TaggingReport(
        comments=tagged,
        with_topic=with_topic,
        tags=tags,
        rules_version=version,
        seconds=time.perf_counter() - started,
    )


def tag_pending(session: Session, evaluation_id: int) -> TaggingReport:
    """Tag the comments not yet tagged under the current rules, in the caller's transaction
    (no audit entry: nothing the office decided changes). Cheap when nothing is pending."""
    found = session.exec(
        select(TopicRules).where(TopicRules.evaluation_id == evaluation_id).with_for_update()
    ).first()
    if found is None:
        return TaggingReport(0, 0, 0, 0, 0.0)
    return _tag(session, evaluation_id, found.version, _pending_query(evaluation_id, found.version))


def tag_comments(
    session: Session,
    evaluation_id: int,
    actor: Principal,
    *,
    everything: bool = False,
    ip: str = "",
) -> TaggingReport:
    """The office's tagging pass: new comments (or, with ``everything``, all of them again
    under a new version of the rules); audited and committed."""
    _may_edit(session, evaluation_id, actor)
    if rules_version(session, evaluation_id) == 0:
        raise Invalid(N_("This evaluation has no topics yet."))
    report = _retag(session, evaluation_id) if everything else tag_pending(session, evaluation_id)
    audit.record(
        session,
        actor.name,
        "topics.tag",
        target_type="evaluation",
        target_id=evaluation_id,
        ip=ip,
        everything=everything,
        version=report.rules_version,
        tagged=report.comments,
        with_topic=report.with_topic,
    )
    session.commit()
    return report


# The topic x unit table ------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicUnitRow:
    unit: str  # empty: comments about no unit
    unit_name: str
    unit_name_en: str
    comments: int  # all comments on the unit
    with_topic: int  # of which with at least one topic
    counts: dict[int, int] = field(default_factory=dict)  # topic id -> comments


@dataclass(frozen=True)
class TopicTable:
    topics: list[TopicView]
    rows: list[TopicUnitRow]
    comments: int
    with_topic: int
    pending: int
    rules_version: int

    def total(self, topic_id: int) -> int:
        return sum(r.counts.get(topic_id, 0) for r in self.rows)


def topic_unit_table(session: Session, evaluation_id: int, viewer: Principal | None) -> TopicTable:
    """Comments per unit and topic (a comment under two topics counts in both columns once),
    beside each unit's comments in all and those with any topic. Units without comments are
    left out; comments about no unit make the last row."""
    evaluation = org.get_evaluation(session, evaluation_id)
    rules.require(viewer, Action.view, evaluation.status)
    topics = list_topics(session, evaluation_id)
    per_topic = session.exec(
        select(Comment.unit_id, CommentTopic.topic_id, func.count())
        .join(
            Comment,
            and_(
                col(Comment.response_id) == col(CommentTopic.response_id),
                col(Comment.seq) == col(CommentTopic.seq),
            ),
        )
        .where(CommentTopic.evaluation_id == evaluation_id)
        .group_by(col(Comment.unit_id), col(CommentTopic.topic_id))
    ).all()
    per_unit = session.exec(
        select(Comment.unit_id, func.count())
        .where(Comment.evaluation_id == evaluation_id)
        .group_by(col(Comment.unit_id))
    ).all()
    tagged = (
        select(CommentTopic.response_id, CommentTopic.seq)
        .where(CommentTopic.evaluation_id == evaluation_id)
        .distinct()
        .subquery()
    )
    with_topic = dict(
        session.exec(
            select(Comment.unit_id, func.count())
            .join(
                tagged,
                and_(
                    tagged.c.response_id == col(Comment.response_id),
                    tagged.c.seq == col(Comment.seq),
                ),
            )
            .group_by(col(Comment.unit_id))
        ).all()
    )
    counts: dict[int | None, dict[int, int]] = defaultdict(dict)
    for unit_id, topic_id, n in per_topic:
        counts[unit_id][topic_id] = int(n)
    units = {
        u.id: u
        for u in session.exec(
            select(Unit).where(col(Unit.id).in_([r[0] for r in per_unit if r[0]]))
        )
    }
    rows: list[TopicUnitRow] = []
    general: TopicUnitRow | None = None
    for unit_id, n in per_unit:
        unit = units.get(unit_id)
        row = TopicUnitRow(
            unit=unit.code if unit else "",
            unit_name=unit.name if unit else "",
            unit_name_en=unit.name_en if unit else "",
            comments=int(n),
            with_topic=int(with_topic.get(unit_id, 0)),
            counts=counts.get(unit_id, {}),
        )
        if unit is None:
            general = row
        else:
            rows.append(row)
    order = {u.code: k for k, u in enumerate(org.list_units(session))}
    rows.sort(key=lambda r: (order.get(r.unit, len(order)), r.unit))
    if general is not None:
        rows.append(general)
    return TopicTable(
        topics=topics,
        rows=rows,
        comments=sum(r.comments for r in rows),
        with_topic=sum(r.with_topic for r in rows),
        pending=pending_comments(session, evaluation_id),
        rules_version=rules_version(session, evaluation_id),
    )
