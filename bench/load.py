"""Driving the server from outside: log in once, then run wrk for a fixed time."""

import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import requests

LUA_SCRIPT = Path(__file__).with_name("wrk") / "stats.lua"
# What the TLS-terminating proxy in front of gunicorn adds in production.
HTTPS = {"X-Forwarded-Proto": "https"}
TOTALS = "BENCH_JSON "
QUANTILES = "BENCH_QUANTILES "


@dataclass
class Session:
    """A logged-in staff user's cookies, as a browser behind the proxy would send them."""

    base_url: str
    origin: str
    sessionid: str
    csrftoken: str

    def headers(self) -> dict[str, str]:
        return {**HTTPS, "Cookie": f"sessionid={self.sessionid}; csrftoken={self.csrftoken}"}

    def post_headers(self, referer_path: str) -> dict[str, str]:
        """What htmx sends with a POST: the CSRF header, and a same-origin Origin and Referer."""
        return {
            **self.headers(),
            "X-CSRFToken": self.csrftoken,
            "Origin": self.origin,
            "Referer": self.origin + referer_path,
        }


def cookies_of(response: requests.Response) -> dict[str, str]:
    """Set-Cookie values, read directly: they are Secure, so a jar would not send them over HTTP."""
    jar = SimpleCookie()
    for header in response.raw.headers.getlist("Set-Cookie"):
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def log_in(base_url: str, username: str, password: str) -> Session:
    origin = "https://" + base_url.split("://", 1)[1]
    login = f"{base_url}/accounts/login/"
    page = requests.get(login, headers=HTTPS, allow_redirects=False, timeout=10)
    page.raise_for_status()
    csrftoken = cookies_of(page)["csrftoken"]
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = requests.post(
        login,
        data={"username": username, "password": password, "csrfmiddlewaretoken": form_token},
        headers={
            **HTTPS,
            "Cookie": f"csrftoken={csrftoken}",
            "Origin": origin,
            "Referer": origin + "/accounts/login/",
        },
        allow_redirects=False,
        timeout=10,
    )
    cookies = cookies_of(answer)
    if answer.status_code != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"Logging in failed: HTTP {answer.status_code}")
    # Django gives a new CSRF token at login.
    session = Session(base_url, origin, cookies["sessionid"], cookies.get("csrftoken", csrftoken))
    who = requests.get(f"{base_url}/whoami", headers=session.headers(), timeout=10)
    if who.status_code != 200 or who.json().get("username") != username:
        raise RuntimeError(f"/whoami after login answered HTTP {who.status_code}")
    return session


@dataclass
class LoadSettings:
    duration: int  # measured seconds per scenario, in slices of `slice` seconds
    warmup: int
    slice: int  # wrk takes whole seconds
    connections: int
    threads: int
    timeout: float

    def describe(self) -> dict:
        return {
            "tool": wrk_version(),
            "script": str(LUA_SCRIPT.relative_to(LUA_SCRIPT.parents[2])),
            "duration_s": self.duration,
            "slice_s": self.slice,
            "warmup_s": self.warmup,
            "connections": self.connections,
            "threads": self.threads,
            "timeout_s": self.timeout,
            "keep_alive": True,
        }


@dataclass
class Target:
    """What one scenario sends: requests rotate over `lines` (METHOD, path, extra headers)."""

    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    lines: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    connections: int | None = None  # default: the settings' number


def wrk_version() -> str:
    result = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    first = (result.stdout or result.stderr).splitlines()[0]
    return first.split(" Copyright")[0].strip()


