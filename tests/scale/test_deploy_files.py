"""The shipped deployment files stay valid: the systemd units pass ``systemd-analyze verify``
with this checkout's paths, and the compose file parses and refuses to start without
SECRET_KEY. (Running the units' commands and replaying the Containerfile take a minute:
``scripts/check_deploy.py``, docs/deploy.md.)"""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check_deploy():
    spec = importlib.util.spec_from_file_location("check_deploy", ROOT / "scripts/check_deploy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_systemd_units_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    check = _check_deploy()
    envfile = tmp_path / "parity.env"
    envfile.write_text((ROOT / "deploy/parity.env.example").read_text())
    units = check.render_units(tmp_path, envfile, ROOT)
    assert set(units) == {"parity-web@8790.service", "parity-scheduler.service"}
    done = subprocess.run(["systemd-analyze", "verify", *map(str, units.values())], capture_output=True, text=True)
    assert done.returncode == 0 and str(tmp_path) not in done.stderr, done.stderr
    web = check.exec_start(units["parity-web@8790.service"], "8790")
    assert web[0].endswith("/gunicorn") and "--preload" in web and web[-1] == "wsgi:app"
    assert check.exec_start(units["parity-scheduler.service"], "")[1:] == ["--app", "wsgi", "scheduler", "run"]


def test_compose_file_parses_and_needs_a_secret_key():
    tool = shutil.which("docker-compose") or shutil.which("podman-compose")
    if tool is None:
        pytest.skip("neither docker-compose nor podman-compose is installed")
    f = str(ROOT / "deploy/compose.yaml")
    services = subprocess.run([tool, "-f", f, "config", "--services"], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x"})
    assert services.returncode == 0, services.stderr
    assert set(services.stdout.split()) == {"postgres", "redis", "migrate", "web1", "web2", "scheduler1", "scheduler2"}
    refused = subprocess.run([tool, "-f", f, "config", "-q"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr
