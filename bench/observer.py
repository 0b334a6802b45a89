#!/usr/bin/env python3
"""Availability observer: an outside view of some containers, independent of HMS.

    bench/observer.py [--duration S] [--csv FILE] [--json FILE] NAME...

Ten times a second (--rate) it takes a sample: for each target container,
is it running, and does it answer one ICMP echo within 90 ms (--timeout).
A target is *up* at a sample when both hold; the platform is up when every
target is.

* Running: the initial state comes from the Docker Engine API (inspect),
  then the engine's events stream (`docker events`) keeps it current:
  start/unpause make a target running (its address is read again, since a
  restarted container may get another one), die/stop/pause/destroy make
  it not running.
* Answers: at every sample one `fping -c1 -t 90 -i 1 -q` is launched for
  the addresses of the running targets; it finishes in at most ~95 ms, its
  result is collected without blocking the next sample (a late one may
  overlap it), so the samples stay on a fixed 100 ms grid.

Writes a time series (--csv: t, then 1 up / 0 down per target) and, at the
end, a JSON summary (--json, and stdout): availability (% of samples in
which every target is up), per-target availability, outages (runs of
consecutive down samples of one target), mean and max time to recovery
(length of an outage that ended), duration. Stops on SIGTERM/SIGINT or
after --duration. Needs root (fping sends raw ICMP) and the docker CLI.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=5):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Engine:
    """The bits of the Docker Engine API the observer needs."""

    def __init__(self, path):
        self.path = path

    def inspect(self, name):
        conn = UnixHTTPConnection(self.path)
        try:
            conn.request("GET", f"/containers/{name}/json")
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                return None
            return json.loads(body)
        finally:
            conn.close()


def ip_of(info):
    settings = info.get("NetworkSettings") or {}
    if settings.get("IPAddress"):
        return settings["IPAddress"]
    networks = settings.get("Networks") or {}
    for name in sorted(networks):
        ip = (networks[name] or {}).get("IPAddress")
        if ip:
            return ip
    return None


class Targets:
    """Running state and address of each target, kept by the events thread."""

    UP_ACTIONS = {"start", "unpause"}
    DOWN_ACTIONS = {"die", "stop", "pause", "destroy", "oom"}

    def __init__(self, names, engine):
        self.names = names
        self.engine = engine
        self.lock = threading.Lock()
        self.running = {n: False for n in names}
        self.ip = {n: None for n in names}
        self.since_ns = {n: 0 for n in names}  # ignore events older than this
        self.events = 0
        self.proc = None

    def refresh(self, name):
        """Reads the target's state and address from the engine."""
        stamp = time.time_ns()
        info = self.engine.inspect(name)
        running = bool(info and (info.get("State") or {}).get("Running")
                       and not (info.get("State") or {}).get("Paused"))
        ip = ip_of(info) if info else None
        with self.lock:
            self.running[name] = running and ip is not None
            self.ip[name] = ip
            self.since_ns[name] = stamp

    def start(self):
        cmd = ["docker", "events", "--format", "{{json .}}", "--filter", "type=container"]
        for n in self.names:
            cmd += ["--filter", f"container={n}"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, bufsize=1)
        time.sleep(0.2)  # let the stream open before the initial state is read
        for n in self.names:
            self.refresh(n)
        threading.Thread(target=self._follow, daemon=True).start()

    def _follow(self):
        for line in self.proc.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            action = (ev.get("Action") or ev.get("status") or "").split(":")[0]
            name = ((ev.get("Actor") or {}).get("Attributes") or {}).get("name")
            if name not in self.running:
                continue
            stamp = int(ev.get("timeNano") or 0)
            self.events += 1
            if action in self.UP_ACTIONS:
                # The address may have changed: read it again (the target
                # counts as down until then).
                if stamp >= self.since_ns[name]:
                    self.refresh(name)
            elif action in self.DOWN_ACTIONS:
                with self.lock:
                    if stamp >= self.since_ns[name]:
                        self.running[name] = False

    def snapshot(self):
        with self.lock:
            return {n: (self.running[n], self.ip[n]) for n in self.names}

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def parse_fping(text):
    """Addresses that answered, from fping -c1 -q's summary lines."""
    answered = set()
    for line in text.splitlines():
        if "xmt/rcv" not in line:
            continue
        ip = line.split(":", 1)[0].strip()
        try:
            counts = line.split("=", 1)[1].strip().split(",")[0].split("/")
            if int(counts[1]) > 0:
                answered.add(ip)
        except (IndexError, ValueError):
            pass
    return answered


