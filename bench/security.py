#!/usr/bin/env python3
"""Scores a security campaign (bench/security.sh DIR): what the manager's
built-in rules and Netdata's stock alarms saw, against the antagonist's
events, the ground truth.

An attack is detected when a rule of its kind fires for its target (for a
flood, either end) between its start and 10 s after its end; the latency
is from its start to the first firing. A firing of a security rule that
no attack of its kind explains is a false positive: on a benign container,
or on a target outside an attack of that kind. Writes
bench/results/security.md (or the path given second) and prints it.
"""
import collections
import json
import os
import statistics
import sys

KIND_RULES = collections.OrderedDict([
    ("cpu_burn", {"dos_cpu_burn"}),
    ("fork_bomb", {"dos_fork_bomb"}),
    ("memory_leak", {"dos_memory_bomb", "container_oom_killed"}),
    ("network_flood", {"dos_network_flood", "dos_network_flood_out"}),
    ("privileged_exec", {"exec_privileged"}),
    ("escape", {"escape_host_namespace", "escape_capabilities", "escape_release_agent"}),
])
RULE_KIND = {rule: kind for kind, rules in KIND_RULES.items() for rule in rules}
OTHER_SECURITY = {"exec_root", "forecast_memory_exhaustion", "forecast_pids_exhaustion"}
SLACK_MS = 10000
WARN_S, HOLD_S = 900, 60  # the forecast rule: under 15 minutes for a minute


def lines(path):
    if not os.path.exists(path):
        return
    with open(path) as f:
        for line in f:
            try:
                yield json.loads(line)
            except ValueError:
                pass


