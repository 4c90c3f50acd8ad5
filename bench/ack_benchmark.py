"""People typing during a slot: how fast `/opportunity new …` is acknowledged while the same process
delivers a reflection slot to N reps (issue 14: p95 within 1.2× of a bare Bolt app on the same server).

Three servers, one at a time busy, the same waitress set-up (bot/server.make_server, WORKER_THREADS):
a bare Bolt app that only acks (bench/bare_bolt.py); the real `python -m bot` with its scheduler off
(ours, idle); and the real `python -m bot` with its scheduler on and REFLECTION_SLOT set to this minute
in New York, so its first tick (10 s after start) delivers the slot to N reps with a cold zone cache
through the rate-limited local Slack of the fan-out benchmark (bench/slack_limits.py; `--speedup`).

Each burst is `--size` signed slash commands (Slack's form body, X-Slack-Signature, a different rep and
trigger id each) sent at once on fresh connections; a request's time is until its HTTP response, the
acknowledgement. The text is the goal's: `new` alone, which acks at once and then opens the form;
`--quick-entry` sends `new Acme renewal 48k stage:disc` instead, the heavier path, the deal saved
before the ack.

Bursts alternate between the bare app and ours, round by round in ABBA order, `--spacing` seconds
apart; while one server's burst runs the other is paused (SIGSTOP), in both phases, so neither's
background work (ours' Home refreshes and celebrations, the slot) loads the other's burst. The bare app
measured in both phases is the same app on the same machine: its p95 in one phase over the other is the
run's own noise, printed beside the ratios. DMs must still be arriving at the stand-in before the first
burst and after the last, or the run says so.

It drops and recreates the bot's tables in the database you give it. Never point it at real data.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import slack_limits  # noqa: E402
from bench.fanout_benchmark import TEAM, cold_start, instance_env, reset_schema, seed  # noqa: E402
from bench.slack_limits import LimitedSlack  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Opportunity  # noqa: E402

SECRET = "bench"  # instance_env's SLACK_SIGNING_SECRET
CELEBRATION_CHANNEL = "C0CELEBRATE"
GOAL = 1.2
FANOUT_WORKERS = Settings.model_fields["fanout_workers"].default


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10_000, help="reps due at the slot (10,000)")
    parser.add_argument("--bursts", type=int, default=30, help="bursts per server and phase (30)")
    parser.add_argument("--size", type=int, default=20, help="simultaneous commands in a burst (20)")
    parser.add_argument("--spacing", type=float, default=2.0, help="seconds between bursts (2)")
    slack_limits.add_options(parser, speedup=1)
    parser.add_argument("--workers", type=int, default=FANOUT_WORKERS, help="FANOUT_WORKERS (the default)")
    parser.add_argument(
        "--quick-entry",
        action="store_true",
        help="send `new Acme renewal 48k stage:disc` (saved before the ack; the bare app stores each one too)",
    )
    parser.add_argument(
        "--celebrations", action="store_true", help="with --quick-entry: every new deal is celebrated in a channel"
    )
    parser.add_argument("--idle-only", action="store_true", help="measure without a slot (no busy phase)")
    args = parser.parse_args(argv)
    if args.celebrations and not args.quick_entry:
        parser.error("--celebrations needs --quick-entry: only a saved deal is celebrated")
    return args


def command_body(user: str, text: str, trigger: str, response_url: str) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "acme-sales",
            "channel_id": "C1",
            "channel_name": "sales",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/opportunity",
            "text": text,
            "api_app_id": "A1",
            "response_url": response_url,
            "trigger_id": trigger,
        }
    )


def post_signed(url: str, body: str) -> tuple[int, float]:
    """One slash command as Slack sends it; (HTTP status, seconds until the response)."""
    stamp = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        },
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return response.status, time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, time.perf_counter() - started
    except OSError:
        return 0, time.perf_counter() - started


def burst(url: str, users: list[str], label: str, response_url: str, entry: bool = False) -> list[tuple[int, float]]:
    """All at once: every thread has its body built and waits at a barrier before sending."""
    gate = threading.Barrier(len(users))
    results: list[tuple[int, float]] = [(0, 0.0)] * len(users)

    def one(index: int, user: str) -> None:
        text = f"new Acme renewal {label}-{index} 48k stage:disc" if entry else "new"
        body = command_body(user, text, f"{label}.{index}.{time.time_ns()}", response_url)
        gate.wait()
        results[index] = post_signed(url, body)

    threads = [threading.Thread(target=one, args=(n, user)) for n, user in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class Server:
    """A child process serving /slack/events on `port`; its output goes to a file, never a pipe."""

    def __init__(self, command: list[str], env: dict[str, str], port: int) -> None:
        self.port, self.log = port, tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{port}/slack/events"
        deadline = time.monotonic() + 60
        while not self._listening():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command} did not start listening:\n{self.stop()}")
            time.sleep(0.1)

    def _listening(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                return True
        except OSError:
            return False

    def pause(self, paused: bool) -> None:
        os.kill(self.process.pid, signal.SIGSTOP if paused else signal.SIGCONT)

    def stop(self) -> str:
        """SIGTERM (a graceful stop), SIGKILL if it is still going after 30 s; its output."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.seek(0)
        output = self.log.read().decode("utf-8", errors="replace")
        self.log.close()
        return output


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def slot_now() -> str:
    """REFLECTION_SLOT for this very minute in New York (the stand-in puts every rep there)."""
    local = datetime.now(ZoneInfo("America/New_York")) - timedelta(minutes=1)
    return f"{local:%a} {local:%H:%M}".lower()


