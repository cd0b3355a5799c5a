"""Composite scoring: hard indicators and satisfaction merged into one score.

Indicator methods turn the values of the units of one category into points
(:func:`target_completion`, :func:`efficacy_coefficient`, :func:`min_max_score`,
:func:`z_score`, :func:`rank_points`, :func:`benchmark_score`, :func:`scale_speed_quality`,
any of them over :func:`growth_rate`; many rows of values at once by :func:`score_rows`).
Periods are combined by :func:`aggregate_periods` (many rows: :func:`aggregate_rows`),
bonus and deduction points bounded by :func:`bound_adjustments`, coefficient tiers chosen by
:func:`tier_coefficients`. A category's scheme is a tree of :class:`SchemeBlock`,
:class:`SchemeLeaf` and :class:`SchemeAdjustment` evaluated by :func:`evaluate_scheme`, whose
explanation :func:`recompute` redoes. Results: :func:`rank_units`, :func:`assign_grades`,
:func:`rank_changes`, :func:`interview_list`, :func:`progress_awards`, :func:`early_warnings`,
:func:`differentiation_check`; robustness: :func:`composite_sensitivity`.

Every function works on the units of one category; arrays run over units in input order.
Points are on the scale each function states; growth rates and shares are fractions.

Each method's parameters are a frozen dataclass checked when built
(:class:`TargetCompletionParams`, :class:`EfficacyParams`, :class:`MinMaxParams`,
:class:`ZScoreParams`, :class:`RankPointsParams`, :class:`BenchmarkParams`), which
:func:`score_indicator` and :func:`score_rows` take. Why a number is missing travels as data:
per-unit arrays of reason codes and ``reasons`` tuples of :class:`Reason` on the results
(the codes and their parameters are listed in ``_reason_codes.py``); ``warn=False`` keeps
them off the warnings machinery.

Modules: ``_params`` (method parameters), ``_indicator`` (result type, growth rates, the
shared method steps), ``_method_reference`` (target completion, benchmark),
``_method_range`` (efficacy, min-max, z-score), ``_method_rank`` (rank points),
``_method_recompute`` (methods by name, scale-speed-quality, recompute), ``_batch`` (many
rows at once), ``_periods``, ``_adjust``, ``_tree_nodes`` / ``_tree`` / ``_tree_recompute``
(the scheme tree), ``_results`` (ranks, grades), ``_rank_change`` (rank changes, interview
list, awards), ``_early_warnings``, ``_differentiation``, ``_sensitivity``.
"""
