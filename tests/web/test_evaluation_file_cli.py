"""``pingyi evaluation export|import``: the demo's set-up in one file, imported as a new
evaluation, answered with the demo's own answers, gives the demo's results; a bad file
stores nothing. Run as subprocesses."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
from numpy.testing import assert_allclose

from tests.cli_runs import demo_into
from tests.cli_runs import run_cli as _run

pytestmark = pytest.mark.own_sqlite  # pingyi runs on a SQLite file in the test's folder

TABLES = (
    "evaluation",
    "period",
    "group_weight",
    "satisfaction_policy",
    "composite_scheme",
    "audit_log",
    "unit",
    "unit_category",
    "respondent_group",
)


def _answers_by_period(db: Path, evaluation: int, out: Path) -> dict[str, Path]:
    """The counted answers of ``evaluation`` as long-format import files, one per period,
    read straight from the database (the demo has no answer export)."""
    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    variables: set[str] = set()
    with sqlite3.connect(db) as con:
        found = con.execute(
            """
            select p.code, a.response_id, g.code, u.code, a.question, a.level, a.value,
                   r.cell_key
            from answer a
            join response r on r.id = a.response_id
            join respondent_group g on g.id = a.group_id
            join unit u on u.id = a.unit_id
            join period p on p.id = a.period_id
            where a.evaluation_id = ? and a.counted
            """,
            (evaluation,),
        ).fetchall()
    for period, response, group, unit, question, level, value, cell in found:
        row = {
            "respondent_id": response,
            "group": group,
            "unit": unit,
            "question": question,
            "answer": level if level is not None else f"{value:g}",
        }
        for part in (cell or "").split(";"):
            if part:
                name, _, v = part.partition("=")
                row[name] = v
                variables.add(name)
        rows[period].append(row)
    files = {}
    for period, items in rows.items():
        path = out / f"answers-{period}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            columns = ["respondent_id", "group", "unit", "question", "answer", *sorted(variables)]
            writer = csv.DictWriter(handle, columns)
            writer.writeheader()
            writer.writerows(items)
        files[period] = path
    return files


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def test_export_import_answer_and_compare_results(tmp_path: Path) -> None:
    assert demo_into(tmp_path).returncode == 0
    setup = tmp_path / "setup.yaml"
    exported = _run(tmp_path, "evaluation", "export", "--evaluation", "2", str(setup))
    assert exported.returncode == 0, exported.stderr
    text = setup.read_text(encoding="utf-8")
    assert text.startswith("# Pingyi pingyi-evaluation/1")
    assert "\nschemes: |\n" in text and "category: dept-social" in text

    imported = _run(tmp_path, "evaluation", "import", str(setup))
    assert imported.returncode == 0, imported.stderr
    assert "Created evaluation 3" in imported.stdout

    again = _run(tmp_path, "evaluation", "export", "--evaluation", "3")
    assert again.returncode == 0, again.stderr
    # The same set-up comes back, but for the header naming the evaluation.
    assert again.stdout == text

    files = _answers_by_period(tmp_path / "cli.db", 2, tmp_path)
    assert files
    for period, path in files.items():
        done = _run(
            tmp_path, "import", "responses", str(path), "--evaluation", "3", "--period", period
        )
        assert done.returncode == 0, done.stderr

    results = {}
    for evaluation in ("2", "3"):
        out = _run(tmp_path, "results", "satisfaction", evaluation, "--format", "json")
        assert out.returncode == 0, out.stderr
        results[evaluation] = {u["unit"]: u for u in json.loads(out.stdout)["units"]}
    assert results["2"].keys() == results["3"].keys() and len(results["2"]) == 30
    for unit, original in results["2"].items():
        copy = results["3"][unit]
        assert copy["n_valid"] == original["n_valid"], unit
        assert copy["rank"] == original["rank"], unit
        for key in ("score", "se", "ci_low", "ci_high"):
            assert_allclose(copy[key], original[key], rtol=1e-12, err_msg=f"{unit} {key}")


def test_a_bad_file_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    assert demo_into(tmp_path).returncode == 0
    setup = tmp_path / "setup.yaml"
    assert _run(tmp_path, "evaluation", "export", "--evaluation", "2", str(setup)).returncode == 0
    text = setup.read_text(encoding="utf-8")
    before = _counts(tmp_path / "cli.db")

    # Weights that do not add up: refused by the policy service after the evaluation, its
    # periods and its groups were created in the same transaction.
    bad_weights = tmp_path / "weights.yaml"
    bad_weights.write_text(text.replace("weight: 0.15", "weight: 0.95", 1), encoding="utf-8")
    refused = _run(tmp_path, "evaluation", "import", str(bad_weights))
    assert refused.returncode == 1
    assert "add up to" in refused.stderr, refused.stderr

    # A scheme problem, found last: still nothing stored, and the problem named by line.
    bad_scheme = tmp_path / "scheme.yaml"
    bad_scheme.write_text(
        text.replace("method: target_completion", "method: target_complete", 1), encoding="utf-8"
    )
    refused = _run(
        tmp_path, "evaluation", "import", str(bad_scheme), PINGYI_DEFAULT_LANGUAGE="zh-CN"
    )
    assert refused.returncode == 1
    line = next(
        n
        for n, row in enumerate(bad_scheme.read_text(encoding="utf-8").splitlines(), start=1)
        if "method: target_complete" in row
    )
    assert "未保存" in refused.stderr, refused.stderr
    assert f"第{line}行，blocks[0].indicators[2].method" in refused.stderr, refused.stderr

    not_yaml = tmp_path / "broken.yaml"
    not_yaml.write_text("format: [unclosed\n", encoding="utf-8")
    refused = _run(tmp_path, "evaluation", "import", str(not_yaml))
    assert refused.returncode == 1 and "not valid YAML" in refused.stderr

    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(text.replace("year: 2026", "year: 1999", 1), encoding="utf-8")
    refused = _run(tmp_path, "evaluation", "import", str(wrong))
    assert refused.returncode == 1 and "evaluation.year" in refused.stderr

    assert _counts(tmp_path / "cli.db") == before
