#!/usr/bin/env python3
"""A burst of container starts and removals, followed by a real manager.

    bench/burst.py --manager BUILD/manager/hms-manager --hmsctl BUILD/controller/hmsctl
                   [--count 200] [--bursts 5] [--concurrency 32] [--out FILE]

Run as root (the manager probes with a raw ICMP socket), usually from
bench/hostscale.sh. A manager is started on loopback ports it picks itself
(--pub tcp://127.0.0.1:*), watching only the containers labelled
hms.hostscale=burst, with no state file. An observer subscribes to its PUB
socket (`hmsctl watch --json`, which stamps every message on arrival:
received_ms) and applies the updates (HMS/2 deltas) to its own copy of the
table, as a controller does; a notice or a gap in update_seq makes it fetch
the table (`hmsctl status --json`), stamped when the answer came.

Each burst:
  1. creates COUNT containers (not timed) and waits until the manager's
     table has them all (created, status stopped);
  2. starts them all at once (POST /containers/{id}/start, CONCURRENCY
     requests in flight): the table is right when every container is
     running, active and has its address (the prober needs it);
  3. removes them all at once (DELETE /containers/{id}?force=true): the
     manager heals a container that stops, so a stop burst would end with
     the containers running again; removal is the stop whose right state is
     well defined: the table is right when none of them is left.
The lag of a phase is from the engine's last event of the burst (start, then
destroy: its timeNano, from `docker events`) to the arrival of the update
after which the observer's table is right and stays right: after the starts
it is watched for --hold seconds (12), past the manager's next full listing
(every 10 s), and any lapse is counted. Per container, the lag is from its
own event to the update that made its entry right. Writes a markdown
section.
"""

import argparse
import concurrent.futures
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from observer import UnixHTTPConnection  # bench/observer.py, beside this file

API = "/v1.41"
LABEL_KEY, LABEL_VALUE = "hms.hostscale", "burst"


def engine(method, path, body=None, sock="/var/run/docker.sock"):
    """One Engine API call; returns (status, parsed body or None)."""
    conn = UnixHTTPConnection(sock, timeout=120)  # a start waits for the engine
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, API + path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        data = response.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return response.status, parsed
    finally:
        conn.close()


def ms(value):
    """Milliseconds, rounded, without a "-0"."""
    return f"{round(value) or 0:d}"


def now_ms():
    return time.time_ns() / 1e6


