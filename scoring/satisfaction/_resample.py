"""Exact draws of cell mean scores under the parametric bootstrap ``Multinomial(n, shares)``.

numpy's multinomial draws cost about 300 ns per cell and draw (one BTPE binomial per level,
each ~50-100 ns with its set-up), which made the 2,000 rank-resampling draws the slowest part
of a results call. Only the cell's *mean score* enters a unit's score, and when the level scores
are decimals (100/80/60/0 by default) the cell's total score lives on an integer lattice, so its
exact distribution is the ``n``-fold convolution of one respondent's distribution. That is a
power of a discrete Fourier transform: one small FFT per cell builds the whole distribution,
and each draw is then one uniform inverted through the table's CDF (a guide-table lookup and,
for a few draws, a short bisection), for all cells and draws at once.

Exactness: the table covers every total whose probability is not negligible. When the lattice
support ``0 .. K n`` is longer than the FFT, the table is a window around the mean chosen by
Bernstein's inequality so that the probability left outside (which wraps around into the
window) is below ``_TAIL`` = 1e-16, the resolution of a float64 uniform; FFT rounding adds
about ``M * 1e-15`` in total variation for a table of ``M`` points. Cells whose scores are not
decimals, or whose table would be longer than ``max_table``, fall back to numpy's multinomial.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.fft import irfft, rfft

from scoring._common import FloatArray

IntArray64 = NDArray[np.int64]

# Probability mass allowed outside a table window (it wraps into the window).
_TAIL = 1e-16
# Frequencies where |phi|^n < exp(-60) contribute < 1e-26 to any probability.
_NEGLIGIBLE_LOG = -60.0
# Bounds on the table entries and the draws handled at once, to keep memory flat.
# Draws are inverted in blocks of about 2 MB per array, so that the temporaries of the few
# passes over them stay in the processor's cache (1 << 21 was a third slower at 28M draws).
_TABLE_ELEMENTS = 1 << 22
_DRAW_ELEMENTS = 1 << 18
# Decimal places tried when looking for the integer lattice of the level scores.
_MAX_DECIMALS = 6


def _decimal_scale(scores: FloatArray) -> int | None:
    """Smallest ``10**d`` that turns every score into an integer, or None."""
    for d in range(_MAX_DECIMALS + 1):
        z = scores * 10.0**d
        if np.abs(z).max(initial=0.0) >= 2.0**40:
            return None
        # Scores typed as decimals (80, 62.5) pass; a float off its decimal by more than
        # rounding (1e-12 relative) does not, and its cells use numpy's multinomial.
        if np.all(np.abs(z - np.round(z)) <= 1e-12 * np.maximum(1.0, np.abs(z))):
            return int(10**d)
    return None


class _Lattice:
    """Each cell's total score as ``base + step * T`` with integer ``T`` in ``0 .. K n``.

    ``k[c, l]`` is level ``l``'s position on cell ``c``'s lattice (levels the cell never chose
    sit at 0 with probability 0); the lattice of a cell is as coarse as its chosen levels allow,
    which keeps tables short (a cell that chose only 100 and 60 steps by 40).
    """

    def __init__(self, counts: FloatArray, scores: FloatArray, scale: int) -> None:
        z = np.round(scores * scale).astype(np.int64)
        chosen = counts > 0
        low = np.where(chosen, z, np.iinfo(np.int64).max).min(axis=1)
        rel = np.where(chosen, z - low[:, None], 0)
        step = np.gcd.reduce(rel, axis=1)
        self.n = counts.sum(axis=1)
        self.k = rel // np.maximum(step, 1)[:, None]
        self.span = self.k.max(axis=1)  # K: 0 for a cell with one chosen level
        self.low = low
        self.step = step
        self.scale = scale
        self.p = counts / self.n[:, None]
        self.mean = self.n * (self.p * self.k).sum(axis=1)
        self.var = self.n * (self.p * self.k**2).sum(axis=1) - self.mean**2 / self.n

    def table_length(self) -> tuple[IntArray64, IntArray64]:
        """Table (FFT) length and first lattice point of each cell's table."""
        support = self.span * self.n.astype(np.int64) + 1
        # Bernstein: P(|T - ET| >= t) <= 2 exp(-t^2 / 2 / (n var1 + K t / 3)) <= _TAIL.
        log_term = math.log(2.0 / _TAIL)
        a = log_term * self.span / 3.0
        half = a + np.sqrt(a * a + 2.0 * log_term * np.maximum(self.var, 0.0))
        need = np.minimum(support, 2 * np.ceil(half).astype(np.int64) + 2)
        # Lengths 2^k and 3 x 2^(k-1) only: cells with equal lengths share one batched FFT,
        # and a table is at most a third longer than it needs to be.
        power = np.left_shift(1, np.ceil(np.log2(np.maximum(need, 2))).astype(np.int64))
        length = np.where(3 * (power // 4) >= need, 3 * (power // 4), power)
        first = np.floor(self.mean - half).astype(np.int64)
        first = np.clip(first, 0, np.maximum(support - length, 0))
        return length, first

    def means(self, cells: IntArray64, totals: IntArray64) -> FloatArray:
        """Cell mean scores (points) of lattice totals ``totals[i, :]`` of cell ``cells[i]``."""
        n = self.n[cells][:, None]
        numerator = self.low[cells][:, None] * n + self.step[cells][:, None] * totals
        return np.asarray(numerator / (n * self.scale), dtype=np.float64)


def _cdf_tables(lattice: _Lattice, cells: IntArray64, length: int, first: IntArray64) -> FloatArray:
    """CDFs of the cells' lattice totals over ``first .. first + length - 1``, one row each."""
    rows = np.arange(cells.size)
    single = np.zeros((cells.size, length))
    for level in range(lattice.k.shape[1]):
        single[rows, lattice.k[cells, level]] += lattice.p[cells, level]
    phi = rfft(single, axis=1)
    n = lattice.n[cells][:, None]
    with np.errstate(divide="ignore"):
        log_power = 0.5 * np.log(phi.real**2 + phi.imag**2) * n
    keep = log_power > _NEGLIGIBLE_LOG
    r, m = np.nonzero(keep)
    # Multiplying the transform by exp(2 pi i m first / length) shifts the table so that
    # entry j is the probability of total first + j; the product m * first is reduced
    # in integers so that the phase keeps its precision.
    shift = (m * first[r]) % length
    phase = n[r, 0] * np.angle(phi[keep]) + 2.0 * np.pi * shift / length
    power = np.zeros_like(phi)
    power[keep] = np.exp(log_power[keep] + 1j * phase)
    pmf = irfft(power, n=length, axis=1)
    np.maximum(pmf, 0.0, out=pmf)  # rounding leaves tiny negative values in the far tails
    cdf = np.cumsum(pmf, axis=1)
    cdf /= cdf[:, -1:]
    return cdf


def _invert(cdf: FloatArray, guide: IntArray64, bucket: IntArray64, u: FloatArray) -> IntArray64:
    """Flat indices ``min{j : cdf[j] > u}`` inside each draw's table, by guide table.

    ``guide[bucket]`` is a lower bound of the answer and ``guide[bucket + 1]`` an upper
    bound; most draws are settled by one comparison, the rest by bisection in between.
    numpy's searchsorted spends about a dozen unpredictable branches per draw, which cost
    more than these few passes over flat arrays.
    """
    low = guide[bucket]
    # Draws whose lower bound already has cdf > u are settled; the others lie above it and
    # at or below guide[bucket + 1], whose cdf exceeds the bucket's upper edge.
    active = np.flatnonzero(cdf[low] <= u)
    low[active] += 1
    high = guide[bucket[active] + 1]
    pending = np.flatnonzero(low[active] < high)
    active, high = active[pending], high[pending]
    while active.size:
        lo = low[active]
        mid = (lo + high) >> 1
        above = cdf[mid] > u[active]
        high = np.where(above, mid, high)
        lo = np.where(above, lo, mid + 1)
        low[active] = lo
        pending = np.flatnonzero(lo < high)
        active, high = active[pending], high[pending]
    return low


def _guides(
    tables: list[FloatArray],
) -> tuple[FloatArray, IntArray64, IntArray64, IntArray64]:
    """CDF tables laid end to end, with a guide table for each.

    ``tables`` holds 2-D arrays, one CDF table per row. A table of length ``M`` gets ``B``
    buckets, the power of two >= ``M`` (so that ``cdf * B`` and ``u * B`` are exact), at
    ``guide[g .. g + B]``: ``guide[g + r]`` is the flat index of the table's first entry with
    ``cdf > r / B``, and ``guide[g + B]`` its last entry. Returns ``(cdf, guide, B, g)``
    with ``B`` and ``g`` per table, in the order of the rows.
    """
    positions, buckets, guide_offset = [], [], []
    size = 0
    for cdf in tables:
        rows, length = cdf.shape
        b = 1 << max(0, (length - 1).bit_length())
        offset = size + (b + 1) * np.arange(rows, dtype=np.int64)
        # #{j : cdf_j <= r / B} is a cumulative histogram of ceil(cdf * B); counted over all
        # tables at once, the entries of the earlier tables supply the table's flat offset.
        rank = np.ceil(cdf * b).astype(np.int64)
        rank += offset[:, None]
        positions.append(rank.ravel())
        buckets.append(np.full(rows, b, dtype=np.int64))
        guide_offset.append(offset)
        size += rows * (b + 1)
    guide = np.cumsum(np.bincount(np.concatenate(positions), minlength=size))
    bucket_count, first_slot = np.concatenate(buckets), np.concatenate(guide_offset)
    guide[first_slot + bucket_count] -= 1  # one past the table -> its last entry (cdf 1 > u)
    flat = np.concatenate([cdf.ravel() for cdf in tables])
    return flat, guide, bucket_count, first_slot


class _Uniforms:
    """Where a call's random numbers come from: one generator, or one stream per cell."""

    def uniforms(self, cells: IntArray64, n_draws: int) -> FloatArray:
        raise NotImplementedError

    def multinomial_means(
        self, cells: IntArray64, n: FloatArray, p: FloatArray, scores: FloatArray, n_draws: int
    ) -> FloatArray:
        """Mean scores of ``Multinomial(n[k], p[k])`` draws of ``cells``, ``(cells, n_draws)``."""
        raise NotImplementedError


class _OneGenerator(_Uniforms):
    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng

    def uniforms(self, cells: IntArray64, n_draws: int) -> FloatArray:
        return self._rng.random((cells.size, n_draws))

    def multinomial_means(
        self, cells: IntArray64, n: FloatArray, p: FloatArray, scores: FloatArray, n_draws: int
    ) -> FloatArray:
        sample = self._rng.multinomial(n.astype(np.int64), p, size=(n_draws, cells.size))
        return np.asarray((sample @ scores / n).T, dtype=np.float64)


class _CellStreams(_Uniforms):
    """Cell ``c`` reads PCG64 from position ``streams[c] * 2**64`` of the seed's sequence.

    PCG64's period is 2**128, so distinct stream numbers below 2**64 never share a random
    number (a cell uses far fewer than 2**64 of them); the draws of a cell depend on the seed,
    its stream number and its own counts only, whichever cells are drawn with it.
    """

    def __init__(self, seed: int, streams: NDArray[np.uint64]) -> None:
        self._bits = np.random.PCG64(seed)
        self._start = self._bits.state
        self._rng = np.random.Generator(self._bits)
        self._streams = streams
        # Steps of the sequence taken since ``_start``, when known: the next cell's stream is
        # then one jump away, without restoring the state (a dict) for every cell.
        self._position: int | None = 0

    def _at(self, cell: int) -> np.random.Generator:
        self._bits.state = self._start
        self._bits.advance(int(self._streams[cell]) << 64)
        self._position = None
        return self._rng

    def uniforms(self, cells: IntArray64, n_draws: int) -> FloatArray:
        out = np.empty((cells.size, n_draws))
        streams = self._streams[cells].tolist()
        for k, stream in enumerate(streams):
            target = int(stream) << 64
            if self._position is None:
                self._bits.state = self._start
                self._position = 0
            # The same state as restoring the start and advancing by target (the LCG's jump
            # is modulo its period 2**128); one 64-bit output per float64 uniform.
            self._bits.advance((target - self._position) % (1 << 128))
            self._rng.random(out=out[k])
            self._position = target + n_draws
        return out

    def multinomial_means(
        self, cells: IntArray64, n: FloatArray, p: FloatArray, scores: FloatArray, n_draws: int
    ) -> FloatArray:
        # Cell by cell, so that no cell's arithmetic depends on the others drawn with it.
        out = np.empty((cells.size, n_draws))
        for k, cell in enumerate(cells.tolist()):
            sample = self._at(cell).multinomial(int(n[k]), p[k], size=n_draws)
            out[k] = sample @ scores / n[k]
        return out


def _sample_tables(
    source: _Uniforms,
    lattice: _Lattice,
    cells: IntArray64,
    length: IntArray64,
    first: IntArray64,
    n_draws: int,
) -> FloatArray:
    """Draws of the cells' means by inverting their tables, shape ``(cells, n_draws)``.

    ``cells`` come sorted by table ``length``, so that equal lengths share one batched FFT
    and the tables lie end to end in the order of ``cells``.
    """
    cdf, guide, buckets, guide_offset = _guides(
        [
            _cdf_tables(lattice, cells[length == size], size, first[length == size])
            for size in np.unique(length).tolist()
        ]
    )
    offset = np.cumsum(length) - length
    u = source.uniforms(cells, n_draws)
    bucket = (u * buckets[:, None]).astype(np.int64)
    bucket += guide_offset[:, None]
    flat = _invert(cdf, guide, bucket.ravel(), u.ravel()).reshape(u.shape)
    flat += (first - offset)[:, None]
    return lattice.means(cells, flat)


def _chunks(cells: IntArray64, length: IntArray64, n_draws: int) -> list[IntArray64]:
    """Consecutive runs of ``cells`` whose tables and draws stay within the memory bounds."""
    out: list[IntArray64] = []
    start = 0
    while start < cells.size:
        tables = np.cumsum(length[cells[start:]])
        fits = min(
            int(np.searchsorted(tables, _TABLE_ELEMENTS, side="right")), _DRAW_ELEMENTS // n_draws
        )
        stop = start + max(1, fits)
        out.append(cells[start:stop])
        start = stop
    return out


def _cell_means(
    source: _Uniforms, counts: FloatArray, scores: FloatArray, n_draws: int, max_table: int
) -> FloatArray:
    n_cells = counts.shape[0]
    out = np.empty((n_cells, n_draws))
    scale = _decimal_scale(scores)
    fallback = np.ones(n_cells, dtype=np.bool_)
    if scale is not None:
        lattice = _Lattice(counts, scores, scale)
        length, first = lattice.table_length()
        constant = lattice.span == 0
        if constant.any():
            out[constant] = lattice.means(np.flatnonzero(constant), np.zeros((1, 1), np.int64))
        fallback = ~constant & (length > max_table)
        tabled = np.flatnonzero(~constant & (length <= max_table))
        tabled = tabled[np.argsort(length[tabled], kind="stable")]
        for cells in _chunks(tabled, length, n_draws):
            out[cells] = _sample_tables(
                source, lattice, cells, length[cells], first[cells], n_draws
            )
    if fallback.any():
        cells = np.flatnonzero(fallback)
        n = counts[cells].sum(axis=1)
        out[cells] = source.multinomial_means(cells, n, counts[cells] / n[:, None], scores, n_draws)
    return out


def multinomial_cell_means(
    rng: np.random.Generator,
    counts: FloatArray,
    scores: FloatArray,
    n_draws: int,
    *,
    max_table: int = 1 << 14,
) -> FloatArray:
    """Mean scores of ``Multinomial(n, counts / n)`` redraws of each cell, shape ``(C, n_draws)``.

    Parameters
    ----------
    rng : numpy.random.Generator
    counts : ndarray, shape (C, L)
        Whole-number counts per cell and scored level; every cell must have ``n > 0``.
    scores : ndarray, shape (L,)
        Finite level scores, points.
    n_draws : int
    max_table : int
        Longest distribution table per cell; cells that need a longer one (hundreds of
        thousands of answers) use numpy's multinomial instead.

    Returns
    -------
    ndarray of float, shape (C, n_draws)
        Row ``c`` holds independent draws of ``sum_l scores[l] * X_l / n_c`` with
        ``X ~ Multinomial(n_c, counts[c] / n_c)``.
    """
    return _cell_means(_OneGenerator(rng), counts, scores, n_draws, max_table)


def cell_mean_draws(
    counts: ArrayLike,
    scores: ArrayLike,
    n_draws: int,
    *,
    seed: int,
    streams: ArrayLike,
    max_table: int = 1 << 14,
) -> FloatArray:
    """Multinomial redraws of each cell's mean score, each cell from a random stream of its own.

    The same law as :func:`multinomial_cell_means`, but row ``c`` depends only on ``seed``,
    ``streams[c]`` and ``counts[c]``: a caller can keep the draws of cells whose counts did
    not change and redraw only the others, and gets the same numbers as drawing them all.

    Parameters
    ----------
    counts : array_like, shape (C, L)
        Whole-number counts per cell and scored level; every cell must have ``n > 0``.
    scores : array_like, shape (L,)
        Finite level scores, points.
    n_draws : int
    seed : int
        Seed of the PCG64 sequence (>= 0).
    streams : array_like of int, shape (C,)
        Stream number of each cell, ``0 <= streams[c] < 2**64``; cells drawn with the same
        seed need distinct numbers to be independent.
    max_table : int
        As in :func:`multinomial_cell_means`.

    Returns
    -------
    ndarray of float, shape (C, n_draws)
    """
    c = np.asarray(counts, dtype=np.float64)
    x = np.asarray(scores, dtype=np.float64)
    if c.ndim != 2 or x.ndim != 1 or c.shape[1] != x.size:
        raise ValueError(f"counts must have shape (cells, {x.size}), got {c.shape}")
    if c.shape[0] and (c.sum(axis=1) <= 0).any():
        raise ValueError("every cell needs at least one answer")
    if not np.isfinite(x).all():
        raise ValueError("scores must be finite")
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 1:
        raise ValueError(f"n_draws must be a positive integer, got {n_draws!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    ids = np.asarray(streams)
    if ids.shape != (c.shape[0],) or (ids.size and (ids.dtype.kind not in "iu" or ids.min() < 0)):
        raise ValueError(f"streams must hold {c.shape[0]} non-negative integers")
    source = _CellStreams(int(seed), ids.astype(np.uint64))
    return _cell_means(source, c, x, n_draws, max_table)


def mean_distribution(counts: FloatArray, scores: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Support and probabilities of one cell's mean score under ``Multinomial(n, shares)``.

    The table the sampler inverts (decimal scores only; points of probability zero left out).
    Raises ValueError when the scores have no decimal lattice.
    """
    c = np.asarray(counts, dtype=np.float64).reshape(1, -1)
    scale = _decimal_scale(scores)
    if scale is None:
        raise ValueError("level scores are not decimals with at most 6 places")
    lattice = _Lattice(c, scores, scale)
    length, first = lattice.table_length()
    cells = np.zeros(1, dtype=np.int64)
    if lattice.span[0] == 0:
        return lattice.means(cells, np.zeros((1, 1), np.int64))[0], np.ones(1)
    cdf = _cdf_tables(lattice, cells, int(length[0]), first)[0]
    pmf = np.diff(cdf, prepend=0.0)
    totals = first[0] + np.arange(cdf.size, dtype=np.int64)
    positive = pmf > 0
    return lattice.means(cells, totals[positive][None, :])[0], pmf[positive]
