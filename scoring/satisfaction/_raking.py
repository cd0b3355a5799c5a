"""Raking (iterative proportional fitting) of case weights to population margins."""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import (
    BoolArray,
    FloatArray,
    IntArray,
    ScoringWarning,
    as_count_array,
    as_float_array,
    check_int,
    frozen_array,
)
from scoring._reasons import Reason

# Any, not Hashable: Mapping is invariant in its key type, so Mapping[Hashable, float] would
# reject the plain dict[str, float] every caller writes.
Targets = Mapping[str, Mapping[Any, float]]

# Reason codes. raking_not_converged: IPF stopped at max_iter; margin_label_without_target:
# a respondent's label has no population total; margin_category_empty: a category with a
# population total has no respondents; margin_totals_differ: the margins disagree on the
# population; no_cell_covered: no respondent's cell is covered by every margin.
NOT_CONVERGED = "raking_not_converged"
LABEL_WITHOUT_TARGET = "margin_label_without_target"
CATEGORY_EMPTY = "margin_category_empty"
TOTALS_DIFFER = "margin_totals_differ"
NO_CELL_COVERED = "no_cell_covered"
RAKING_IMPOSSIBLE = "raking_impossible"


class RakingError(ValueError):
    """Margins that the respondents cannot be raked to, for a reason in the data.

    A ``ValueError`` whose :attr:`reason` says why as a code with parameters, so that a
    caller can show it in the reader's language.
    """

    def __init__(self, message: str, reason: Reason) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, eq=False)
class RakingResult:
    """Raked case weights for individual respondents.

    Attributes
    ----------
    weights : ndarray of float, shape (n,)
        Raked weight of each respondent (population units per respondent).
    iterations : int
        Full sweeps over all margins performed.
    converged : bool
        Whether ``max_margin_error <= tol * total`` was reached within ``max_iter`` sweeps.
    max_margin_error : float
        Largest absolute gap between a weighted margin total and its target, in weight units.
    total : float
        Sum of the weights (the common total of the targets).
    n_eff : float
        Kish effective sample size ``(sum w)^2 / sum w^2``.
    design_effect : float
        Kish design effect of weighting ``n * sum w^2 / (sum w)^2 = n / n_eff``.
    margins : tuple[str, ...]
        Margin variables, in the order they were raked.
    reasons : tuple[Reason, ...]
        ``Reason("raking_not_converged", sweeps=..., error=..., tolerance=...)`` when the
        sweeps ran out; empty otherwise.
    """

    weights: FloatArray
    iterations: int
    converged: bool
    max_margin_error: float
    total: float
    n_eff: float
    design_effect: float
    margins: tuple[str, ...]
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True, eq=False)
class CellRakingResult:
    """Raked weights for weighting cells (every respondent in a cell gets the same weight).

    Attributes
    ----------
    weights : ndarray of float, shape (C,)
        Weight of each respondent in the cell. For a cell with no respondents it is the
        weight a respondent there would receive (the product of its category factors).
    cell_totals : ndarray of float, shape (C,)
        ``counts * weights``: population represented by each cell.
    iterations, converged, max_margin_error, total, n_eff, design_effect, margins, reasons
        As in :class:`RakingResult`, with ``n = sum(counts)`` respondents.
    """

    weights: FloatArray
    cell_totals: FloatArray
    iterations: int
    converged: bool
    max_margin_error: float
    total: float
    n_eff: float
    design_effect: float
    margins: tuple[str, ...]
    reasons: tuple[Reason, ...] = ()