class Observer:
    """A copy of the manager's table, kept from its published updates."""

    def __init__(self, hmsctl, pub, address):
        self.hmsctl, self.address = hmsctl, address
        self.lock = threading.Condition()
        self.table = {}  # id -> entry
        self.seq = None  # last update_seq applied
        self.records = []  # (received_ms, total, running_active, with_address)
        self.heartbeats = 0
        self.updates = 0
        self.snapshots = 0  # tables fetched after a notice or a gap
        self.right_at = {}  # id -> received_ms of the update that made it running, active
        #                     and addressed (since it was last not)
        self.gone_at = {}  # id -> received_ms of the update that removed it
        self.known = set()  # ids in the table at the last record
        self.history = {}  # id -> [(received_ms, state, status, ip)], for --keep
        self.proc = subprocess.Popen([hmsctl, "--pub", pub, "--json", "watch"],
                                     stdout=subprocess.PIPE, text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _snapshot(self):
        out = subprocess.run([self.hmsctl, "-H", self.address, "--json", "status"],
                             capture_output=True, text=True, check=True).stdout
        at = now_ms()
        reply = json.loads(out)
        self.table = {entry["id"]: entry for entry in reply.get("content", [])}
        self.seq = reply.get("update_seq")
        self.snapshots += 1
        return at

    @staticmethod
    def _right(entry):
        return entry.get("state") == "running" and entry.get("status") == "active" and \
            bool(entry.get("ip"))

    def _record(self, at):
        for i in self.known - self.table.keys():
            self.gone_at.setdefault(i, at)
        self.known = set(self.table)
        for i, entry in self.table.items():
            if self._right(entry):
                self.right_at.setdefault(i, at)
            else:
                self.right_at.pop(i, None)
        entries = self.table.values()
        running = sum(1 for e in entries if e.get("state") == "running"
                      and e.get("status") == "active")
        addressed = sum(1 for e in entries if e.get("state") == "running"
                        and e.get("status") == "active" and e.get("ip"))
        self.records.append((at, len(self.table), running, addressed))
        self.lock.notify_all()

    def _read(self):
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                if msg.get("command") == "hb":
                    self.heartbeats += 1
                    self.lock.notify_all()
                    continue
                if msg.get("command") != "update":
                    continue
                self.updates += 1
                at = msg["received_ms"]
                gap = self.seq is not None and msg["update_seq"] != self.seq + 1
                if "changes" not in msg or gap or self.seq is None and msg["update_seq"] != 1:
                    at = self._snapshot()
                else:
                    for change in msg["changes"]:
                        self.history.setdefault(change["id"], []).append(
                            (at, change.get("state"), change.get("status"), change.get("ip")))
                        if change.get("removed"):
                            self.table.pop(change["id"], None)
                        else:
                            self.table[change["id"]] = change
                    self.seq = msg["update_seq"]
                self._record(at)

    def wait(self, predicate, deadline_s):
        """Waits until predicate(table) holds; returns True, or False at the deadline."""
        end = time.monotonic() + deadline_s
        with self.lock:
            while not predicate(self):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.lock.wait(left)
        return True

    def settled(self, since_ms, until_ms, right):
        """From the records in [since_ms, until_ms]: received_ms of the first of the last
        run for which right holds (None if it does not hold at the end), and how many times
        right stopped holding after it held."""
        run, lapses, held = None, 0, False
        with self.lock:
            for record in self.records:
                if not since_ms <= record[0] <= until_ms:
                    continue
                if right(record):
                    run = run if run is not None else record[0]
                    held = True
                else:
                    lapses += held
                    run, held = None, False
        return run, lapses

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class Events:
    """The engine's events of our containers, from `docker events`."""

    def __init__(self):
        self.lock = threading.Condition()
        self.events = []  # (timeNano, action, id)
        self.proc = subprocess.Popen(
            ["docker", "events", "--format", "{{json .}}", "--filter", "type=container",
             "--filter", f"label={LABEL_KEY}={LABEL_VALUE}"],
            stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.events.append((int(event["timeNano"]), event.get("Action") or
                                    event.get("status"), event.get("id")))
                self.lock.notify_all()

    def wait(self, action, ids, deadline_s):
        """Waits for an event action of every id; returns their timeNano, or None."""
        end = time.monotonic() + deadline_s
        with self.lock:
            while True:
                seen = {i: t for t, a, i in self.events if a == action and i in ids}
                if len(seen) == len(ids):
                    return seen
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.lock.wait(left)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def parallel(calls, concurrency):
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda call: call(), calls))


def remove_ours(names):
    for name in names:
        engine("DELETE", f"/containers/{name}?force=true&v=true")


def start_manager(args, work):
    ready = os.path.join(work, "manager.ready")
    log = open(os.path.join(work, "manager.log"), "w")
    proc = subprocess.Popen([args.manager, "--label", f"{LABEL_KEY}={LABEL_VALUE}",
                             "--pub", "tcp://127.0.0.1:*", "--state-file", "",
                             "--address", "hostscale", "--ready-file", ready,
                             "--log-level", args.log_level], stdout=log, stderr=log)
    end = time.monotonic() + 10
    while not os.path.exists(ready):
        if proc.poll() is not None or time.monotonic() > end:
            sys.exit(f"burst.py: the manager did not start (see {log.name})")
        time.sleep(0.02)
    values = dict(line.strip().split("=", 1) for line in open(ready) if "=" in line)
    return proc, values["pub"]


def create_phase(args, names, observer):
    """Creates the containers and waits until the manager's table has them; returns the ids."""
    n = len(names)
    key, value = args.label.split("=", 1)
    body = {"Image": args.image, "Labels": {LABEL_KEY: LABEL_VALUE, key: value}}
    created = parallel([lambda name=name: engine("POST", f"/containers/create?name={name}", body)
                        for name in names], args.concurrency)
    ids = {reply[1]["Id"] for reply in created if reply[0] == 201}
    if len(ids) != n:
        sys.exit(f"burst.py: created {len(ids)} of {n}: {[r for r in created if r[0] != 201][:2]}")
    if not observer.wait(lambda o: len(o.table) == n, 60):
        sys.exit("burst.py: the manager's table never held the created containers")
    return ids


