"""Throughput against the production server: gunicorn on 127.0.0.1, 20 concurrent clients.

The load comes from ``wrk`` when it is installed (``apt-get install wrk``), otherwise from a small
client of our own (threads, one connection per request as gunicorn's sync workers close them).
Both are bounded in duration; ours also in number of requests. Loopback only.
"""

import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float | None
    p99_ms: float | None

    @property
    def rps(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0


class Server:
    """Run gunicorn with ``bench.settings`` on ``port`` for the duration of a ``with`` block."""

    def __init__(self, *, port: int, workers: int, env: dict):
        self.port, self.workers, self.env = port, workers, env
        self.process = None

    def __enter__(self):
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"{HOST}:{self.port}",
                   "--workers", str(self.workers), "--timeout", "120", "--log-level", "warning"]
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn s'est arrêté ; voir {self.log.name}")
            try:
                if fetch(self.port, "GET", "/bench/trivial/", {})[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn ne répond pas sur le port {self.port} ; voir {self.log.name}")

    def _busy_ticks(self) -> int:
        """Return the CPU ticks used so far by gunicorn's workers."""
        total = 0
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return 0
        for pid in children:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except (OSError, IndexError, ValueError):
                continue
        return total

    def wait_idle(self, timeout: float = 180) -> None:
        """Wait until the workers have finished what a load run left behind (abandoned slow requests)."""
        deadline = time.monotonic() + timeout
        before = self._busy_ticks()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            after = self._busy_ticks()
            if after - before <= 2:  # under 2 % of a CPU over half a second: idle
                return
            before = after

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def fetch(port: int, method: str, url: str, headers: dict, body: str | None = None) -> tuple[int, int]:
    """Send one request on a new connection; return the status and the body's length."""
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        connection.request(method, url, body=body, headers={"Host": HOST, **headers})
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


def request_parts(page: dict, cookies: dict) -> tuple[dict, str | None]:
    """Return the headers and body of ``page`` for a user whose cookies are ``cookies``."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    body = None
    if page["method"] == "POST":
        body = urllib.parse.urlencode({**page["data"], "csrfmiddlewaretoken": cookies["csrftoken"]}, doseq=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return headers, body


def run_wrk(port: int, page: dict, cookies: dict, *, clients: int, duration: int) -> LoadResult:
    headers, body = request_parts(page, cookies)
    command = ["wrk", f"-t{min(clients, os.cpu_count() or 2)}", f"-c{clients}", f"-d{duration}s", "--timeout", "60s",
               "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    script = None
    if body is not None:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
        script.write(f'wrk.method = "POST"\nwrk.body = "{body}"\n')
        script.close()
        command += ["-s", script.name]
    command.append(f"http://{HOST}:{port}{page['url']}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if script:
        os.unlink(script.name)
    total = int(re.search(r"(\d+) requests in", output).group(1))
    seconds = _wrk_seconds(re.search(r"requests in ([\d.]+)(\w+),", output))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return LoadResult(total, min(errors, total), seconds, _wrk_ms(output, "50%"), _wrk_ms(output, "99%"))


def _wrk_seconds(match) -> float:
    value, unit = float(match.group(1)), match.group(2)
    return value * {"ms": 0.001, "s": 1, "m": 60}[unit]


def _wrk_ms(output: str, percentile: str) -> float | None:
    match = re.search(rf"^\s+{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if not match:
        return None
    return float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]


def run_threads(port: int, page: dict, cookies: dict, *, clients: int, duration: int,
                max_requests: int = 20000) -> LoadResult:
    """Our own load client: ``clients`` threads, each sending requests until the time or count is up."""
    headers, body = request_parts(page, cookies)
    latencies, errors = [], [0]
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + duration

    def worker():
        while time.monotonic() < deadline:
            with lock:
                if len(latencies) >= max_requests:
                    return
            begin = time.monotonic()
            try:
                status, _length = fetch(port, page["method"], page["url"], headers, body)
                failed = status != 200
            except OSError:
                failed = True
            with lock:
                latencies.append((time.monotonic() - begin) * 1000)
                errors[0] += failed

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else None
    return LoadResult(len(latencies), errors[0], elapsed, statistics.median(ordered) if ordered else None, p99)


def load_tool() -> str:
    return "wrk" if shutil.which("wrk") else "threads"


def run(server: Server, page: dict, cookies: dict, *, clients: int, duration: int, tool: str) -> LoadResult:
    """Warm every worker on ``page``, then measure it under ``clients`` concurrent clients."""
    run_threads(server.port, page, cookies, clients=server.workers, duration=duration, max_requests=server.workers)
    server.wait_idle()
    runner = run_wrk if tool == "wrk" else run_threads
    result = runner(server.port, page, cookies, clients=clients, duration=duration)
    server.wait_idle()
    return result