def encode_labels(labels: ArrayLike, categories: list[Hashable], name: str) -> IntArray:
    """Map labels to positions in ``categories``; unknown labels are a ValueError."""
    arr = np.asarray(labels, dtype=object) if not isinstance(labels, np.ndarray) else labels
    if arr.ndim != 1:
        raise ValueError(f"margin {name!r} must be a 1-D array of labels, got shape {arr.shape}")
    index: dict[Hashable, int] = {cat: i for i, cat in enumerate(categories)}
    try:
        uniq, inverse = np.unique(arr, return_inverse=True)
    except TypeError:
        # Mixed, unorderable labels: fall back to a plain lookup per element.
        uniq = np.array(list(dict.fromkeys(arr.tolist())), dtype=object)
        pos = {v: i for i, v in enumerate(uniq.tolist())}
        inverse = np.array([pos[v] for v in arr.tolist()], dtype=np.intp)
    mapped = np.empty(len(uniq), dtype=np.intp)
    unknown = []
    for i, value in enumerate(uniq.tolist()):
        if value in index:
            mapped[i] = index[value]
        else:
            unknown.append(value)
    if unknown:
        raise RakingError(
            f"margin {name!r} has labels without a target: {unknown[:10]!r}; targets cover "
            f"{categories[:10]!r}",
            Reason(LABEL_WITHOUT_TARGET, margin=name, labels=_listed(unknown)),
        )
    return np.asarray(mapped[np.asarray(inverse).reshape(-1)], dtype=np.intp)


def _check_targets(
    margins: Mapping[str, ArrayLike], targets: Targets
) -> tuple[list[str], list[list[Hashable]], list[FloatArray]]:
    if not isinstance(targets, Mapping) or not targets:
        raise ValueError("targets must be a non-empty mapping margin -> {label: total}")
    if not isinstance(margins, Mapping) or set(margins) != set(targets):
        raise ValueError(
            f"margins and targets must name the same variables, got {sorted(map(str, margins))} "
            f"and {sorted(map(str, targets))}"
        )
    names = list(targets)
    categories: list[list[Hashable]] = []
    totals: list[FloatArray] = []
    for name in names:
        target = targets[name]
        if not isinstance(target, Mapping) or not target:
            raise ValueError(f"targets[{name!r}] must be a non-empty mapping label -> total")
        values = as_float_array(list(target.values()), f"targets[{name!r}]")
        if (values <= 0).any():
            raise ValueError(f"targets[{name!r}] must be positive population totals")
        categories.append(list(target))
        totals.append(values)
    grand = [float(t.sum()) for t in totals]
    if any(not math.isclose(g, grand[0], rel_tol=1e-6) for g in grand):
        named = list(zip(names, grand, strict=True))
        raise RakingError(
            "the margins' targets must add up to the same population total, got "
            + ", ".join(f"{n}: {g:g}" for n, g in named),
            Reason(TOTALS_DIFFER, totals=", ".join(f"{n}={g:g}" for n, g in named)),
        )
    return names, categories, totals


def _ipf(
    codes: list[IntArray],
    start: FloatArray,
    targets: list[FloatArray],
    names: list[str],
    categories: list[list[Hashable]],
    tol: float,
    max_iter: int,
    warn: bool,
) -> tuple[FloatArray, int, bool, float, tuple[Reason, ...]]:
    """Rake ``start`` (totals per cell) and return the multiplicative factor per cell."""
    for code, target, name, cats in zip(codes, targets, names, categories, strict=True):
        present = np.bincount(code, weights=start, minlength=target.size)
        empty = np.flatnonzero(present <= 0)
        if empty.size:
            missing = [cats[i] for i in empty[:10]]
            raise RakingError(
                f"margin {name!r}: categories {missing!r} have a positive "
                "target but no weighted respondents, so no weights can reach it",
                Reason(CATEGORY_EMPTY, margin=name, categories=_listed(missing)),
            )
    # Keeping one factor per category (rather than rescaling cell totals in place) gives a
    # weight for every cell, including cells no respondent fell into.
    factors = [np.ones(t.size) for t in targets]
    grand = float(targets[0].sum())

    def cell_factor() -> FloatArray:
        out = np.ones(start.size)
        for code, f in zip(codes, factors, strict=True):
            out = out * f[code]
        return out

    error = math.inf
    iterations = 0
    converged = False
    while iterations < max_iter:
        iterations += 1
        for i, (code, target) in enumerate(zip(codes, targets, strict=True)):
            current = np.bincount(code, weights=start * cell_factor(), minlength=target.size)
            factors[i] = factors[i] * (target / current)
        raked = start * cell_factor()
        error = max(
            float(np.max(np.abs(np.bincount(code, weights=raked, minlength=t.size) - t)))
            for code, t in zip(codes, targets, strict=True)
        )
        if error <= tol * grand:
            converged = True
            break
    reasons: tuple[Reason, ...] = ()
    if not converged:
        reasons = (Reason(NOT_CONVERGED, sweeps=max_iter, error=error, tolerance=tol * grand),)
        if warn:
            warnings.warn(
                f"raking did not converge in {max_iter} sweeps: largest margin error "
                f"{error:.6g} (tolerance {tol * grand:.6g}); margins may be incompatible with "
                f"the sample [{NOT_CONVERGED}]",
                ScoringWarning,
                stacklevel=3,
            )
    return cell_factor(), iterations, converged, error, reasons


def _listed(labels: Sequence[object]) -> str:
    """Labels as one reason parameter (reason parameters are scalars)."""
    return ", ".join(str(v) for v in labels)


def _check_controls(tol: float, max_iter: int) -> tuple[float, int]:
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol > 0:
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    return float(tol), check_int(max_iter, "max_iter", minimum=1)


def rake(
    margins: Mapping[str, ArrayLike],
    targets: Targets,
    base_weights: ArrayLike | None = None,
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
    warn: bool = True,
) -> RakingResult:
    """Rake respondents' weights so that weighted margins match population totals.

    Parameters
    ----------
    margins : Mapping[str, array_like of shape (n,)]
        For each margin variable, each respondent's category: integer codes or any hashable
        labels, matching the keys of ``targets[name]``.
    targets : Mapping[str, Mapping[label, float]]
        Population total per category of each margin. All margins must share one total.
    base_weights : array_like, shape (n,), optional
        Starting (design) weights, positive; default 1 for every respondent.
    tol : float
        Convergence when every weighted margin is within ``tol * total`` of its target
        (default 1e-10, i.e. relative to the population total).
    max_iter : int
        Maximum number of full sweeps (default 1000).
    warn : bool
        Issue a :class:`ScoringWarning` when the sweeps run out (default); services pass
        False and read ``reasons``.

    Returns
    -------
    RakingResult

    Notes
    -----
    Respondents sharing all margin categories form a weighting cell and are always multiplied
    by the same factor, so the work is done on cell totals (see :func:`rake_cells`) and the
    result is the classical IPF of Deming and Stephan, as in R ``survey::rake`` run to
    convergence. Non-convergence (e.g. structural zeros that make margins incompatible)
    issues a :class:`ScoringWarning` and is reported in ``converged`` and ``reasons``.
    Margins the data cannot reach raise :class:`RakingError` (a ``ValueError``) with a reason.
    """
    tol, max_iter = _check_controls(tol, max_iter)
    names, categories, totals = _check_targets(margins, targets)
    codes = [
        encode_labels(margins[name], cats, name)
        for name, cats in zip(names, categories, strict=True)
    ]
    n = codes[0].size
    if n == 0 or any(c.size != n for c in codes):
        raise ValueError("every margin must list the same, non-zero number of respondents")
    if base_weights is None:
        base = np.ones(n)
    else:
        base = as_float_array(base_weights, "base_weights")
        if base.shape != (n,):
            raise ValueError(f"base_weights must have shape ({n},), got {base.shape}")
        if (base <= 0).any():
            raise ValueError("base_weights must be positive")
    sizes = [len(c) for c in categories]
    flat = np.ravel_multi_index(tuple(codes), tuple(sizes))
    _, first, cell_of = np.unique(flat, return_index=True, return_inverse=True)
    cell_of = np.asarray(cell_of).reshape(-1)
    start = np.asarray(np.bincount(cell_of, weights=base), dtype=np.float64)
    factor, iterations, converged, error, reasons = _ipf(
        [c[first] for c in codes], start, totals, names, categories, tol, max_iter, warn
    )
    weights = base * factor[cell_of]
    sw, sw2 = float(weights.sum()), float(np.sum(weights**2))
    n_eff = sw * sw / sw2
    return RakingResult(
        weights=frozen_array(weights),
        iterations=iterations,
        converged=converged,
        max_margin_error=error,
        total=sw,
        n_eff=n_eff,
        design_effect=n / n_eff,
        margins=tuple(names),
        reasons=reasons,
    )