def stats(results: list[tuple[int, float]]) -> dict:
    times = sorted(seconds for _, seconds in results)
    rank = max(0, -(-95 * len(times) // 100) - 1)  # nearest rank
    return {
        "p50": times[len(times) // 2],
        "p95": times[rank],
        "max": times[-1],
        "requests": len(times),
        "statuses": dict(Counter(status for status, _ in results)),
    }


def rounds(bare: Server, ours: Server, people: list[str], phase: str, args, slack: LimitedSlack) -> dict:
    """`--bursts` rounds, ABBA: each round one burst at each server, the other server paused (SIGSTOP)
    meanwhile, so neither's background work loads the other's burst."""
    measured: dict[str, list] = {"bare": [], "ours": []}
    slowest: dict[str, list[float]] = {"bare": [], "ours": []}  # each burst's slowest answer, in order
    own_p95: dict[str, list[float]] = {"bare": [], "ours": []}  # each burst's own p95, in order
    offset = {"idle": 0, "busy": args.bursts * args.size + args.size}[phase]
    for target in (bare, ours):  # a warm-up burst each: first requests import and connect lazily
        burst(target.url, people[offset : offset + args.size], f"{phase}-warm", slack.response_url, args.quick_entry)
    for number in range(args.bursts):
        order = [("ours", ours), ("bare", bare)] if number % 2 == 0 else [("bare", bare), ("ours", ours)]
        for name, target in order:
            time.sleep(args.spacing)
            start = (offset + args.size * (number + 1)) % len(people)
            users = (people * 2)[start : start + args.size]
            other = ours if name == "bare" else bare  # paused while this one's burst runs, in both phases
            other.pause(True)
            try:
                answers = burst(target.url, users, f"{phase}-{number}", slack.response_url, args.quick_entry)
                measured[name] += answers
                slowest[name].append(max(seconds for _, seconds in answers))
                own_p95[name].append(stats(answers)["p95"])
            finally:
                other.pause(False)
    return {
        name: {**stats(results), "bursts": slowest[name], "burst_p95": own_p95[name]}
        for name, results in measured.items()
    }


def paired(phase: dict) -> float:
    """The median, over rounds, of one round's two bursts compared (ours' p95 ÷ the bare app's p95): the
    two ran seconds apart, so a machine that slows down for a while slows both."""
    ratios = [ours / bare for ours, bare in zip(phase["ours"]["burst_p95"], phase["bare"]["burst_p95"], strict=True)]
    return statistics.median(ratios)


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def run(slack: LimitedSlack, db: Database, url: str, people: list[str], args, folder: str) -> dict:
    env = instance_env(slack, url, args)
    bare_port = free_port()
    bare_command = [sys.executable, "-m", "bench.bare_bolt", "--port", str(bare_port)]
    # The floor stores in a database of the same kind, never in the bot's own SQLite file (the bot is paused
    # mid-write while the floor's bursts run, and SQLite's one writer would make the floor wait on it).
    floor_url = args.database_url if db.dialect == "postgresql" else f"sqlite:///{folder}/bare.db"
    bare_command += ["--slack-api-url", slack.base_url, "--db-url", floor_url]
    bare_command += ["--store"] if args.quick_entry else []
    if args.celebrations:
        env["CELEBRATION_CHANNEL"] = CELEBRATION_CHANNEL
    bare = Server(bare_command, env, bare_port)
    result: dict = {"dialect": db.dialect, "reps": args.reps, "logs": {}}
    try:
        port = free_port()
        idle = Server([sys.executable, "-m", "bot"], {**env, "PORT": str(port), "SCHEDULER_ENABLED": "false"}, port)
        try:
            result["idle"] = rounds(bare, idle, people, "idle", args, slack)
        finally:
            result["logs"]["idle"] = idle.stop()
        result["celebrated"] = slack.delivered[CELEBRATION_CHANNEL]
        if args.idle_only:
            result["busy"] = None
            return finish(result, db, slack)
        cold_start(db)
        slack.reset()
        port = free_port()
        busy_env = {**env, "PORT": str(port), "SCHEDULER_ENABLED": "true", "REFLECTION_SLOT": slot_now()}
        busy_env["SHUTDOWN_GRACE_SECONDS"] = "2"  # stopped mid-slot once measured: the rest is not needed
        busy = Server([sys.executable, "-m", "bot"], busy_env, port)
        try:
            result["slot_started"] = wait_for(lambda: len(slack.delivered) > 0, 120 + args.reps / 50)
            result["dms_before"] = before = len(slack.delivered)
            result["busy"] = rounds(bare, busy, people, "busy", args, slack)
            after = len(slack.delivered)
            result["dm_after"] = wait_for(lambda: len(slack.delivered) > after, 10)
            result["dms_during"] = after - before
            result["slot_finished"] = len(slack.delivered) >= args.reps
        finally:
            result["logs"]["busy"] = busy.stop()
    finally:
        result["logs"]["bare"] = bare.stop()
    return finish(result, db, slack)


def finish(result: dict, db: Database, slack: LimitedSlack) -> dict:
    """The run's figures: each phase's ratios, and the goal judged on the slot phase (or the idle one alone)."""
    with db.transaction() as session:  # the deals the bursts opened (the seed gives every rep two of its own)
        result["deals"] = session.scalar(
            select(func.count()).select_from(Opportunity).where(Opportunity.name.not_like("% deal %"))
        )
    result["ratio_idle"] = result["idle"]["ours"]["p95"] / result["idle"]["bare"]["p95"]
    result["paired_idle"] = paired(result["idle"])
    result["calls"], result["limited"] = dict(slack.calls), dict(slack.limited)
    if result.get("busy") is None:
        result["goal_met"] = result["ratio_idle"] <= GOAL
        return result
    result["ratio_busy"] = result["busy"]["ours"]["p95"] / result["busy"]["bare"]["p95"]
    result["paired_busy"] = paired(result["busy"])
    result["goal_met"] = result["ratio_busy"] <= GOAL
    result["slot_cost"] = result["busy"]["ours"]["p95"] / result["idle"]["ours"]["p95"]
    result["noise"] = result["busy"]["bare"]["p95"] / result["idle"]["bare"]["p95"]
    return result


def report(result: dict, args) -> None:
    def line(label: str, figures: dict) -> str:
        codes = ", ".join(f"{code}: {count}" for code, count in sorted(figures["statuses"].items()))
        return (
            f"    {label:<24} p50 {figures['p50'] * 1000:6.1f} ms  p95 {figures['p95'] * 1000:6.1f} ms  "
            f"max {figures['max'] * 1000:6.1f} ms  ({figures['requests']} requests; HTTP {codes})"
        )

    form = (
        "`/opportunity new Acme renewal … 48k stage:disc`"
        if args.quick_entry
        else "`/opportunity new` (opens the form)"
    )
    posts = result["celebrated"]
    celebrated = f", each new deal celebrated in a channel ({posts:,} posts)" if args.celebrations else ""
    print(f"[{result['dialect']}] {args.bursts} bursts of {args.size} {form} per server and phase{celebrated}:")
    floor = "bare Bolt, stores first" if args.quick_entry else "bare Bolt"
    print(line(f"{floor} (idle)", result["idle"]["bare"]))
    print(line("ours, no fan-out", result["idle"]["ours"]))
    if result["busy"] is None:
        print(f"    p95 ours ÷ bare: {result['ratio_idle']:.2f}×; round by round {result['paired_idle']:.2f}×")
        print(f"    deals stored {result['deals']:,}")
        print(f"    goal (p95 ≤ {GOAL}× bare): {'met' if result['goal_met'] else 'missed'}")
        return
    print(line(f"{floor} (slot)", result["busy"]["bare"]))
    print(line("ours, during the slot", result["busy"]["ours"]))
    bursts = ", ".join(f"{seconds * 1000:.0f}" for seconds in result["busy"]["ours"]["bursts"])
    print(f"    ours during the slot, each burst's slowest answer (ms, in order): {bursts}")
    print(f"    p95 ours ÷ bare: no fan-out {result['ratio_idle']:.2f}×, during the slot {result['ratio_busy']:.2f}×")
    print(
        f"    round by round (median of each round's burst p95, ours ÷ bare): no fan-out "
        f"{result['paired_idle']:.2f}×, during the slot {result['paired_busy']:.2f}×"
    )
    print(f"    what the slot costs people: p95 ours during it ÷ ours with no fan-out {result['slot_cost']:.2f}×")
    print(f"    this run's noise: p95 of the same bare app, slot phase ÷ idle phase {result['noise']:.2f}×")
    arriving = "yes" if result["dms_before"] and result["dm_after"] else "NO: the slot was not being delivered"
    print(
        f"    DMs: {result['dms_before']:,} before the first burst, {result['dms_during']:,} during the bursts, "
        f"still arriving after the last: {arriving}; deals stored {result['deals']:,}"
    )
    verdict = "met" if result["goal_met"] else "missed"
    print(f"    goal (p95 during the slot ≤ {GOAL}× bare): {verdict}")


def main(argv: list[str] | None = None) -> dict:
    args = arguments(argv)

    def prepare(db: Database) -> list[str]:
        reset_schema(db)
        return seed(db, args.reps)

    limits = f"limits × {args.speedup:g}; {args.workers} fan-out workers"
    with slack_limits.seeded_run(args, "ack.db", prepare, limits) as (url, db, people, slack, folder):
        result = run(slack, db, url, people, args, folder)
    report(result, args)
    return result


if __name__ == "__main__":
    main()
