"""Satisfaction statistics: cell statistics, intervals, raking, design estimates, combining
respondent groups, rank uncertainty and small-cell suppression. The public names are
exported by :mod:`scoring`."""