def start_phase(args, ids, observer, events):
    """Starts every container at once; returns the start figures."""
    n = len(ids)
    begin = now_ms()
    replies = parallel([lambda i=i: engine("POST", f"/containers/{i}/start") for i in ids],
                       args.concurrency)
    refused = [r for r in replies if r[0] != 204]
    starts = events.wait("start", ids, 60)
    ok = observer.wait(lambda o: o.records and o.records[-1][3] == n, 60)
    if refused or not starts or not ok:
        sys.exit(f"burst.py: start burst failed: {len(refused)} refused, "
                 f"events {'all' if starts else 'missing'}, table {'right' if ok else 'wrong'}")
    with observer.lock:
        each = [observer.right_at[i] - starts[i] / 1e6 for i in ids]
        for i in ids if args.keep else ():
            if observer.right_at[i] - starts[i] / 1e6 > 500:
                print(f"burst.py: {i[:12]} started at {starts[i] / 1e6:.0f}: "
                      f"{observer.history.get(i)}", file=sys.stderr)
    # The table must stay right: watched past the manager's next full
    # listing (--reconcile, 10 s), which a busy engine answers late.
    time.sleep(args.hold)
    until = now_ms()
    state_right, state_lapses = observer.settled(begin, until, lambda r: r[1] == n and r[2] == n)
    address_right, address_lapses = observer.settled(begin, until,
                                                     lambda r: r[1] == n and r[3] == n)
    if state_right is None or address_right is None:
        sys.exit("burst.py: the table did not stay right")
    last = max(starts.values()) / 1e6
    return {
        "start_span": last - min(starts.values()) / 1e6,
        "state_lag": state_right - last,
        "address_lag": address_right - last,
        "each_start": each,
        "lapses": state_lapses + address_lapses,
    }


def removal_phase(args, ids, observer, events):
    """Removes every container at once; returns the removal figures."""
    begin = now_ms()
    replies = parallel([lambda i=i: engine("DELETE", f"/containers/{i}?force=true&v=true")
                        for i in ids], args.concurrency)
    refused = [r for r in replies if r[0] != 204]
    destroys = events.wait("destroy", ids, 60)
    ok = observer.wait(lambda o: o.records and o.records[-1][1] == 0, 60)
    if refused or not destroys or not ok:
        sys.exit(f"burst.py: removal burst failed: {len(refused)} refused, "
                 f"events {'all' if destroys else 'missing'}, table {'right' if ok else 'wrong'}")
    removed_right, lapses = observer.settled(begin, now_ms(), lambda r: r[1] == 0)
    with observer.lock:
        each = [observer.gone_at[i] - destroys[i] / 1e6 for i in ids]
    last = max(destroys.values()) / 1e6
    return {
        "destroy_span": last - min(destroys.values()) / 1e6,
        "removed_lag": removed_right - last,
        "each_removal": each,
        "lapses": lapses,
    }


def one_burst(args, names, observer, events):
    """Creates, starts and removes the containers; returns the figures."""
    ids = create_phase(args, names, observer)
    load = os.getloadavg()[0]
    started = start_phase(args, ids, observer, events)
    removed = removal_phase(args, ids, observer, events)
    return {**started, **removed, "load": load,
            "lapses": started["lapses"] + removed["lapses"]}


