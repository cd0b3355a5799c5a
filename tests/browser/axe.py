"""axe-core (shipped by axe-playwright-python) over the page a test has open."""

from __future__ import annotations

from typing import Any

SERIOUS = {"serious", "critical"}


def serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{page.url} {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]
