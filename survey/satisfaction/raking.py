"""Raking in the results: each raked group's weighting cells get relative weights from
``scoring.rake_group``, and the raked groups' weight sums are built into the count tables."""

from __future__ import annotations

import math
from collections import defaultdict

from sqlmodel import Session

from scoring import GroupRaking, rake_group
from survey.models import GroupKind, RespondentGroup
from survey.satisfaction import counts as sql
from survey.satisfaction import frozen
from survey.satisfaction.reasons import reason_message, reason_public
from survey.satisfaction.schemas import PolicySettings, RakingReport
from survey.satisfaction.tables import Axes, Tables


def parse_cell(cell_key: str | None) -> dict[str, str]:
    """A stored weighting cell key, ``"age=18-34;district=east"``, as labels by variable."""
    if not cell_key:
        return {}
    pairs = (part.partition("=") for part in cell_key.split(";") if part)
    return {name: value for name, _, value in pairs}


def raked_groups(settings: PolicySettings, axes: Axes) -> list[RespondentGroup]:
    """The policy's raked groups on the group axis (every public group when it names none)."""
    if not settings.margins:
        return []
    wanted = set(settings.raked_groups)
    return [
        g
        for g in axes.groups
        if (g.code in wanted if wanted else g.kind == GroupKind.public) and g.id is not None
    ]


def rake_tables(
    session: Session,
    settings: PolicySettings,
    axes: Axes,
    tables: Tables,
    where: sql.CountFilter,
    cell_rows: list[sql.CellCount],
) -> list[RakingReport]:
    """Weight the raked groups' answers to the population margins, in place in ``tables``.

    Each group is raked on its own, so that each group's weighted respondents look like the
    population. Respondents whose cell the margins do not cover keep weight 1, the mean of
    the raked weights, and are reported; a group that cannot be raked at all stays
    unweighted with the reason.
    """
    raked = raked_groups(settings, axes)
    if not raked:
        return []
    group_ids = {g.id for g in raked if g.id is not None}
    cells_by_group: dict[int, list[tuple[str | None, int]]] = defaultdict(list)
    frozen_source = frozen.source_for(session, where.evaluation_id)
    respondents = (
        frozen_source.respondent_cells(group_ids, where.period_id, where.channel)
        if frozen_source is not None
        else sql.respondent_cells(
            session, where.evaluation_id, group_ids, where.period_id, where.channel
        )
    )
    for group_id, cell_key, n in respondents:
        cells_by_group[group_id].append((cell_key, n))

    reports: list[RakingReport] = []
    cell_weight: dict[tuple[int, str | None], float] = {}
    for group in raked:
        assert group.id is not None
        entries = cells_by_group.get(group.id, [])
        raking = rake_group(
            [parse_cell(key) for key, _ in entries],
            [n for _, n in entries],
            settings.margins,
            warn=False,
        )
        reports.append(_report(group.code, len(entries), raking))
        if raking.raked:
            for (cell_key, _), covered, weight in zip(
                entries, raking.covered.tolist(), raking.weights.tolist(), strict=True
            ):
                if covered:
                    cell_weight[(group.id, cell_key)] = weight
    _weigh(axes, tables, raked, group_ids, cell_weight, cell_rows)
    return reports


def _weigh(
    axes: Axes,
    tables: Tables,
    raked: list[RespondentGroup],
    group_ids: set[int],
    cell_weight: dict[tuple[int, str | None], float],
    cell_rows: list[sql.CellCount],
) -> None:
    """Weight sums and squared weight sums of the raked groups, from the cell rows."""
    unit_ix, group_ix, question_ix, level_ix = axes.index()
    counts = tables.counts
    weight_sums = counts.copy()
    weight_sq_sums = counts.copy()
    raked_ix = [group_ix[g.id] for g in raked if g.id in group_ix]
    # The counts are these rows summed over the cells, so only the raked groups' weighted
    # sums are rebuilt from them.
    weight_sums[:, raked_ix] = 0.0
    weight_sq_sums[:, raked_ix] = 0.0
    for unit_id, group_id, question, level, cell_key, n in cell_rows:
        lv = level_ix.get(level) if level is not None else None
        if group_id not in group_ids or lv is None or unit_id not in unit_ix:
            continue
        w = cell_weight.get((group_id, cell_key), 1.0)
        at = (unit_ix[unit_id], group_ix[group_id], question_ix[question], lv)
        weight_sums[at] += n * w
        weight_sq_sums[at] += n * w * w
    tables.weight_sums = weight_sums
    tables.weight_sq_sums = weight_sq_sums


def _report(code: str, cells: int, raking: GroupRaking) -> RakingReport:
    # Not raked: the first reason says why; the English text stays for the API's readers.
    problem = raking.reasons[0] if not raking.raked and raking.reasons else None
    return RakingReport(
        group=code,
        respondents=raking.respondents,
        respondents_unweighted=raking.respondents_unweighted,
        cells=cells,
        converged=raking.converged,
        iterations=raking.iterations,
        n_eff=raking.n_eff if math.isfinite(raking.n_eff) else None,
        design_effect=raking.design_effect if math.isfinite(raking.design_effect) else None,
        problem=str(reason_message(problem)) if problem is not None else None,
        reasons=[reason_public(r) for r in raking.reasons],
    )