def pct(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def load(out):
    containers = {}
    with open(os.path.join(out, "containers.txt")) as f:
        for line in f:
            cid, name, kind = line.split()
            containers[cid] = (name.lstrip("/"), kind)
    attacks = []
    for kind in KIND_RULES:
        starts = {}
        for e in lines(os.path.join(out, "attacks-%s.jsonl" % kind)):
            if e.get("phase") == "start":
                starts[e["attack_id"]] = e
            elif e.get("phase") == "end" and e["attack_id"] in starts:
                s = starts.pop(e["attack_id"])
                targets = {s["container"]}
                if kind == "network_flood":  # both ends of the flood
                    targets |= {c for c, (_, k) in containers.items() if k == kind}
                attacks.append({"kind": kind, "targets": targets, "start": s["ts_ms"],
                                "end": e["ts_ms"], "firings": []})
    episodes = {}  # (rule, container, since_ms) -> first firing ts
    metrics = collections.defaultdict(list)  # container -> [(t_ms, entry)]
    for e in lines(os.path.join(out, "manager.jsonl")):
        if e.get("command") == "alert" and e.get("state") == "firing":
            key = (e["rule"], e["container"], e["since_ms"])
            episodes.setdefault(key, e["ts_ms"])
        elif e.get("command") == "metrics":
            for entry in e.get("entries", []):
                if containers.get(entry["id"], ("", ""))[1] == "forecast":
                    metrics[entry["id"]].append((e["t_ms"], entry))
    return containers, attacks, episodes, metrics


def score(containers, attacks, episodes):
    """Matches firings to attacks; returns the confusion counts and false positives."""
    false_positives = []
    for (rule, cid, _), ts in sorted(episodes.items(), key=lambda x: x[1]):
        kind_of = containers.get(cid, ("?", "?"))[1]
        if kind_of == "forecast" or (rule not in RULE_KIND and rule not in OTHER_SECURITY):
            continue
        hit = [a for a in attacks if cid in a["targets"] and a["start"] <= ts <= a["end"] + SLACK_MS]
        own = [a for a in hit if RULE_KIND.get(rule) == a["kind"]]
        for a in hit:
            a["firings"].append((ts, rule))
        if not own and not (rule in OTHER_SECURITY and kind_of != "benign"):
            false_positives.append((rule, containers.get(cid, (cid[:12], "?"))[0], kind_of, ts))
    return false_positives


def detection(attacks):
    rows = collections.OrderedDict()
    for kind, rules in KIND_RULES.items():
        mine = [a for a in attacks if a["kind"] == kind]
        latencies, other = [], collections.Counter()
        for a in mine:
            own = [ts for ts, rule in a["firings"] if rule in rules]
            if own:
                latencies.append((min(own) - a["start"]) / 1000.0)
            else:
                for ts, rule in a["firings"]:
                    if rule in RULE_KIND:
                        other[RULE_KIND[rule]] += 1
                        break
                else:
                    other["missed"] += 1
        rows[kind] = {"attacks": len(mine), "tp": len(latencies), "latencies": latencies,
                      "other": other}
    return rows


def netdata_raised(out):
    """Netdata's warnings and criticals on containers: name -> [(ms, alarm)]."""
    raised = collections.defaultdict(list)
    for e in lines(os.path.join(out, "netdata.jsonl")):
        if e.get("status") in ("WARNING", "CRITICAL") and e.get("chart", "").startswith("cgroup_"):
            name = e["chart"][len("cgroup_"):].rsplit(".", 1)[0]
            raised[name].append((e["when"] * 1000, e["name"]))
    return raised


def netdata(raised, containers, attacks):
    """Netdata's first warning or critical alarm on a target's charts during each attack."""
    result = collections.OrderedDict()
    for kind in KIND_RULES:
        mine = [a for a in attacks if a["kind"] == kind]
        latencies, alarms = [], collections.Counter()
        for a in mine:
            names = {containers[c][0] for c in a["targets"] if c in containers}
            hits = [(ms, alarm) for n in names for ms, alarm in raised.get(n, [])
                    if a["start"] - 1000 <= ms <= a["end"] + SLACK_MS]
            if hits:
                ms, alarm = min(hits)
                latencies.append(max(0.0, (ms - a["start"]) / 1000.0))
                alarms[alarm] += 1
        result[kind] = {"attacks": len(mine), "tp": len(latencies), "latencies": latencies,
                        "alarms": alarms}
    return result


def held_under(series, limit_s=WARN_S, hold_s=HOLD_S):
    """The first time a (t_ms, seconds left) series has stayed under limit_s for hold_s."""
    since = None
    for t, left in series:
        if left is not None and left < limit_s:
            since = t if since is None else since
            if t - since >= hold_s * 1000:
                return t, left
        else:
            since = None
    return None, None


def forecasts(containers, metrics, episodes, raised):
    rows = []
    for cid, samples in metrics.items():
        name = containers[cid][0]
        samples.sort(key=lambda x: x[0])
        #  The OOM kill: the manager's alert (the engine's oom event when the
        #  kill took the container's counters), else the counters.
        kills = [ts for (rule, c, _), ts in episodes.items()
                 if c == cid and rule == "container_oom_killed"]
        oom = min(kills) if kills else None
        base = samples[0][1]["reading"].get("oom_kills", 0)
        for t, entry in samples:
            if oom is None and entry["reading"].get("oom_kills", 0) > base:
                oom = t
        if oom is None:
            rows.append({"name": name, "oom": None})
            continue
        mem = [(t, (e.get("rollups") or {}).get("memory", {}).get("mean"),
                e["reading"].get("memory_limit", 0), e.get("forecasts") or {}) for t, e in samples
               if t < oom]
        mem = [m for m in mem if m[1] is not None]
        #  Up to the peak: the kill frees the memory (the container starts
        #  again), and the alert may come a second after that.
        peak = max(range(len(mem)), key=lambda i: mem[i][1])
        if peak + 1 < len(mem):
            oom = min(oom, mem[peak + 1][0])
        mem = mem[:peak + 1]
        limit = mem[-1][2]
        start_t, start_m = mem[0][0], mem[0][1]
        rate = (mem[-1][1] - start_m) / max(1.0, (mem[-1][0] - start_t) / 1000.0)
        hms = [ts for (rule, c, _), ts in episodes.items()
               if c == cid and rule == "forecast_memory_exhaustion" and ts <= oom]
        warn = min(hms) if hms else None
        left_at = next((f.get("memory_eta") for t, _, _, f in mem if warn and t >= warn), None)
        holt_t, holt_left = held_under([(t, f.get("memory_eta_holt")) for t, _, _, f in mem])
        static_t = next((t for t, m, lim, _ in mem if lim and m >= 0.9 * lim), None)
        drift = []
        for t, m, lim, _ in mem:
            slope = (m - start_m) / max(1.0, (t - start_t) / 1000.0)
            drift.append((t, (lim - m) / slope if slope > 0 else None))
        drift_t, drift_left = held_under(drift)
        ram = [ms for ms, alarm in raised.get(name, []) if alarm == "cgroup_ram_in_use" and ms <= oom]
        netdata_t = min(ram) if ram else None

        def lead(t):
            return None if t is None else (oom - t) / 1000.0

        rows.append({"name": name, "rate": rate / 1048576, "limit": limit / 1048576,
                     "run": (oom - start_t) / 1000.0, "hms": lead(warn),
                     "hms_error": None if warn is None or left_at is None else
                     (left_at - lead(warn)) / lead(warn) * 100,
                     "holt": lead(holt_t), "static": lead(static_t), "drift": lead(drift_t),
                     "netdata": lead(netdata_t),
                     "drift_error": None if drift_t is None else
                     (drift_left - lead(drift_t)) / lead(drift_t) * 100, "oom": oom})
    return sorted(rows, key=lambda r: r.get("rate") or 0)


def fmt(value, spec="%.1f"):
    return "n/a" if value is None else spec % value


def report(out):
    containers, attacks, episodes, metrics = load(out)
    fps = score(containers, attacks, episodes)
    rows = detection(attacks)
    raised = netdata_raised(out)
    nd = netdata(raised, containers, attacks)
    fc = forecasts(containers, metrics, episodes, raised)
    text = ["# Security campaign", "",
            "Run `%s`: %d attacks, %d firings of security rules (episodes)." %
            (os.path.basename(out), len(attacks), sum(1 for k in episodes if k[0] in RULE_KIND)), ""]
    # Detection per kind.
    fp_by_kind = collections.Counter(RULE_KIND.get(rule, rule) for rule, _, _, _ in fps)
    text += ["## Detection by the built-in rules", "",
             "| kind | attacks | detected | missed | false positives | precision | recall | F1 "
             "| latency p50 (s) | p90 (s) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    tp_all = fp_all = n_all = 0
    all_latencies = []
    for kind, r in rows.items():
        fp = fp_by_kind.get(kind, 0)
        precision = r["tp"] / (r["tp"] + fp) if r["tp"] + fp else None
        recall = r["tp"] / r["attacks"] if r["attacks"] else None
        f1 = (2 * precision * recall / (precision + recall)
              if precision and recall else None)
        tp_all, fp_all, n_all = tp_all + r["tp"], fp_all + fp, n_all + r["attacks"]
        all_latencies += r["latencies"]
        text.append("| %s | %d | %d | %d | %d | %s | %s | %s | %s | %s |" % (
            kind, r["attacks"], r["tp"], r["attacks"] - r["tp"], fp, fmt(precision, "%.3f"),
            fmt(recall, "%.3f"), fmt(f1, "%.3f"), fmt(pct(r["latencies"], 0.5)),
            fmt(pct(r["latencies"], 0.9))))
    precision = tp_all / (tp_all + fp_all) if tp_all + fp_all else None
    recall = tp_all / n_all if n_all else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
    text.append("| **all** | %d | %d | %d | %d | %s | %s | **%s** | %s | %s |" % (
        n_all, tp_all, n_all - tp_all, fp_all, fmt(precision, "%.3f"), fmt(recall, "%.3f"),
        fmt(f1, "%.3f"), fmt(pct(all_latencies, 0.5)), fmt(pct(all_latencies, 0.9))))
    # Confusion matrix.
    kinds = list(KIND_RULES)
    text += ["", "## Confusion matrix", "",
             "Rows: the attack's kind (none: no attack of that kind explains the firing); "
             "columns: the kind of the rule that fired first (missed: none).", "",
             "| true \\ detected | " + " | ".join(kinds + ["missed"]) + " |",
             "|---|" + "---|" * (len(kinds) + 1)]
    for kind, r in rows.items():
        cells = [r["tp"] if k == kind else r["other"].get(k, 0) for k in kinds]
        text.append("| %s | %s | %d |" % (kind, " | ".join(map(str, cells)),
                                          r["other"].get("missed", 0)))
    text.append("| none | %s | |" % " | ".join(str(fp_by_kind.get(k, 0)) for k in kinds))
    benign = [fp for fp in fps if fp[2] == "benign"]
    text += ["", "False positives on the benign containers: **%d**." % len(benign)]
    for rule, name, kind, ts in fps[:20]:
        text.append("- %s on %s (%s) at %d" % (rule, name, kind, ts))
    # Netdata.
    text += ["", "## The same attacks seen by Netdata's stock alarms", "",
             "| kind | attacks | alarmed | latency p50 (s) | p90 (s) | alarms | HMS p50 (s) |",
             "|---|---|---|---|---|---|---|"]
    for kind, r in nd.items():
        text.append("| %s | %d | %d | %s | %s | %s | %s |" % (
            kind, r["attacks"], r["tp"], fmt(pct(r["latencies"], 0.5)),
            fmt(pct(r["latencies"], 0.9)),
            ", ".join("%s %d" % kv for kv in r["alarms"].items()) or "none",
            fmt(pct(rows[kind]["latencies"], 0.5))))
    # Forecasts.
    text += ["", "## Early warning before the OOM kill", "",
             "Lead: seconds from the warning to the OOM kill. HMS: the built-in rule "
             "forecast_memory_exhaustion (the regression line under 15 minutes for a minute); "
             "Holt: the damped trend under the same rule; static 90 %: the working set past 90 % "
             "of the limit; naive drift: the mean rate since the start, under the same rule; "
             "Netdata: its stock cgroup_ram_in_use alarm (90 %, evaluated every 10 s). "
             "Error: the time left HMS forecast at its warning against the real one.", "",
             "| leak (MiB/s) | limit (MiB) | to OOM (s) | HMS lead (s) | HMS time-left error (%) "
             "| Holt lead (s) | static 90 % lead (s) | naive drift lead (s) | drift error (%) "
             "| Netdata lead (s) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in fc:
        if r["oom"] is None:
            text.append("| %s: no OOM kill | | | | | | | | | |" % r["name"])
            continue
        text.append("| %.2f | %.0f | %.0f | %s | %s | %s | %s | %s | %s | %s |" % (
            r["rate"], r["limit"], r["run"], fmt(r["hms"], "%.0f"), fmt(r["hms_error"], "%+.1f"),
            fmt(r["holt"], "%.0f"), fmt(r["static"], "%.0f"), fmt(r["drift"], "%.0f"),
            fmt(r["drift_error"], "%+.1f"), fmt(r["netdata"], "%.0f")))
    return "\n".join(text) + "\n"


def main():
    out = sys.argv[1]
    dest = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "results", "security.md")
    text = report(out)
    with open(dest, "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
