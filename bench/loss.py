#!/usr/bin/env python3
"""Recovery after a loss attack: adaptive probing against the seed's rounds.

    bench/loss.py [--runs N] [--watch MS,MS...] [--seed S] [--out FILE]
    bench/loss.py --steady MINUTES [--out FILE]

For each --watch value (0: judging rounds only, as the seed probed; 200:
HMS's default), one hms-manager (threshold 50, default probe settings)
watches one fresh container of hms/testbox:1 (--backoff-window 100 ms, so
that each restart is a first failure, as in bench/heal.sh), and N times:

  * at a random moment (uniform in 0..1 s after the container was seen
    answering again, from a seeded stream, so both settings get the same
    moments), 80 % of the packets entering the container's network
    namespace are dropped, as the antagonist's loss attacks do (iptables,
    statistic match, in the target's namespace);
  * recovery is the time from that rule to the container running again
    with a new start time and answering one echo (fping, 50 ms timeout),
    polled every 10 ms from outside HMS.

With --steady, the other side of the same rule: one container loses 10 %
of its packets for MINUTES (the rule stays the whole time), threshold 50,
default probing; the manager must not restart it. Counted from the
manager's log (debug): judging rounds of that container, the ones that
showed loss, the watch rounds that sent it to be judged, and restarts.

A restart clears the rule (a new namespace); a run whose container is not
restarted within 10 s counts as unrecovered. Results (mean, median, p90,
max per setting) go to stdout and, with --out, to a Markdown file.
Needs root, the docker CLI, fping, nsenter, iptables, and a build in
$BUILD (default build/).
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True).stdout.strip()


def inspect(cid):
    out = sh("docker", "inspect", "-f",
             "{{.State.Pid}} {{.State.StartedAt}} {{.NetworkSettings.IPAddress}}", cid)
    pid, started, ip = (out.split() + ["", "", ""])[:3]
    return int(pid), started, ip


def answers(ip):
    return bool(ip) and subprocess.run(["fping", "-c1", "-t", "50", "-q", ip],
                                       capture_output=True).returncode == 0


def drop(pid, percent):
    sh("nsenter", f"--net=/proc/{pid}/ns/net", "iptables", "-I", "INPUT", "-m", "statistic",
       "--mode", "random", "--probability", f"{percent / 100:.2f}", "-j", "DROP")


def wait_answering(cid, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        pid, started, ip = inspect(cid)
        if pid and answers(ip):
            return pid, started, ip
        time.sleep(0.05)
    raise RuntimeError(f"{cid[:12]} does not answer")


def one_setting(watch, runs, seed, build, tag):
    label = f"hms.bench={tag}-{watch}"
    cid = sh("docker", "run", "-d", "--label", label, "hms/testbox:1")
    log = tempfile.NamedTemporaryFile(prefix="hms-loss-", suffix=".log", delete=False)
    manager = subprocess.Popen(
        [os.path.join(build, "manager", "hms-manager"), "--pub", "tcp://127.0.0.1:*",
         "--label", label, "--state-file", "", "--threshold", "50", "--watch", str(watch),
         # every attack a first failure: no backoff between the runs' restarts
         "--backoff-window", "100"],
        stdout=log, stderr=log)
    rng = random.Random(seed)
    times, unrecovered = [], 0
    try:
        wait_answering(cid)
        time.sleep(2)  # the manager's first listing and rounds
        for _ in range(runs):
            pid, started, _ = wait_answering(cid)
            time.sleep(1.5 + rng.random())  # past the first rounds after the restart, random phase
            t0 = time.monotonic()
            drop(pid, 80)
            recovered = None
            while time.monotonic() - t0 < 10:
                npid, nstarted, nip = inspect(cid)
                if nstarted != started and npid and answers(nip):
                    recovered = time.monotonic() - t0
                    break
                time.sleep(0.01)
            if recovered is None:
                unrecovered += 1
                sh("docker", "restart", "-t", "0", cid)
            else:
                times.append(recovered)
    finally:
        manager.terminate()
        manager.wait(timeout=10)
        sh("docker", "rm", "-f", cid, check=False)
    return times, unrecovered, log.name


def steady(minutes, build, tag, out):
    label = f"hms.bench={tag}-steady"
    cid = sh("docker", "run", "-d", "--label", label, "hms/testbox:1")
    log = tempfile.NamedTemporaryFile(prefix="hms-steady-", suffix=".log", delete=False)
    manager = subprocess.Popen(
        [os.path.join(build, "manager", "hms-manager"), "--pub", "tcp://127.0.0.1:*",
         "--label", label, "--state-file", "", "--threshold", "50", "--log-level", "debug"],
        stdout=log, stderr=log)
    try:
        pid, started, _ = wait_answering(cid)
        time.sleep(2)
        drop(pid, 10)
        time.sleep(minutes * 60)
        _, after, _ = inspect(cid)
    finally:
        manager.terminate()
        manager.wait(timeout=10)
        sh("docker", "rm", "-f", cid, check=False)
    short = cid[:12]
    judged = lossy = watched = restarts = 0
    with open(log.name) as f:
        for line in f:
            if f"probe {short}: loss" in line:
                judged += 1
                lossy += " loss 0%" not in line
            elif f"watch {short}:" in line:
                watched += 1
            elif f"heal {short}: restart" in line:
                restarts += 1
    os.unlink(log.name)
    row = dict(minutes=minutes, judging_rounds=judged, rounds_with_loss=lossy,
               judged_after_watch=watched, restarts=restarts, restarted=after != started)
    print(json.dumps(row), flush=True)
    if out:
        with open(out, "w") as f:
            f.write("# A container at 10 % loss, threshold 50\n\n")
            f.write(f"<!-- Generated by bench/loss.py --steady {minutes:g}; "
                    f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. -->\n\n")
            f.write(f"`bench/loss.py --steady {minutes:g}`: 10 % of the packets entering one "
                    f"container dropped for {minutes:g} minutes; hms-manager with threshold 50 and "
                    "its default probing (judging rounds of 20 echoes every second, watch "
                    "rounds of 3 echoes every 200 ms).\n\n")
            f.write("| minutes | judging rounds | with loss | judged at once after a watch round "
                    "| restarts |\n|---|---|---|---|---|\n")
            f.write(f"| {minutes:g} | {judged} | {lossy} | {watched} | {restarts} |\n")
    return 0 if restarts == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--watch", default="0,200")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--steady", type=float)
    args = ap.parse_args()
    build = os.environ.get("BUILD", os.path.join(ROOT, "build"))
    tag = f"loss{os.getpid()}"
    if args.steady:
        return steady(args.steady, build, tag, args.out)
    rows = []
    for watch in [int(w) for w in args.watch.split(",")]:
        times, unrecovered, log = one_setting(watch, args.runs, args.seed, build, tag)
        q = statistics.quantiles(times, n=10) if len(times) >= 2 else [float("nan")] * 9
        row = dict(watch=watch, runs=args.runs, recovered=len(times), unrecovered=unrecovered,
                   mean=statistics.mean(times) if times else float("nan"),
                   median=statistics.median(times) if times else float("nan"), p90=q[8],
                   max=max(times) if times else float("nan"))
        rows.append(row)
        print(json.dumps(row), flush=True)
        os.unlink(log)
    if args.out:
        with open(args.out, "w") as f:
            kernel = os.uname().release
            docker = sh("docker", "version", "-f", "{{.Server.Version}}", check=False)
            f.write("# Recovery after a loss attack\n\n")
            f.write(f"<!-- Generated by bench/loss.py; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
                    f"kernel {kernel}, Docker {docker}, {os.cpu_count()} cores. -->\n\n")
            f.write(f"`bench/loss.py --runs {args.runs} --watch {args.watch} --seed {args.seed}`: "
                    "80 % loss injected in one container's namespace at a random moment; "
                    "recovery = until it runs again (restarted by hms-manager, threshold 50) "
                    "and answers an echo, seen from outside HMS every 10 ms.\n\n")
            f.write("| --watch | runs | recovered | mean s | median s | p90 s | max s |\n")
            f.write("|---|---|---|---|---|---|---|\n")
            for r in rows:
                name = "0 (judging rounds only, the seed's probing)" if r["watch"] == 0 else f"{r['watch']} ms"
                f.write(f"| {name} | {r['runs']} | {r['recovered']} | {r['mean']:.3f} | "
                        f"{r['median']:.3f} | {r['p90']:.3f} | {r['max']:.3f} |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
