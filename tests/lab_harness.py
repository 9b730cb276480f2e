"""A throw-away JupyterLab server and a headless Chromium for the browser tests
(tests/test_browser*.py) and benchmarks/explorer_latency.py.

Everything the server writes (config, runtime files, settings, workspaces) lives in a
temporary folder, so a run neither reads nor changes the user's Jupyter setup. Both the
server (with its kernels) and the browser are always stopped, even when a test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = os.environ.get("LUMEX_CHROMIUM", "/usr/bin/chromium")

# As root in a container, and on a network that is closed: without the background
# flags Chromium floods it with connection attempts (see build_notes.md).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]

# JupyterLab user settings for a quiet, deterministic page: every cell stays in the DOM
# (no windowing), nothing is saved behind the test's back, no news or update checks
# (they would reach for the network and log errors).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False,
                                                 "doNotDisturbMode": True},
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
}


def missing_requirements() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (f"no Chromium at {CHROMIUM} (apt-get install chromium, or set LUMEX_CHROMIUM); "
                "the real-browser JupyterLab test needs one")
    import importlib.util

    for module, package in (("playwright", "playwright"), ("jupyterlab", "jupyterlab"),
                            ("anywidget", "anywidget"), ("ipywidgets", "ipywidgets"),
                            ("ipykernel", "ipykernel")):
        if importlib.util.find_spec(module) is None:
            return (f"{package} is not installed (pip install \"{package}\", or the 'browser' "
                    "extra); the real-browser JupyterLab test needs it")
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    """Every process whose parent chain leads to ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, stack = [], [pid]
    while stack:
        for c in children.get(stack.pop(), []):
            out.append(c)
            stack.append(c)
    return out


class LabServer:
    """``python -m jupyterlab`` on a free port with token auth, rooted at ``root``."""

    def __init__(self, root: Path, home: Path, log_path: Path, token: str = "lumex-browser-test"):
        self.root, self.token, self.port = root, token, free_port()
        self.data_dir = home / "data"  # the notary's secret: where trusted notebooks are signed
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = dict(os.environ)
        for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                         ("JUPYTER_DATA_DIR", "data"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                         ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")):
            (home / sub).mkdir(parents=True, exist_ok=True)
            env[var] = str(home / sub)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        for name, values in LAB_SETTINGS.items():
            path = home / "settings" / f"{name.replace(':', '/')}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values), encoding="utf-8")
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
               f"--port={self.port}", "--ip=127.0.0.1", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               "--ServerApp.terminals_enabled=False",
               # A safety net for a test run killed outright (no finalizer runs then).
               "--ServerApp.shutdown_no_activity_timeout=900",
               "--MappingKernelManager.cull_idle_timeout=900"]
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(cmd, env=env, cwd=root, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def api(self, path: str, method: str = "GET", timeout: float = 10.0):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.api("/api/status", timeout=5)
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        raise TimeoutError(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def url_for(self, notebook: str) -> str:
        """The notebook alone in a fresh workspace (a shared one would reopen earlier tabs)."""
        workspace = "".join(c if c.isalnum() else "-" for c in notebook)
        return f"{self.url}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={self.token}"

    def kernels_idle(self, connected: bool = False) -> bool:
        """Some kernel runs and none is busy (``connected``: and a page is attached)."""
        try:
            kernels = self.api("/api/kernels")
        except urllib.error.HTTPError:  # a kernel half-way through starting can give a 500
            return False
        return bool(kernels) and all(k["execution_state"] == "idle" and (k["connections"] or not connected)
                                     for k in kernels)

    def shutdown_kernels(self) -> None:
        try:
            for s in self.api("/api/sessions"):
                self.api(f"/api/sessions/{s['id']}", method="DELETE", timeout=20)
        except (urllib.error.URLError, OSError):
            pass

    def stop(self) -> None:
        """SIGTERM lets the server shut its kernels down; whatever survives is killed."""
        procs = [self.proc.pid, *_descendants(self.proc.pid)]
        if self.proc.poll() is None:
            self.shutdown_kernels()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        for pid in procs:  # kernels run in their own sessions, so kill them by id
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)
        self._log.close()


@contextlib.contextmanager
def running_lab(base: Path, log_path: Path, shots: Path | None = None, start_timeout: float = 90):
    """A ready LabServer rooted at ``base/root`` (created), stopped on exit even when the
    body fails. ``shots``: a screenshot folder, created, with an earlier run's PNGs removed
    (they would mislead)."""
    import lumex.core  # noqa: F401  (fails, never skips, when lumex is broken)

    (base / "root").mkdir()
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
        for old in shots.glob("*.png"):
            old.unlink()
    server = LabServer(base / "root", base / "home", log_path)
    try:
        server.wait_ready(start_timeout)
        yield server
    finally:
        server.stop()


def copy_tutorials(src: Path, dst: Path) -> None:
    """A scratch copy, so running (or saving) in the browser never touches the repository."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))


def notebook_json(cells: list[str]) -> str:
    def cell(src):
        return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                "source": src}

    return json.dumps({
        "cells": [cell(c) for c in cells],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                    "language": "python"},
                     "language_info": {"name": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }, indent=1)
