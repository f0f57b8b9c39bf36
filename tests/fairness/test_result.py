"""Result schema version 2: compact, deterministic bytes, every fact of version 1 kept."""
import json
from pathlib import Path

from hypothesis import given, settings

from broker import canonical
from broker.fairness import allocate, dumps_result, reading, result_bytes
from broker.fairness.validate import schema_problems
from tests.fairness.cli_in_process import run_cli
from tests.fairness.fairness_strategies import rounds
from tests.fairness.golden_rounds import bench_round

FAIRNESS = settings.get_profile("fairness")
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "broker" / "fairness" / "examples" / "small-round.json"


@FAIRNESS
@given(rounds())
def test_version_2_bytes_do_not_depend_on_the_json_writer(data):
    """No floats in a version-2 result: orjson (compact) and json.dumps write the same bytes,
    so the stored bytes follow from the values alone."""
    result = allocate(data)
    assert result_bytes(result) == canonical.legacy(result) + b"\n"
    assert schema_problems(result, "round-output") == []


@FAIRNESS
@given(rounds())
def test_reading_gives_the_version_1_reasons_and_rows(data):
    v1, v2 = allocate(data, version=1), allocate(data)
    assert reading.group_rows(v2) == v1["groups"] == reading.group_rows(v1)
    assert reading.reasons(v2, data) == {r["request"]: r["reason"] for r in v1["requests"]} == reading.reasons(v1)
    assert reading.as_v1(v2, data) == v1
    assert reading.table(v2, data) == reading.table(v1)


def test_version_1_is_written_as_it_was_stored():
    v1 = allocate(json.loads(EXAMPLE.read_text()), version=1)
    assert "schema_version" not in v1 and v1["groups"][0]["weight"]["approx"] == 2.0
    assert dumps_result(v1) == json.dumps(v1, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def test_result_is_smaller_than_its_input_with_linked_offerings():
    """Version 1 repeated each linked component's offerings in every row and reason."""
    data = bench_round(3000, 0.5, 11, 40)
    size_in = len(json.dumps(data, separators=(",", ":")))
    v2, v1 = result_bytes(allocate(data)), result_bytes(allocate(data, version=1))
    assert len(v2) < size_in < len(v1)


def test_cli_writes_either_version(tmp_path):
    data = json.loads(EXAMPLE.read_text())
    for version in (1, 2):
        code, out, _ = run_cli([EXAMPLE, "--result-version", version])
        assert code == 0
        assert out == result_bytes(allocate(data, version=version))
    code, out, err = run_cli([EXAMPLE, "--result-version", 3])
    assert code == 2 and out == b"" and "--result-version" in err
