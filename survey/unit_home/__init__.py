"""A unit's own account: its results, trend and released composite, and nothing of others."""