def rake_cells(
    cells: Mapping[str, ArrayLike],
    counts: ArrayLike,
    targets: Targets,
    base_weights: ArrayLike | None = None,
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
    warn: bool = True,
) -> CellRakingResult:
    """Rake weighting cells delivered as counts (e.g. ``GROUP BY`` the margin variables).

    Parameters
    ----------
    cells : Mapping[str, array_like of shape (C,)]
        Category of each cell on each margin variable.
    counts : array_like, shape (C,)
        Respondents in each cell (whole numbers, >= 0).
    targets : Mapping[str, Mapping[label, float]]
        Population total per category of each margin; one common total.
    base_weights : array_like, shape (C,), optional
        Starting weight of each respondent of the cell (positive); default 1.
    tol, max_iter, warn
        As in :func:`rake`.

    Returns
    -------
    CellRakingResult
        Per-respondent weight of each cell; respondents in a cell share it.
    """
    tol, max_iter = _check_controls(tol, max_iter)
    names, categories, totals = _check_targets(cells, targets)
    codes = [
        encode_labels(cells[name], cats, name) for name, cats in zip(names, categories, strict=True)
    ]
    n_cells = codes[0].size
    cnt = as_count_array(counts, "counts", integer=True)
    if n_cells == 0 or cnt.shape != (n_cells,) or any(c.size != n_cells for c in codes):
        raise ValueError("cells and counts must describe the same, non-zero number of cells")
    if base_weights is None:
        base = np.ones(n_cells)
    else:
        base = as_float_array(base_weights, "base_weights")
        if base.shape != (n_cells,):
            raise ValueError(f"base_weights must have shape ({n_cells},), got {base.shape}")
        if (base <= 0).any():
            raise ValueError("base_weights must be positive")
    if cnt.sum() <= 0:
        raise ValueError("counts are all zero: there is nobody to weight")
    factor, iterations, converged, error, reasons = _ipf(
        codes, cnt * base, totals, names, categories, tol, max_iter, warn
    )
    weights = base * factor
    cell_totals = cnt * weights
    sw, sw2 = float(cell_totals.sum()), float(np.sum(cnt * weights**2))
    n_eff = sw * sw / sw2
    return CellRakingResult(
        weights=frozen_array(weights),
        cell_totals=frozen_array(cell_totals),
        iterations=iterations,
        converged=converged,
        max_margin_error=error,
        total=sw,
        n_eff=n_eff,
        design_effect=float(cnt.sum()) / n_eff,
        margins=tuple(names),
        reasons=reasons,
    )


@dataclass(frozen=True, eq=False)
class GroupRaking:
    """One respondent group's weighting cells raked to population margins, as relative weights.

    Attributes
    ----------
    weights : ndarray of float, shape (C,)
        Weight of each respondent of a cell relative to the group's raked respondents (their
        mean weight is 1); 1 for cells the margins do not cover, and 1 everywhere when the
        group could not be raked.
    covered : ndarray of bool, shape (C,)
        Cells that have a label with a target on every margin.
    raked : bool
        Whether the weights come from raking (False: every weight is 1, see ``reasons``).
    respondents : int
        Respondents of the group, ``sum(counts)``.
    respondents_unweighted : int
        Respondents who keep weight 1: those outside the covered cells, or all when not raked.
    converged, iterations
        As in :class:`CellRakingResult` (False and 0 when not raked).
    n_eff : float
        Kish effective sample size over all the group's respondents; NaN without respondents.
    design_effect : float
        ``respondents / n_eff``; NaN without respondents.
    reasons : tuple[Reason, ...]
        Why the group was not raked (``no_cell_covered``, ``margin_category_empty``,
        ``margin_label_without_target``, ``margin_totals_differ``, ``raking_impossible``) or
        did not converge (``raking_not_converged``).
    """

    weights: FloatArray
    covered: BoolArray
    raked: bool
    respondents: int
    respondents_unweighted: int
    converged: bool
    iterations: int
    n_eff: float
    design_effect: float
    reasons: tuple[Reason, ...]


