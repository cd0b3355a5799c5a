"""Raking (iterative proportional fitting) of case weights to population margins."""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from scoring._common import (
    FloatArray,
    IntArray,
    ScoringWarning,
    as_count_array,
    as_float_array,
    check_int,
    frozen_array,
)

# Any, not Hashable: Mapping is invariant in its key type, so Mapping[Hashable, float] would
# reject the plain dict[str, float] every caller writes.
Targets = Mapping[str, Mapping[Any, float]]


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
    """

    weights: FloatArray
    iterations: int
    converged: bool
    max_margin_error: float
    total: float
    n_eff: float
    design_effect: float
    margins: tuple[str, ...]


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
    iterations, converged, max_margin_error, total, n_eff, design_effect, margins
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
        raise ValueError(
            f"margin {name!r} has labels without a target: {unknown[:10]!r}; targets cover "
            f"{categories[:10]!r}"
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
        raise ValueError(
            "the margins' targets must add up to the same population total, got "
            + ", ".join(f"{n}: {g:g}" for n, g in zip(names, grand, strict=True))
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
) -> tuple[FloatArray, int, bool, float]:
    """Rake ``start`` (totals per cell) and return the multiplicative factor per cell."""
    for code, target, name, cats in zip(codes, targets, names, categories, strict=True):
        present = np.bincount(code, weights=start, minlength=target.size)
        empty = np.flatnonzero(present <= 0)
        if empty.size:
            raise ValueError(
                f"margin {name!r}: categories {[cats[i] for i in empty[:10]]!r} have a positive "
                "target but no weighted respondents, so no weights can reach it"
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
    if not converged:
        warnings.warn(
            f"raking did not converge in {max_iter} sweeps: largest margin error {error:.6g} "
            f"(tolerance {tol * grand:.6g}); margins may be incompatible with the sample",
            ScoringWarning,
            stacklevel=3,
        )
    return cell_factor(), iterations, converged, error


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

    Returns
    -------
    RakingResult

    Notes
    -----
    Respondents sharing all margin categories form a weighting cell and are always multiplied
    by the same factor, so the work is done on cell totals (see :func:`rake_cells`) and the
    result is the classical IPF of Deming and Stephan, as in R ``survey::rake`` run to
    convergence. Non-convergence (e.g. structural zeros that make margins incompatible)
    issues a :class:`ScoringWarning` and is reported in ``converged``.
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
    factor, iterations, converged, error = _ipf(
        [c[first] for c in codes], start, totals, names, categories, tol, max_iter
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
    )


def rake_cells(
    cells: Mapping[str, ArrayLike],
    counts: ArrayLike,
    targets: Targets,
    base_weights: ArrayLike | None = None,
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
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
    tol, max_iter
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
    factor, iterations, converged, error = _ipf(
        codes, cnt * base, totals, names, categories, tol, max_iter
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
    )
