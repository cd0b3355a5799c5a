"""Sample designs in the satisfaction results: respondents' design weights, strata and PSUs
(from response imports) and finite populations (from the policy), raking that starts from the
design weights, and design-based standard errors of each unit x group cell.

Only an evaluation with a design takes this path (``load`` says whether); without one the
results are computed exactly as before, from the same statements. With one, a single
``GROUP BY`` of the answers by unit, group, question, level, weighting cell, stratum and PSU
gives every count and sum (:func:`survey.satisfaction.counts.design_counts_statement`).

The unit of each design is the respondent group: a unit is a domain of its group's sample.
Where the file gives no PSU, each answer counts as its own PSU (exact for one question per
unit; answers of one respondent to several pooled questions are then treated as
independent, as the model-based statistics treat them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import repeat
from operator import itemgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session

from scoring import (
    Calibration,
    CellStatistics,
    DomainDesignEstimates,
    SatisfactionPolicy,
    domain_design_means,
    rake_group,
    with_design_errors,
)
from survey import organisation as org
from survey.satisfaction import counts as sql
from survey.satisfaction import frozen, repository
from survey.satisfaction.policy import current_version, settings_of
from survey.satisfaction.raking import _report, parse_cell, raked_groups
from survey.satisfaction.schemas import PolicySettings, RakingReport
from survey.satisfaction.tables import Axes, Tables

Float = NDArray[np.float64]

ESTIMATOR_MODEL = "model"
ESTIMATOR_DESIGN = "design"
ESTIMATOR_CALIBRATED = "design_calibrated"


@dataclass
class DesignCells:
    """Per pooled unit x group cell: the design effect and which estimator gave its SE."""

    design_effect: Float
    estimator: list[str]
    # Per group code: the estimator and the design's numbers, for the method sheet.
    groups: dict[str, dict[str, object]] = field(default_factory=dict)


@dataclass
class SampleDesign:
    """The design counts of one results call and what raking made of them."""

    rows: list[sql.DesignCount]
    respondents: list[sql.DesignRespondents]
    populations: dict[str, float | dict[str, float]]
    # The units asked for (None: all). The rows cover every unit: the other units' answers
    # belong to the groups' samples, so one category's errors equal the whole evaluation's.
    unit_ids: frozenset[int] | None = None
    # (group_id, cell_key) -> relative raking factor g applied to the design weight.
    factors: dict[tuple[int, str | None], float] = field(default_factory=dict)
    # group_id -> (cell keys, dummies on the margins' categories) of a raked group.
    calibrations: dict[int, tuple[list[str | None], Float]] = field(default_factory=dict)

    # Counts -----------------------------------------------------------------------------

    def count_rows(self, settings: PolicySettings) -> tuple[list[sql.Count], list[sql.CellCount]]:
        """As ``repository.count_rows``, summed from the design counts (one scan, not two)."""
        rows = self.rows
        if self.unit_ids is not None:
            rows = [r for r in rows if r[0] in self.unit_ids]
        counts = map(itemgetter(7), rows)
        if not settings.margins:
            totals: dict[tuple[object, ...], int] = defaultdict(int)
            for key, n in zip(map(itemgetter(0, 1, 2, 3), rows), counts, strict=True):
                totals[key] += n
            return sql.sorted_counts(totals), []
        per_cell: dict[tuple[object, ...], int] = defaultdict(int)
        for key, n in zip(map(itemgetter(0, 1, 2, 3, 4), rows), counts, strict=True):
            per_cell[key] += n
        cell_rows: list[sql.CellCount] = [(*key, n) for key, n in per_cell.items()]  # type: ignore[misc]
        return sql.without_cells(cell_rows), cell_rows

    @cached_property
    def columns(self) -> _Columns:
        """The design rows column by column, read once per results call."""
        return _Columns.of(self.rows)

    def designed_groups(self, axes: Axes) -> set[int]:
        """Groups with a design: design weights, strata or PSUs given, or a population set."""
        c = self.columns
        has_design = (c.weighted > 0) | _given(c.stratum) | _given(c.psu)
        found = set(np.asarray(c.group, dtype=np.int64)[has_design].tolist())
        found.update(
            grp.id for grp in axes.groups if grp.code in self.populations and grp.id is not None
        )
        return found

    # Weights ----------------------------------------------------------------------------

    def weigh(self, settings: PolicySettings, axes: Axes, tables: Tables) -> list[RakingReport]:
        """Weight sums from the design weights, raked where the policy rakes, into ``tables``."""
        reports = self.rake(settings, axes)
        self._weight_sums(axes, tables)
        return reports

    def rake(self, settings: PolicySettings, axes: Axes) -> list[RakingReport]:
        """Raking factors of the raked groups' cells, in ``factors``, and the reports.

        Raking starts from each cell's design weights: a cell's factor ``g`` multiplies the
        weight of each of its respondents, so the weights' spread within a cell stays.
        """
        raked = raked_groups(settings, axes)
        by_group: dict[int, dict[str | None, list[float]]] = defaultdict(
            lambda: defaultdict(lambda: [0.0, 0.0, 0.0])
        )
        for g, cell, _, _, n, sw, sw2 in self.respondents:
            entry = by_group[g][cell]
            entry[0] += n
            entry[1] += sw
            entry[2] += sw2
        reports: list[RakingReport] = []
        for group in raked:
            assert group.id is not None
            cells = by_group.get(group.id, {})
            keys = list(cells)
            sizes = np.array([cells[k][0] for k in keys])
            base = np.array([cells[k][1] / cells[k][0] for k in keys]) if keys else np.ones(0)
            raking = rake_group(
                [parse_cell(k) for k in keys],
                sizes,
                settings.margins,
                base_weights=base,
                warn=False,
            )
            report = _report(group.code, len(keys), raking)
            if raking.raked:
                g_cell = np.asarray(raking.weights) / base
                for key, factor in zip(keys, g_cell.tolist(), strict=True):
                    self.factors[(group.id, key)] = factor
                self.calibrations[group.id] = (keys, _dummies(keys, raking.covered, settings))
                # Kish's n_eff over the respondents' own weights, not the cells' means.
                sw2 = sum(cells[k][2] * self.factors[(group.id, k)] ** 2 for k in keys)
                sw = sum(cells[k][1] * self.factors[(group.id, k)] for k in keys)
                if sw2 > 0:
                    report.n_eff = sw * sw / sw2
                    report.design_effect = raking.respondents / report.n_eff
            reports.append(report)
        return reports

    def _weight_sums(self, axes: Axes, tables: Tables) -> None:
        c = self.columns
        weighted = bool((c.weighted > 0).any()) or bool(self.factors)
        if not weighted:
            return
        unit_ix, group_ix, question_ix, level_ix = axes.index()
        u, g, q, lv = (
            _lookup(ix, values)
            for ix, values in (
                (unit_ix, c.unit),
                (group_ix, c.group),
                (question_ix, c.question),
                (level_ix, c.level),
            )
        )
        factor = self._factors(c.group, c.cell)
        kept = (u >= 0) & (g >= 0) & (q >= 0) & (lv >= 0)
        shape = tables.counts.shape
        at = np.ravel_multi_index((u[kept], g[kept], q[kept], lv[kept]), shape)
        # bincount adds in row order, as the loop it replaces did: the same sums, bit for bit.
        sums = np.bincount(at, weights=(c.sw * factor)[kept], minlength=tables.counts.size)
        squares = np.bincount(
            at, weights=(c.sw2 * factor * factor)[kept], minlength=tables.counts.size
        )
        tables.weight_sums = sums.astype(np.float64, copy=False).reshape(shape)
        tables.weight_sq_sums = squares.astype(np.float64, copy=False).reshape(shape)

    def _factors(self, groups: Iterable[int], cells: Iterable[str | None]) -> Float:
        """Each row's raking factor (1 outside raked cells)."""
        size = len(self.rows)
        if not self.factors:
            return np.ones(size)
        pairs = zip(groups, cells, strict=False)
        return np.fromiter(map(self.factors.get, pairs, repeat(1.0)), np.float64, size)

    # Standard errors --------------------------------------------------------------------

    def errors(
        self, stats: CellStatistics, axes: Axes, policy: SatisfactionPolicy
    ) -> tuple[CellStatistics, DesignCells]:
        """The pooled cell statistics with design-based standard errors in the designed
        groups (calibration-aware in raked ones), and each cell's design effect."""
        shape = stats.shape
        se, rate_se, df = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
        designed = np.zeros(shape, dtype=np.bool_)
        estimator = np.full(shape, ESTIMATOR_MODEL, dtype=object)
        groups_info: dict[str, dict[str, object]] = {}
        _, group_ix, _, level_ix = axes.index()
        scores = policy.scores
        satisfied = policy.satisfied_mask
        c = self.columns
        level = _lookup(level_ix, c.level)
        # Rows on a level the policy scores (don't-know and unknown codes left out).
        usable = level >= 0
        usable[usable] = ~np.isnan(scores[level[usable]])
        group_of = np.asarray(c.group, dtype=np.int64)
        for group_id in sorted(self.designed_groups(axes)):
            if group_id not in group_ix:
                continue
            g = group_ix[group_id]
            rows_of_group = np.flatnonzero(usable & (group_of == group_id))
            if rows_of_group.size == 0:
                continue
            result = self._group_errors(group_id, rows_of_group, level, axes, scores, satisfied)
            mean_fit, rate_fit, calibrated = result
            column = (slice(None), g)
            shown = len(axes.units)
            se[column] = mean_fit.se[:shown]
            rate_se[column] = rate_fit.se[:shown]
            df[column] = mean_fit.df
            designed[column] = True
            kind = ESTIMATOR_CALIBRATED if calibrated else ESTIMATOR_DESIGN
            estimator[column] = kind
            groups_info[axes.groups[g].code] = {
                "estimator": kind,
                "psu": mean_fit.n_psu,
                "strata": mean_fit.n_strata,
                "df": mean_fit.df,
            }
        patched = with_design_errors(stats, se, rate_se, df, designed)
        with np.errstate(invalid="ignore", divide="ignore"):
            srs = np.asarray(stats.sd) ** 2 / np.asarray(stats.n_valid)
            deff = np.where(designed & np.isfinite(patched.se), patched.se**2 / srs, np.nan)
        deff = np.where(np.isfinite(deff), deff, np.nan)
        labels = np.where(designed & np.isfinite(stats.se), estimator, ESTIMATOR_MODEL)
        return patched, DesignCells(deff, labels.tolist(), groups_info)

    def _group_errors(
        self,
        group_id: int,
        at: NDArray[np.intp],
        level: NDArray[np.intp],
        axes: Axes,
        scores: Float,
        satisfied: NDArray[np.bool_],
    ) -> tuple[DomainDesignEstimates, DomainDesignEstimates, bool]:
        """The group's domain means and rates with their errors, from its rows ``at``."""
        c = self.columns
        unit_ix = axes.index()[0]
        picked = at.tolist()
        size = len(picked)
        strata_of = [c.stratum[k] or "" for k in picked]
        strata = sorted(set(strata_of))
        stratum_ix = {h: k for k, h in enumerate(strata)}
        stratum = np.fromiter(map(stratum_ix.__getitem__, strata_of), np.intp, size)
        psu = np.full(size, -1, dtype=np.intp)
        if any(c.psu[k] is not None for k in picked):
            # PSUs numbered as first met, unique over strata.
            psus: dict[tuple[str, str], int] = {}
            for i, k in enumerate(picked):
                j = c.psu[k]
                if j is not None:
                    psu[i] = psus.setdefault((strata_of[i], j), len(psus))
        # Units not shown form one more domain: part of the sample, never reported.
        outside = len(axes.units)
        domain = np.fromiter(
            map(unit_ix.get, (c.unit[k] for k in picked), repeat(outside)), np.intp, size
        )
        lv = level[at]
        y = scores[lv].astype(np.float64)
        sat = np.where(satisfied[lv], 1.0, 0.0)
        factor = self._factors(repeat(group_id), c.cell)[at] if self.factors else np.ones(size)
        sw = c.sw[at] * factor
        sw2 = c.sw2[at] * factor * factor
        count = c.count[at]
        keys, dummies = self.calibrations.get(group_id, ([], np.zeros((0, 0))))
        cell_ix = {k: i for i, k in enumerate(keys)}
        cell_of = np.fromiter(
            map(cell_ix.get, (c.cell[k] for k in picked), repeat(-1)), np.intp, size
        )
        finite = self._finite(axes, group_id, strata)
        calibration = None
        if keys and cell_of.min() >= 0:
            factors = np.array([self.factors[(group_id, k)] for k in keys])
            calibration = Calibration(cell=cell_of, factor=factors, dummies=dummies)
        common = {
            "weight_sum": sw,
            "weight_sq_sum": sw2,
            "count": count,
            "stratum": stratum,
            "psu": psu,
            "n_domains": len(axes.units) + 1,
            "finite": finite,
            "calibration": calibration,
        }
        mean_fit = domain_design_means(domain, y, **common)  # type: ignore[arg-type]
        rate_fit = domain_design_means(domain, sat, **common)  # type: ignore[arg-type]
        return mean_fit, rate_fit, calibration is not None

    def _finite(self, axes: Axes, group_id: int, strata: list[str]) -> Float:
        """``1 - n_h / N_h`` per stratum: n_h the sampled PSUs (respondents where none is
        given), N_h the policy's population; 1 where none is set."""
        code = next(g.code for g in axes.groups if g.id == group_id)
        population = self.populations.get(code)
        finite = np.ones(len(strata))
        if population is None:
            return finite
        sampled: dict[str, float] = defaultdict(float)
        for g, _, h, has_psu, n, _, _ in self.respondents:
            if g == group_id and not has_psu:
                sampled[h or ""] += n
        clusters: dict[str, set[str]] = defaultdict(set)
        for _, g, _, _, _, h, j, *_ in self.rows:
            if g == group_id and j is not None:
                clusters[h or ""].add(j)
        for k, h in enumerate(strata):
            size = population.get(h) if isinstance(population, dict) else population
            if size:
                finite[k] = max(0.0, 1.0 - (sampled[h] + len(clusters[h])) / size)
        return finite


