"""``pingyi topics``: tag an evaluation's comments with its topics, and the counts per topic."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from web.cli.common import CLI_ACTOR, DemoSwitch, _, command_session, console, load_settings

topics_app = typer.Typer(help="Comment topics: tagging and counts.", no_args_is_help=True)

EvaluationId = Annotated[int, typer.Argument(help="Evaluation id.")]


def _report(tagged: int, with_topic: int, version: int, seconds: float) -> None:
    console.print(
        _(
            "Tagged %(n)s comments (%(with_topic)s with a topic) under rules version "
            "%(version)s in %(seconds)s s.",
            n=tagged,
            with_topic=with_topic,
            version=version,
            seconds=f"{seconds:.2f}",
        )
    )


@topics_app.command("tag")
def topics_tag(evaluation: EvaluationId, demo: DemoSwitch = False) -> None:
    """Tag the comments not yet tagged under the current rules (run it on a schedule)."""
    from survey.comments.topics import tag_comments

    with command_session(load_settings(demo)) as session:
        report = tag_comments(session, evaluation, CLI_ACTOR)
    _report(report.comments, report.with_topic, report.rules_version, report.seconds)


@topics_app.command("retag")
def topics_retag(evaluation: EvaluationId, demo: DemoSwitch = False) -> None:
    """Tag every comment of the evaluation again, under a new version of the rules."""
    from survey.comments.topics import tag_comments

    with command_session(load_settings(demo)) as session:
        report = tag_comments(session, evaluation, CLI_ACTOR, everything=True)
    _report(report.comments, report.with_topic, report.rules_version, report.seconds)


@topics_app.command("show")
def topics_show(evaluation: EvaluationId, demo: DemoSwitch = False) -> None:
    """The evaluation's topics with their keywords and the comments under each."""
    from survey.comments.topics import topic_unit_table

    with command_session(load_settings(demo)) as session:
        table = topic_unit_table(session, evaluation, CLI_ACTOR)
    shown = Table(_("Code"), _("Topic"), _("Keywords"), _("Comments"))
    for topic in table.topics:
        shown.add_row(topic.code, topic.name, "、".join(topic.keywords), str(topic.comments))
    console.print(shown)
    console.print(
        _(
            "%(n)s comments, %(with_topic)s with a topic, %(pending)s not yet tagged.",
            n=table.comments,
            with_topic=table.with_topic,
            pending=table.pending,
        )
    )
