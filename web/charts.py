"""The vendored chart library the dashboards load (Apache ECharts, licence beside it)."""

from __future__ import annotations

ECHARTS_FILE = "vendor/echarts-6.1.0.min.js"
