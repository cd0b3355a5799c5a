"""Satisfaction statistics: cell statistics, intervals, raking (of respondents, cells and a
respondent group's cells), design estimates, group weight matrices, combining respondent
groups, rank uncertainty, significance of comparisons and small-cell suppression. The public
names are exported by :mod:`scoring`."""
