"""Satisfaction scoring of an evaluation: the versioned policy, the counts, results, imports."""