def summarise(names, rows, period, late, events, started, ended):
    """rows: list of (t, [0/1 per target], [reason per target])."""
    n = len(rows)
    all_up = sum(1 for _, ups, _ in rows if all(ups))
    per = {}
    ttrs_all = []
    outages_all = 0
    for i, name in enumerate(names):
        ups = [r[1][i] for r in rows]
        reasons = [r[2][i] for r in rows]
        outages, ttrs, run, unrecovered = 0, [], 0, 0
        for u in ups:
            if not u:
                if run == 0:
                    outages += 1
                run += 1
            elif run:
                ttrs.append(run * period)
                run = 0
        if run:
            unrecovered = 1
        outages_all += outages
        ttrs_all += ttrs
        per[name] = {
            "availability": 100.0 * sum(ups) / n if n else 0.0,
            "outages": outages,
            "unrecovered": unrecovered,
            "down_not_running": sum(1 for r in reasons if r == "stopped"),
            "down_no_reply": sum(1 for r in reasons if r == "noreply"),
            "ttr_mean_s": sum(ttrs) / len(ttrs) if ttrs else None,
            "ttr_max_s": max(ttrs) if ttrs else None,
        }
    # Platform outages: runs of samples where some target is down.
    plat, run = [], 0
    for _, ups, _ in rows:
        if not all(ups):
            run += 1
        elif run:
            plat.append(run * period)
            run = 0
    return {
        "targets": names,
        "samples": n,
        "period_s": period,
        "duration_s": n * period,
        "wall_s": ended - started,
        "started_unix": started,
        "availability": 100.0 * all_up / n if n else 0.0,
        "per_target": per,
        "outages": outages_all,
        "unrecovered": sum(p["unrecovered"] for p in per.values()),
        "ttr_mean_s": sum(ttrs_all) / len(ttrs_all) if ttrs_all else None,
        "ttr_max_s": max(ttrs_all) if ttrs_all else None,
        "platform_outages": len(plat) + (1 if run else 0),
        "platform_ttr_mean_s": sum(plat) / len(plat) if plat else None,
        "late_samples": late,
        "docker_events": events,
    }


def main():
    ap = argparse.ArgumentParser(description="Outside availability observer of containers.")
    ap.add_argument("names", nargs="+", metavar="NAME", help="target containers")
    ap.add_argument("--duration", type=float, default=0, help="seconds to run (0: until SIGTERM)")
    ap.add_argument("--rate", type=float, default=10.0, help="samples per second (default 10)")
    ap.add_argument("--timeout", type=int, default=90, help="echo timeout in ms (default 90)")
    ap.add_argument("--csv", help="time series output (t, 1/0 per target)")
    ap.add_argument("--json", help="summary output (also printed on stdout)")
    ap.add_argument("--docker", default="/var/run/docker.sock", help="Docker engine socket")
    args = ap.parse_args()

    period = 1.0 / args.rate
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    targets = Targets(args.names, Engine(args.docker))
    targets.start()
    out = open(args.csv, "w", buffering=1) if args.csv else None
    if out:
        out.write("t," + ",".join(args.names) + "\n")

    rows = {}
    pending = []  # (k, t, snapshot, Popen or None)
    late = 0
    written = 0

    def collect(block):
        nonlocal pending
        still = []
        for k, t, snap, proc in pending:
            if proc is not None:
                if proc.poll() is None and not block:
                    still.append((k, t, snap, proc))
                    continue
                try:
                    _, err = proc.communicate(timeout=2)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    _, err = proc.communicate()
                answered = parse_fping(err)
            else:
                answered = set()
            ups, reasons = [], []
            for name in args.names:
                running, ip = snap[name]
                if not running:
                    ups.append(0)
                    reasons.append("stopped")
                elif ip in answered:
                    ups.append(1)
                    reasons.append("up")
                else:
                    ups.append(0)
                    reasons.append("noreply")
            rows[k] = (t, ups, reasons)
        pending = still

    def flush():
        nonlocal written
        while written in rows:
            t, ups, _ = rows[written]
            if out:
                out.write(f"{t:.3f}," + ",".join(map(str, ups)) + "\n")
            written += 1

    started = time.time()
    t0 = time.monotonic()
    k = 0
    while not stop.is_set():
        tick = t0 + k * period
        if args.duration and k * period >= args.duration:
            break
        now = time.monotonic()
        if tick > now:
            if stop.wait(tick - now):
                break
        elif now - tick > period / 2:
            late += 1
        snap = targets.snapshot()
        ips = [ip for running, ip in snap.values() if running and ip]
        proc = None
        if ips:
            proc = subprocess.Popen(
                ["fping", "-c1", "-t", str(args.timeout), "-i", "1", "-q"] + ips,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        pending.append((k, time.monotonic() - t0, snap, proc))
        collect(False)
        flush()
        k += 1
    collect(True)
    flush()
    ended = time.time()
    targets.stop()
    if out:
        out.close()

    summary = summarise(args.names, [rows[i] for i in range(written)], period, late,
                        targets.events, started, ended)
    text = json.dumps(summary, indent=1)
    if args.json:
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, args.json)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
