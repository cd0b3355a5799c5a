"""Small-cell suppression for publication."""

from __future__ import annotations

from numpy.typing import ArrayLike

from scoring._common import BoolArray, as_float_array, check_int


def suppression_mask(n: ArrayLike, threshold: int = 5) -> BoolArray:
    """Cells whose statistics must not be published because too few people answered.

    Parameters
    ----------
    n : array_like, shape (...)
        Respondents behind each cell (use ``n_valid``, or ``n_valid + n_dont_know`` when the
        don't-know share is published too). Any shape.
    threshold : int
        Minimum number of respondents for publication (default 5, as
        ``SatisfactionPolicy.suppression_threshold``).

    Returns
    -------
    ndarray of bool, shape (...)
        True where ``n < threshold``. Empty cells (``n == 0``) are included: they have no
        statistic to publish either.
    """
    counts = as_float_array(n, "n")
    if (counts < 0).any():
        raise ValueError("n must be non-negative")
    limit = check_int(threshold, "threshold", minimum=0)
    return counts < limit
