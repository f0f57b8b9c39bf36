"""Must show: an off-the-shelf verifier — Go's own golang.org/x/mod/sumdb/tlog and sumdb/note —
checks Parity's checkpoint signature, an inclusion proof for a report and for a round, and a
consistency proof between two checkpoints; and rejects a tampered one."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from broker.canonical import digest
from broker.reports import verify
from broker.tlog import entries, note
from tests.reports.conftest import PERIOD
from tests.reports.helpers import client_source, publish_all, publish_period

GOPATH = "/usr/share/gocode"
PROGRAM = Path(__file__).parent / "gocheck" / "main.go"


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        pytest.skip("Go is not installed: apt-get install golang-go golang-golang-x-mod-dev")
    if not os.path.isdir(f"{GOPATH}/src/golang.org/x/mod/sumdb/tlog"):
        pytest.skip("golang.org/x/mod is not installed: apt-get install golang-golang-x-mod-dev")
    return go


@pytest.fixture(scope="module")
def gocheck(tmp_path_factory):
    """Build the Go program once, offline, against Debian's golang.org/x/mod."""
    go = _go()
    out = tmp_path_factory.mktemp("gobin") / "gocheck"
    env = {**os.environ, "GOPATH": GOPATH, "GO111MODULE": "off", "GOFLAGS": "", "CGO_ENABLED": "0",
           "GOCACHE": str(tmp_path_factory.getbasetemp() / "gocache")}
    build = subprocess.run([go, "build", "-o", str(out), str(PROGRAM)], env=env, capture_output=True,
                           text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    return out


def _run(gocheck, folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(gocheck), str(folder)], capture_output=True, text=True, timeout=120)


def _prepare(app, client, tmp_path) -> Path:
    publish_all(app)
    old = client.get("/log/checkpoint").get_data(as_text=True)
    publish_period(app, PERIOD, correction="recount")  # more entries, a second checkpoint
    folder = tmp_path / "series"
    verify.download(client_source(client), folder)
    jwks = json.loads((folder / "jwks.json").read_text())
    (vkey,) = [k["note_verifier_key"] for k in jwks["keys"] if "note_verifier_key" in k]
    (folder / "vkey").write_text(vkey)
    (folder / "old-checkpoint").write_text(old)
    reports = json.loads((folder / "reports.json").read_text())["items"]
    rounds = json.loads((folder / "rounds.json").read_text())["items"]
    rep = reports[0]
    (folder / "report.entry").write_bytes(entries.report(rep["id"], rep["series"], rep["period"], rep["digest"]))
    shutil.copy(folder / rep["links"]["tlog_proof"], folder / "report.tlog-proof")
    rnd = rounds[0]
    (folder / "round.entry").write_bytes(entries.round_(
        rnd["id"], rnd["period"], rnd["kind"], digest((folder / rnd["links"]["input"]).read_bytes()),
        digest((folder / rnd["links"]["output"]).read_bytes())))
    shutil.copy(folder / rnd["links"]["tlog_proof"], folder / "round.tlog-proof")
    return folder


def test_go_checks_checkpoint_inclusion_and_consistency(app, client, scenario, tmp_path, gocheck):
    folder = _prepare(app, client, tmp_path)
    done = _run(gocheck, folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok checkpoint: signed by parity.localhost/log" in done.stdout
    assert "ok report: Parity's .tlog-proof" in done.stdout and "ok round: inclusion proof built by Go" in done.stdout
    assert "ok consistency: the tree of" in done.stdout
    old = note.unverified_checkpoint((folder / "old-checkpoint").read_text())
    new = note.unverified_checkpoint((folder / "log" / "checkpoint").read_text())
    assert 0 < old.size < new.size


def _tamper_root(text: str) -> str:
    lines = text.split("\n")
    root = bytearray(note.unb64(lines[2]))
    root[0] ^= 1
    lines[2] = note.b64(bytes(root))
    return "\n".join(lines)


@pytest.mark.parametrize("what", ["checkpoint", "proof", "entry", "old-checkpoint", "tile"])
def test_go_rejects_a_tampered_log(app, client, scenario, tmp_path, gocheck, what):
    folder = _prepare(app, client, tmp_path)
    if what == "checkpoint":
        path = folder / "log" / "checkpoint"
        path.write_text(_tamper_root(path.read_text()))
        expected = "checkpoint signature"
    elif what == "proof":
        path = folder / "report.tlog-proof"
        lines = path.read_text().split("\n")
        h = bytearray(note.unb64(lines[2]))
        h[5] ^= 0x80
        lines[2] = note.b64(bytes(h))
        path.write_text("\n".join(lines))
        expected = "report: Parity's inclusion proof"
    elif what == "entry":
        path = folder / "round.entry"
        path.write_bytes(path.read_bytes().replace(b'"period":"2026', b'"period":"2027'))
        expected = "round: Parity's inclusion proof"
    elif what == "old-checkpoint":
        # a checkpoint the log really signed, over a history that was then rewritten
        from tests.tlog.test_log import forged_checkpoint
        path = folder / "old-checkpoint"
        path.write_text(forged_checkpoint(app, path.read_text()))
        expected = "consistency between size"
    else:
        size = note.unverified_checkpoint((folder / "log" / "checkpoint").read_text()).size
        assert size < 256  # one partial level-0 tile
        path = folder / "log" / "tile" / "0" / "000.p" / str(size)
        data = bytearray(path.read_bytes())
        data[40] ^= 1
        path.write_bytes(bytes(data))
        expected = "FAIL"
    done = _run(gocheck, folder)
    assert done.returncode == 1, done.stdout
    assert expected in done.stdout, done.stdout