def run_wrk(target: Target, settings: LoadSettings, *, duration: int) -> tuple[dict, list]:
    """One wrk run: its totals and its latency quantiles [(percent, µs)]."""
    connections = target.connections or settings.connections
    threads = max(1, min(settings.threads, connections))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        for method, path, extra in target.lines:
            cells = [method, path, *(f"{name}: {value}" for name, value in extra.items())]
            listing.write("\t".join(cells) + "\n")
    try:
        command = [
            "wrk",
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={duration}s",
            f"--timeout={settings.timeout:g}s",
            f"--script={LUA_SCRIPT}",
        ]
        for name, value in target.headers.items():
            command += ["--header", f"{name}: {value}"]
        env = {**os.environ, "BENCH_TARGETS": listing.name if target.lines else ""}
        result = subprocess.run(
            [*command, target.url],
            capture_output=True,
            text=True,
            env=env,
            timeout=duration + settings.timeout + 30,
            check=False,
        )
    finally:
        os.unlink(listing.name)
    totals = quantiles = None
    for line in result.stdout.splitlines():
        if line.startswith(TOTALS):
            totals = json.loads(line[len(TOTALS) :])
        elif line.startswith(QUANTILES):
            quantiles = [
                (float(p), int(us))
                for p, us in (item.split(":") for item in line.split()[1].split(","))
            ]
    if totals is None or quantiles is None:
        output = (result.stdout + result.stderr)[-2000:]
        raise RuntimeError(f"wrk gave no result (exit {result.returncode}): {output}")
    return totals, quantiles


ERROR_KEYS = ("not_2xx", "connect_errors", "read_errors", "write_errors", "timeouts")


@dataclass
class Merged:
    """Several runs of one scenario as one distribution (quantiles weighted by request count)."""

    requests: int = 0
    seconds: float = 0.0
    bytes: int = 0
    runs: int = 0
    max_us: int = 0
    errors: dict = field(default_factory=lambda: dict.fromkeys(ERROR_KEYS, 0))
    first_not_2xx: str = ""
    points: list = field(default_factory=list)  # (µs, weight)

    def add(self, totals: dict, quantiles: list) -> None:
        self.runs += 1
        self.requests += totals["requests"]
        self.seconds += totals["duration_us"] / 1e6
        self.bytes += totals["bytes"]
        self.max_us = max(self.max_us, totals["max_us"])
        for key in ERROR_KEYS:
            self.errors[key] += totals[key]
        self.first_not_2xx = self.first_not_2xx or totals["first_not_2xx"]
        previous = 0.0
        for percent, micros in quantiles:
            self.points.append((micros, totals["requests"] * (percent - previous) / 100))
            previous = percent

    def percentile(self, percent: float) -> float:
        """The smallest latency (ms) that `percent` % of the requests did not exceed."""
        total = sum(weight for _us, weight in self.points)
        wanted, seen = total * percent / 100, 0.0
        for micros, weight in sorted(self.points):
            seen += weight
            if seen >= wanted - 1e-9:
                return micros / 1000
        return self.max_us / 1000

    def result(self, connections: int) -> dict:
        errors = sum(self.errors.values())
        return {
            "connections": connections,
            "requests": self.requests,
            "runs": self.runs,
            "rps": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": self.percentile(50),
            "p90_ms": self.percentile(90),
            "p95_ms": self.percentile(95),
            "p99_ms": self.percentile(99),
            "max_ms": self.max_us / 1000,
            "errors": errors,
            "error_detail": {**self.errors, "first_not_2xx": self.first_not_2xx},
            "bytes_per_response": round(self.bytes / self.requests) if self.requests else 0,
        }


def measure_together(targets: list[Target], settings: LoadSettings) -> dict[str, dict]:
    """Scenarios measured in turns of `slice` seconds, after a warm-up of each.

    Interleaving spreads the machine's noise over all of them alike, so that their
    ratios hold even when the absolute numbers drift during the run.
    """
    merged = {target.name: Merged() for target in targets}
    if settings.warmup > 0:
        for target in targets:
            run_wrk(target, settings, duration=settings.warmup)
    rounds = max(1, round(settings.duration / settings.slice))
    for turn in range(rounds):
        shift = turn % len(targets)  # each scenario takes each place in the order
        for target in targets[shift:] + targets[:shift]:
            merged[target.name].add(*run_wrk(target, settings, duration=settings.slice))
    return {
        target.name: merged[target.name].result(target.connections or settings.connections)
        for target in targets
    }
