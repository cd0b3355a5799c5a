"""The demo city: a fictional prefecture-level city, 云江市 (Yunjiang), with its units and groups.

Everything here is made up, and loading it twice gives the same database (the later parts that
draw random responses use a seeded generator), so that screenshots and tests can rely on it.
"""

from __future__ import annotations

from survey.demo.ballots import DemoBallots, load_demo_ballots
from survey.demo.city import DEMO_ACTOR, DEMO_OFFICE_USER, DemoInfo
from survey.demo.loader import load_demo, load_demo_composite
from survey.demo.responses import load_demo_survey

__all__ = [
    "DEMO_ACTOR",
    "DEMO_OFFICE_USER",
    "DemoBallots",
    "DemoInfo",
    "load_demo",
    "load_demo_ballots",
    "load_demo_composite",
    "load_demo_survey",
]