def rake_group(
    cells: Sequence[Mapping[str, str]],
    counts: ArrayLike,
    targets: Targets,
    *,
    base_weights: ArrayLike | None = None,
    warn: bool = True,
) -> GroupRaking:
    """Rake one respondent group's weighting cells and give each cell a relative weight.

    Parameters
    ----------
    cells : sequence of length C of Mapping[str, str]
        Each cell's label on the margin variables (a cell may lack a variable).
    counts : array_like, shape (C,)
        Respondents in each cell (whole numbers, >= 0).
    targets : Mapping[str, Mapping[label, float]]
        Population total per category of each margin, as in :func:`rake_cells`.
    base_weights : array_like, shape (C,), optional
        Mean design weight of each cell's respondents, the weights raking starts from;
        default 1. The relative weights are then those of a respondent of the cell's mean
        design weight: a respondent's own is ``weights[c] * d_i / base_weights[c]``.
    warn : bool
        Issue a :class:`ScoringWarning` when the group cannot be raked or the raking does
        not converge (default); services pass False and read ``reasons``.

    Returns
    -------
    GroupRaking

    Notes
    -----
    Cells with a targeted label on every margin are raked by :func:`rake_cells`; the weights
    are then divided by their mean over those respondents, since means are ratios and the
    scale is free. Respondents of the other cells keep weight 1, the mean, and so count as
    average ones. ``n_eff = (sum n w)^2 / sum n w^2`` over every cell. Margins the covered
    cells cannot reach leave the whole group at weight 1, with the reason.
    """
    cnt = as_count_array(counts, "counts", integer=True)
    if cnt.shape != (len(cells),):
        raise ValueError(f"counts must have shape ({len(cells)},), got {cnt.shape}")
    covered = np.array(
        [all(cell.get(v) in targets[v] for v in targets) for cell in cells], dtype=np.bool_
    )
    respondents = int(cnt.sum())
    if not covered.any():
        return _not_raked(covered, respondents, Reason(NO_CELL_COVERED), warn)
    usable = np.flatnonzero(covered)
    usable_cells = [cells[i] for i in usable.tolist()]
    try:
        result = rake_cells(
            {v: [cell[v] for cell in usable_cells] for v in targets},
            cnt[usable],
            targets,
            None if base_weights is None else np.asarray(base_weights, dtype=np.float64)[usable],
            warn=warn,
        )
    except RakingError as error:
        return _not_raked(covered, respondents, error.reason, warn)
    except ValueError:
        return _not_raked(covered, respondents, Reason(RAKING_IMPOSSIBLE), warn)
    sizes = cnt[usable]
    raw = np.asarray(result.weights, dtype=np.float64)
    relative = raw / (float(np.sum(sizes * raw)) / float(sizes.sum()))
    weights = np.ones(len(cells))
    weights[usable] = relative
    unusable = float(cnt[~covered].sum())
    # Covered cells first, then the uncovered ones as one cell of weight 1: the order of the
    # sums that the results have always been computed with.
    all_n = np.append(sizes, unusable) if unusable else sizes
    all_w = np.append(relative, 1.0) if unusable else relative
    total, sq = float(np.sum(all_n * all_w)), float(np.sum(all_n * all_w**2))
    n_eff = total * total / sq
    return GroupRaking(
        weights=frozen_array(weights),
        covered=frozen_array(covered, dtype=np.bool_),
        raked=True,
        respondents=respondents,
        respondents_unweighted=int(unusable),
        converged=result.converged,
        iterations=result.iterations,
        n_eff=n_eff,
        design_effect=respondents / n_eff,
        reasons=result.reasons,
    )


def _not_raked(covered: BoolArray, respondents: int, reason: Reason, warn: bool) -> GroupRaking:
    if warn:
        warnings.warn(f"the group is left unweighted [{reason}]", ScoringWarning, stacklevel=3)
    return GroupRaking(
        weights=frozen_array(np.ones(covered.size)),
        covered=frozen_array(covered, dtype=np.bool_),
        raked=False,
        respondents=respondents,
        respondents_unweighted=respondents,
        converged=False,
        iterations=0,
        n_eff=float(respondents) if respondents else math.nan,
        design_effect=1.0 if respondents else math.nan,
        reasons=(reason,),
    )