def report(args, results, observer, load_before, load_after):
    def stats(key):
        values = [r[key] for r in results]
        return f"{ms(statistics.median(values))} | {ms(max(values))}"

    def each(key):
        values = sorted(v for r in results for v in r[key])
        return f"{ms(statistics.median(values))} | {ms(values[-1])}"

    lines = [
        f"## A burst of {args.count} container starts, then of {args.count} removals, "
        "followed by a manager",
        "",
        f"Load average {load_before} before and {load_after} after. {len(results)} bursts; "
        f"{args.concurrency} Engine API requests in flight. The manager as it starts by "
        "default (watch and judging rounds, metrics, rules), on loopback, watching only "
        "these containers.",
        "",
        "| measure (ms) | p50 | max | target |",
        "|---|---|---|---|",
        f"| starts: the engine's first to last start event | {stats('start_span')} | |",
        f"| starts: last start event -> table has all running and active | "
        f"{stats('state_lag')} | |",
        f"| starts: last start event -> table has all running, active, with their address | "
        f"{stats('address_lag')} | 1,000 |",
        "| starts, each container: its start event -> its entry running, active, with its "
        f"address | {each('each_start')} | |",
        f"| removals: the engine's first to last destroy event | {stats('destroy_span')} | |",
        f"| removals: last destroy event -> none left in the table | {stats('removed_lag')} | "
        "1,000 |",
        "| removals, each container: its destroy event -> its entry removed | "
        f"{each('each_removal')} | |",
        "",
        "Per burst (ms): " + "; ".join(
            f"start span {ms(r['start_span'])}, lag {ms(r['state_lag'])} / {ms(r['address_lag'])}, "
            f"removal span {ms(r['destroy_span'])}, lag {ms(r['removed_lag'])} "
            f"(load {r['load']:.2f})" for r in results) + ".",
        "",
        "Times the table stopped being right after it was (a late answer undoing a newer "
        f"one): {sum(r['lapses'] for r in results)}; after the starts it was watched for "
        f"{args.hold:g} s, past the manager's next full listing.",
        "",
        f"Observer: {observer.updates} updates and {observer.heartbeats} heartbeats received, "
        f"{observer.snapshots} tables fetched after a notice or a gap.",
        "",
        "Commands: `bench/burst.py --manager build/manager/hms-manager --hmsctl "
        f"build/controller/hmsctl --count {args.count} --bursts {args.bursts} --concurrency "
        f"{args.concurrency}` (run by bench/hostscale.sh); the manager runs as "
        f"`hms-manager --label {LABEL_KEY}={LABEL_VALUE} --pub 'tcp://127.0.0.1:*' "
        "--state-file '' --address hostscale`, the observer is "
        "`hmsctl --pub ENDPOINT --json watch`, the engine's events come from "
        "`docker events --format '{{json .}}'`.",
        "",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manager", required=True)
    parser.add_argument("--hmsctl", required=True)
    parser.add_argument("--image", default="hms/testbox:1")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--prefix", default="hmshs-b")
    parser.add_argument("--label", default="hms.bench=hmshs", help="KEY=VALUE on every container")
    parser.add_argument("--out", help="markdown section written here (default: stdout)")
    parser.add_argument("--hold", type=float, default=12,
                        help="seconds the table must stay right after the starts")
    parser.add_argument("--keep", action="store_true", help="keep the manager's log")
    parser.add_argument("--log-level", default="notice", help="the manager's")
    args = parser.parse_args()
    # Terminated (by bench/hostscale.sh's cleanup): remove what we made first.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    names = [f"{args.prefix}-{i:03d}" for i in range(1, args.count + 1)]
    remove_ours(names)  # leftovers of a killed run
    work = tempfile.mkdtemp(prefix="hmshs-burst.")
    manager = observer = events = None
    try:
        events = Events()
        manager, pub = start_manager(args, work)
        observer = Observer(args.hmsctl, pub, "127.0.0.1:" + pub.rsplit(":", 1)[1])
        if not observer.wait(lambda o: o.heartbeats > 0, 10):
            sys.exit("burst.py: no heartbeat from the manager")
        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        results = []
        for burst in range(args.bursts):
            results.append(one_burst(args, names, observer, events))
            r = results[-1]
            print(f"burst.py: burst {burst + 1}: starts over {ms(r['start_span'])} ms, table "
                  f"right {ms(r['state_lag'])} ms (addresses {ms(r['address_lag'])} ms) after "
                  f"the last, each at most {ms(max(r['each_start']))} ms after its own; "
                  f"removals over {ms(r['destroy_span'])} ms, table right "
                  f"{ms(r['removed_lag'])} ms after the last; {r['lapses']} lapses",
                  file=sys.stderr)
        load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
        text = report(args, results, observer, load_before, load_after)
        if args.out:
            with open(args.out, "w") as out:
                out.write(text)
        else:
            print(text)
    finally:
        if observer:
            observer.stop()
        if manager:
            manager.terminate()
            manager.wait()
        if events:
            events.stop()
        remove_ours(names)
        if args.keep:
            print(f"burst.py: the manager's log is in {work}", file=sys.stderr)
        else:
            subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
