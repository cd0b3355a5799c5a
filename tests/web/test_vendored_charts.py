"""The vendored chart library is served under its versioned name with its licence beside it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

import web
from web.charts import ECHARTS_FILE

STATIC = Path(web.__file__).parent / "static"


def test_echarts_is_served_with_its_licence_and_notice(client: TestClient) -> None:
    served = client.get(f"/static/{ECHARTS_FILE}")
    assert served.status_code == 200
    assert served.content == (STATIC / ECHARTS_FILE).read_bytes()
    assert b"echarts" in served.content[:2000].lower()
    stem = ECHARTS_FILE.removesuffix(".min.js")
    licence = (STATIC / f"{stem}.LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0" in licence
    assert "The Apache Software Foundation" in (STATIC / f"{stem}.NOTICE").read_text()
    # The licence names the d3 code ECharts embeds; its BSD licence travels with it.
    assert "LICENSE-d3" in licence and (STATIC / f"{stem}.LICENSE-d3").exists()
    script = client.get("/static/js/charts.js")
    assert script.status_code == 200 and "application/json" in script.text
