"""Delegate ballots: batches, one-time codes, casting with secrecy, turnout, paper double entry."""
