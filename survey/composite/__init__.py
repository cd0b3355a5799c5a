"""Composite scoring of an evaluation: schemes, hard indicators, inputs, results, snapshots."""
