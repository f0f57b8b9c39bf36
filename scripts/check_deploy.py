"""Check the shipped deployment files as far as a machine without a container runtime allows.

    .venv/bin/python scripts/check_deploy.py [--image]

- systemd units (deploy/systemd): rendered with this checkout's paths, checked by
  ``systemd-analyze verify``, and their ExecStart commands run with the example settings file
  pointed at the local PostgreSQL and Redis: the web unit must answer /readyz, the scheduler
  must lead.
- compose file (deploy/compose.yaml): parsed by ``docker-compose config`` (Debian's
  docker-compose) when installed; it must refuse to start without SECRET_KEY.
- ``--image``: the Containerfile's COPY lines are replayed into a temporary folder, installed
  as its RUN line does (a fresh venv, ``pip install -e``), and its CMD served from there. The
  image itself cannot be built here: no base image can be pulled.

Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (database 12 is used and flushed).
"""
from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/12"


def step(msg: str) -> None:
    print(f"--- {msg}", flush=True)


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)


def env_file(tmp: Path, db: str) -> Path:
    """The example settings with this machine's services and temporary folders."""
    local = {"DATABASE_URL": f"{PG}/{db}", "RATELIMIT_STORAGE_URI": REDIS, "SECRET_KEY": "deploy-check",
             "PARITY_KEYS_PATH": str(tmp / "keys"), "PARITY_INSTANCE_PATH": str(tmp / "instance"),
             "SESSION_COOKIE_SECURE": "0", "SCHEDULER_POLL_SECONDS": "1"}
    lines = []
    for line in (DEPLOY / "parity.env.example").read_text().splitlines():
        name = line.split("=", 1)[0]
        lines.append(f"{name}={local[name]}" if name in local else line)
    path = tmp / "parity.env"
    path.write_text("\n".join(lines) + "\n")
    return path


def read_env(path: Path) -> dict:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def render_units(tmp: Path, envfile: Path, root: Path) -> dict[str, Path]:
    out = {}
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = unit.read_text().replace("/opt/parity", str(root)).replace("/etc/parity/parity.env", str(envfile))
        text = re.sub(r"^(User|Group)=.*\n", "", text, flags=re.M)  # no parity user on this machine
        name = unit.name.replace("@.service", "@8790.service")
        out[name] = tmp / name
        out[name].write_text(text)
    return out


def exec_start(unit: Path, instance: str) -> list[str]:
    line = next(x for x in unit.read_text().splitlines() if x.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart=").replace("%i", instance))


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"FAIL: {url}: the process exited {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"FAIL: {url} not ready in {timeout}s")


def serve_and_lead(web: list[str], scheduler: list[str], env: dict, cwd: Path, port: int) -> None:
    subprocess.run([str(Path(web[0]).parent / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=cwd, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    procs = []
    try:
        procs.append(subprocess.Popen(web, cwd=cwd, env=env, start_new_session=True,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        log = open(cwd / "scheduler.log", "w+") if cwd != ROOT else tempfile.TemporaryFile("w+")
        procs.append(subprocess.Popen(scheduler, cwd=cwd, env=env, start_new_session=True, stdout=log,
                                      stderr=subprocess.STDOUT, text=True))
        wait_ready(f"http://127.0.0.1:{port}/readyz", procs[0])
        print(f"    web: {' '.join(web)}  ->  /readyz 200")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            log.seek(0)
            if "scheduler: leading" in log.read():
                print(f"    scheduler: {' '.join(scheduler)}  ->  leading")
                break
            if procs[1].poll() is not None:
                log.seek(0)
                raise SystemExit(f"FAIL: scheduler exited:\n{log.read()[-3000:]}")
            time.sleep(0.3)
        else:
            raise SystemExit("FAIL: the scheduler did not lead within 90 s")
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, 9)
                p.wait()


def check_units(tmp: Path) -> None:
    step("systemd units")
    db = f"parity_deploy_{uuid.uuid4().hex[:8]}"
    psql(f'CREATE DATABASE "{db}"')
    try:
        envfile = env_file(tmp, db)
        units = render_units(tmp, envfile, ROOT)
        verify = subprocess.run(["systemd-analyze", "verify", *map(str, units.values())], capture_output=True, text=True)
        problems = [x for x in verify.stderr.splitlines() if str(tmp) in x or "parity" in x]
        if verify.returncode != 0 or problems:
            raise SystemExit("FAIL: systemd-analyze verify:\n" + verify.stderr)
        print(f"    systemd-analyze verify: {', '.join(units)} ok")
        env = {**os.environ, **read_env(envfile)}
        serve_and_lead(exec_start(units["parity-web@8790.service"], "8790"),
                       exec_start(units["parity-scheduler.service"], ""), env, ROOT, 8790)
    finally:
        psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def check_compose() -> None:
    step("compose file")
    tool = shutil.which("docker-compose") or shutil.which("podman-compose")
    if tool is None:
        print("    SKIPPED: neither docker-compose nor podman-compose is installed")
        return
    f = str(DEPLOY / "compose.yaml")
    ok = subprocess.run([tool, "-f", f, "config", "-q"], env={**os.environ, "SECRET_KEY": "x"})
    refused = subprocess.run([tool, "-f", f, "config", "-q"], capture_output=True, text=True,
                             env={k: v for k, v in os.environ.items() if k != "SECRET_KEY"})
    if ok.returncode != 0 or refused.returncode == 0 or "SECRET_KEY" not in refused.stderr:
        raise SystemExit("FAIL: compose file")
    services = subprocess.run([tool, "-f", f, "config", "--services"], capture_output=True, text=True,
                              env={**os.environ, "SECRET_KEY": "x"}).stdout.split()
    print(f"    {Path(tool).name} config: valid; services {' '.join(sorted(services))}; refuses without SECRET_KEY")


def check_image(tmp: Path) -> None:
    step("Containerfile (replayed without a container runtime)")
    spec = (DEPLOY / "Containerfile").read_text()
    app = tmp / "image" / "app"
    app.mkdir(parents=True)
    for line in spec.splitlines():
        if line.startswith("COPY "):
            *sources, _dest = line.split()[1:]
            for src in sources:
                (shutil.copytree if (ROOT / src).is_dir() else shutil.copy2)(ROOT / src, app / src)
    venv = tmp / "image" / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin/pip"), "install", "-q", "-e", str(app)], check=True)
    cmd = re.search(r"^CMD (\[.*\])$", spec, re.M).group(1)
    import json

    argv = json.loads(cmd)
    argv = [str(venv / "bin" / argv[0]), *argv[1:]]
    argv[argv.index("0.0.0.0:8000")] = "127.0.0.1:8791"
    db = f"parity_image_{uuid.uuid4().hex[:8]}"
    psql(f'CREATE DATABASE "{db}"')
    try:
        env = {**os.environ, **read_env(env_file(tmp / "image", db))}
        serve_and_lead(argv, [str(venv / "bin/flask"), "--app", "wsgi", "scheduler", "run"], env, app, 8791)
    finally:
        psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--image", action="store_true", help="also replay the Containerfile (a fresh venv: slow)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="parity-deploy-"))
    try:
        check_units(tmp)
        check_compose()
        if args.image:
            check_image(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        import redis

        redis.Redis.from_url(REDIS).flushdb()
    print("deployment files: ok")


if __name__ == "__main__":
    main()