def _dummies(keys: list[str | None], covered: Iterable[bool], settings: PolicySettings) -> Float:
    """Each cell's 0/1 row on every category of every margin (zeros for uncovered cells)."""
    columns = [(name, label) for name, totals in settings.margins.items() for label in totals]
    out = np.zeros((len(keys), len(columns)))
    for i, (key, ok) in enumerate(zip(keys, covered, strict=True)):
        if not ok:
            continue
        labels = parse_cell(key)
        for k, (name, label) in enumerate(columns):
            out[i, k] = 1.0 if labels.get(name) == label else 0.0
    return out


def load(session: Session, settings: PolicySettings, where: sql.CountFilter) -> SampleDesign | None:
    """The design counts when the evaluation has a design, else None (the usual path).

    A published evaluation (or one being published or verified) reads them from its frozen
    counts, which hold them when it had a design.
    """
    every_unit = replace(where, unit_ids=None)
    # Weighting cells matter only to raking.
    cells = bool(settings.margins)
    source = frozen.source_for(session, where.evaluation_id)
    if source is not None:
        # Frozen without a design: none was there, or the version was published before
        # designs were frozen and is computed as it was then (model-based), as its stored
        # results were.
        if source.design is None:
            return None
        rows = source.design.design_counts(every_unit, cells=cells)
        respondents = source.design.design_respondents(where.period_id, where.channel)
    else:
        if not settings.finite_population and not sql.has_design(session, where.evaluation_id):
            return None
        rows = sql.design_answer_counts(session, every_unit, cells=cells)
        respondents = sql.design_respondents(
            session, where.evaluation_id, where.period_id, where.channel
        )
    return SampleDesign(
        rows=rows,
        respondents=respondents,
        populations=dict(settings.finite_population),
        unit_ids=frozenset(where.unit_ids) if where.unit_ids is not None else None,
    )


@dataclass(frozen=True)
class ResponseWeight:
    """A counted respondent's design and final weight, as the results weigh them."""

    respondent: str
    group: str
    cell: str | None
    stratum: str | None
    psu: str | None
    design_weight: float | None
    raking_factor: float | None
    final_weight: float


def response_weights(
    session: Session, evaluation_id: int, *, period: str | None = None
) -> list[ResponseWeight]:
    """Every counted respondent's final weight: the design weight (1 where none is given)
    times the raking factor of its cell in a raked group, scaled so that a raked group's
    weights add up to the population of the margins. Respondents are named by the id of the
    imported file, or by the response id."""
    org.get_evaluation(session, evaluation_id)
    settings = settings_of(current_version(session, evaluation_id))
    period_row = repository.period_by_code(session, evaluation_id, period)
    period_id = period_row.id if period_row else None
    groups = repository.groups_in_order(session)
    axes = Axes(units=[], groups=groups, questions=[], levels=())
    design = SampleDesign(
        rows=[],
        respondents=sql.design_respondents(session, evaluation_id, period_id),
        populations=dict(settings.finite_population),
    )
    design.rake(settings, axes)
    code_of = {g.id: g.code for g in groups}
    rows = sql.response_designs(session, evaluation_id, period_id)
    raked_total: dict[int, float] = defaultdict(float)
    for _, _, group_id, cell, _, _, weight in rows:
        factor = design.factors.get((group_id, cell))
        if factor is not None:
            raked_total[group_id] += (weight or 1.0) * factor
    population = next(iter(settings.margins.values()), {})
    scale_to = float(sum(population.values()))
    out = []
    for response_id, ref, group_id, cell, stratum, psu, weight in rows:
        factor = design.factors.get((group_id, cell))
        scale = scale_to / raked_total[group_id] if factor is not None else 1.0
        out.append(
            ResponseWeight(
                respondent=ref or response_id,
                group=code_of.get(group_id, str(group_id)),
                cell=cell,
                stratum=stratum,
                psu=psu,
                design_weight=weight,
                raking_factor=factor * scale if factor is not None else None,
                final_weight=(weight or 1.0) * (factor * scale if factor is not None else 1.0),
            )
        )
    return out


@dataclass(frozen=True)
class _Columns:
    """Design count rows as columns: ids and codes as lists (for lookups), sums as arrays."""

    unit: list[int]
    group: list[int]
    question: list[str]
    level: list[str | None]
    cell: list[str | None]
    stratum: list[str | None]
    psu: list[str | None]
    count: Float
    weighted: Float
    sw: Float
    sw2: Float

    @classmethod
    def of(cls, rows: list[sql.DesignCount]) -> _Columns:
        size = len(rows)
        texts = [list(map(itemgetter(k), rows)) for k in range(7)]
        sums = [np.fromiter(map(itemgetter(k), rows), np.float64, size) for k in range(7, 11)]
        return cls(*texts, *sums)  # type: ignore[arg-type]


def _lookup(index: Mapping[Any, int], values: Iterable[Any]) -> NDArray[np.intp]:
    """Each value's position in ``index``, -1 where it has none."""
    values = values if isinstance(values, list) else list(values)
    return np.fromiter(map(index.get, values, repeat(-1)), np.intp, len(values))


def _given(values: list[str | None]) -> NDArray[np.bool_]:
    """Where a text column holds a non-empty value."""
    return np.fromiter(map(bool, values), np.bool_, len(values))
