#!/usr/bin/env python3
"""Development generator for locality-aware alert inference (issue 21).

Alert *types* x *resources* over a random resource topology. Many independent incidents run at
once across the estate; a type-level causal DAG (about 20 % of ordered type pairs) says which
alarm type can raise which, and an incident propagates along the same resource and/or linked
resources with per-pair delay distributions and a firing probability < 1 per hop. On top: bursty
noise (flapping resources, maintenance bursts, storms that start unrelated incidents close
together on neighbouring resources, random isolated alarms), zero-length alerts
(startsAt == endsAt) and duplicate deliveries.

Output (OUT/):
    alerts/alertmanager/<YYYY-MM-DD>.jsonl   Alertmanager webhook bodies, one per line
                                             (labels alertname, service = type, host = resource,
                                             severity; --resource-label device|instance moves the
                                             resource to that label; instance gets a :9100 port)
    topology.json                            {"links": [[a, b], ...]} between resources
    truth.json                               types, directed type-level edges [cause, effect],
                                             the same in Parallax's orientation, per-edge parameters,
                                             evidence counts, stats
    episodes.jsonl                           one line per alert episode (type, resource, start, end,
                                             incident, kind) - diagnostics only, never for scoring

Seeds: 1-5 are development seeds (tune here), 101-105 report seeds (measure only). Everything is
deterministic per (seed, options). Standard library only.

    python3 Benchmarks/locality/gen_locality.py --seed 1 --out /tmp/loc1
    python3 Benchmarks/locality/gen_locality.py --seed 101 --out /tmp/loc101 --resource-label device
    python3 Benchmarks/locality/gen_locality.py --seed 7 --out /tmp/perf --resources 500 --deliveries 200000
"""

import argparse
import collections
import datetime
import json
import math
import os
import random
import shutil
import sys

DEV_SEEDS = [1, 2, 3, 4, 5]
REPORT_SEEDS = [101, 102, 103, 104, 105]

# alarm words: single lowercase words, none of them an environment token or svc/service, so the
# service-name normalizer leaves `t07-linkdown` alone
WORDS = ["linkdown", "lossofsignal", "bgpdown", "ospfadjdown", "lspdown", "cpuhigh", "memhigh", "fanfail",
         "powerfail", "tempalarm", "portflap", "crcerror", "latencyhigh", "packetloss", "jitterhigh",
         "opticallow", "laserbias", "framesync", "clockloss", "ntpdrift", "diskfull", "bufferoverflow",
         "queuedrop", "arptimeout", "macflap", "stpchange", "vlanmismatch", "dhcpexhaust", "radiusfail",
         "sessiondrop", "tunneldown", "ipsecfail", "certexpiry", "licenselimit", "configdrift",
         "boardreset", "cardfault", "batterylow", "mainsfail", "doorsensor", "humidityhigh",
         "linkdegraded", "ethoam", "bfddown", "pwdown", "vrrpflap", "ldpdown", "isisdown"]
SEVERITIES = ["critical", "major", "minor", "warning"]
EPOCH = datetime.datetime(2026, 1, 5, tzinfo=datetime.timezone.utc)


def iso(t):
    """RFC 3339 with milliseconds, like Alertmanager."""
    d = EPOCH + datetime.timedelta(seconds=t)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def fnv64(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def lognormal(rng, median, sigma):
    return median * math.exp(rng.gauss(0.0, sigma))


# ------------------------------------------------------------------------------------------------
# the world: types, causal DAG, resources, topology
# ------------------------------------------------------------------------------------------------
class World:
    def __init__(self, seed, n_resources=None, target_alerts=None, days=None):
        self.seed = seed
        rng = random.Random("locality-world/%d" % seed)
        self.rng = rng
        self.n_types = rng.randint(20, 40)
        self.n_res = n_resources or rng.randint(100, 500)
        self.target_alerts = target_alerts or rng.randint(35000, 65000)
        self.days = days or rng.uniform(6.0, 30.0)
        self.span = self.days * 86400.0
        self.density = rng.uniform(0.17, 0.23)      # share of ordered type pairs that are causal
        self._types()
        self._dag()
        self._resources()
        self._topology()

    def _types(self):
        rng = self.rng
        words = rng.sample(WORDS, self.n_types)
        self.types = ["t%02d-%s" % (i + 1, w) for i, w in enumerate(words)]
        self.tinfo = {}
        for t in self.types:
            event_like = rng.random() < 0.2           # mostly zero-length (a trap, a counter crossing)
            self.tinfo[t] = {
                "severity": rng.choice(SEVERITIES),
                "dur_median": math.exp(rng.uniform(math.log(60), math.log(1800))),
                "zero_prob": 0.7 if event_like else rng.uniform(0.0, 0.06),
                "root_weight": math.exp(rng.gauss(0, 1.0)),
                "noise_weight": math.exp(rng.gauss(0, 1.0)),
            }

    def _dag(self):
        rng = self.rng
        order = list(self.types)
        rng.shuffle(order)
        n = len(order)
        n_edges = int(round(self.density * n * (n - 1)))
        upper = [(order[i], order[j]) for i in range(n) for j in range(i + 1, n)]
        # earlier types in the order cause more: weight pairs by the cause's position (hubs exist)
        weights = [1.0 / (1.0 + 0.08 * order.index(a)) for a, _ in upper]
        chosen = set()
        while len(chosen) < n_edges:
            r = rng.random() * sum(w for p, w in zip(upper, weights) if p not in chosen)
            for p, w in zip(upper, weights):
                if p in chosen:
                    continue
                r -= w
                if r <= 0:
                    chosen.add(p)
                    break
        self.order = order
        self.edges = sorted(chosen)
        self.children = collections.defaultdict(list)
        self.params = {}
        for a, b in self.edges:
            mode = rng.choices(["same", "link", "both"], weights=[0.45, 0.25, 0.30])[0]
            p = {
                "p_fire": rng.uniform(0.2, 0.8),         # per hop, < 1
                "mode": mode,
                "p_link": rng.uniform(0.25, 0.75),          # per linked resource, times p_fire
                "delay_median": math.exp(rng.uniform(math.log(3), math.log(180))),
                "delay_sigma": rng.uniform(0.2, 0.8),
                "tracks_cause": rng.random() < 0.6,         # clears when the cause clears
            }
            self.params[(a, b)] = p
            self.children[a].append(b)
        for t in self.types:
            self.tinfo[t]["is_source"] = not any(b == t for _, b in self.edges)
            if self.tinfo[t]["is_source"]:
                self.tinfo[t]["root_weight"] *= 2.0

    def _resources(self):
        rng = self.rng
        self.resources = ["ne-%03d" % (i + 1) for i in range(self.n_res)]
        n_classes = rng.randint(3, 6)
        self.class_types = []
        for _ in range(n_classes):
            s = {t for t in self.types if rng.random() < 0.75}
            self.class_types.append(s)
        for t in self.types:                          # every type occurs on some class
            if not any(t in s for s in self.class_types):
                rng.choice(self.class_types).add(t)
        self.res_class = {r: rng.randrange(n_classes) for r in self.resources}
        self.res_weight = {r: math.exp(rng.gauss(0, 0.9)) for r in self.resources}   # failure-prone elements

    def supports(self, r, t):
        return t in self.class_types[self.res_class[r]]

    def _topology(self):
        rng = self.rng
        res = self.resources
        deg = collections.Counter()
        adj = collections.defaultdict(set)
        links = set()

        def add(a, b):
            if a == b or b in adj[a]:
                return False
            adj[a].add(b)
            adj[b].add(a)
            deg[a] += 1
            deg[b] += 1
            links.add((a, b) if a < b else (b, a))
            return True

        order = list(res)
        rng.shuffle(order)
        for i in range(1, len(order)):               # random tree, mild preferential attachment
            cand = order[:i]
            if i > 8 and rng.random() < 0.7:
                cand = rng.sample(cand, min(len(cand), 6))
                target = max(cand, key=lambda x: deg[x] + rng.random() * 2)
            else:
                target = rng.choice(cand)
            add(order[i], target)
        extra = int(len(res) * rng.uniform(0.25, 0.8))  # rings / redundancy: mostly local
        tries = 0
        while extra > 0 and tries < extra * 50:
            tries += 1
            a = rng.choice(res)
            if rng.random() < 0.7:
                two = set()
                for n1 in adj[a]:
                    two |= adj[n1]
                two -= adj[a]
                two.discard(a)
                if not two:
                    continue
                b = rng.choice(sorted(two))
            else:
                b = rng.choice(res)
            if add(a, b):
                extra -= 1
        self.adj = {r: sorted(adj[r]) for r in res}
        self.links = sorted(links)


# ------------------------------------------------------------------------------------------------
# episodes: cascades and noise
# ------------------------------------------------------------------------------------------------
class Episodes:
    def __init__(self):
        self.items = []        # (type, res, start, end, incident, kind)
        self.prop = collections.Counter()   # (cause, effect) -> propagation events that fired

    def add(self, t, r, s, e, inc, kind):
        self.items.append((t, r, s, e, inc, kind))


def own_duration(w, rng, t):
    info = w.tinfo[t]
    if rng.random() < info["zero_prob"]:
        return 0.0
    return min(6 * 3600.0, max(5.0, lognormal(rng, info["dur_median"], 1.0)))


def cascade(w, rng, eps, inc, root_t, root_r, t0, max_depth=6):
    """One incident: propagation over the type DAG along the same / linked resources."""
    d0 = own_duration(w, rng, root_t)
    fired = {(root_t, root_r): t0}
    queue = collections.deque([(root_t, root_r, t0, t0 + d0, 0)])
    eps.add(root_t, root_r, t0, t0 + d0, inc, "root")
    while queue:
        t, r, s, e, depth = queue.popleft()
        if depth >= max_depth:
            continue
        for c in w.children[t]:
            p = w.params[(t, c)]
            pf = p["p_fire"] * (0.75 ** depth)
            targets = []
            if p["mode"] in ("same", "both"):
                targets.append((r, pf))
            if p["mode"] in ("link", "both"):
                nb = w.adj[r]
                if len(nb) > 4:
                    nb = rng.sample(nb, 4)
                for r2 in nb:
                    targets.append((r2, pf * p["p_link"]))
            for r2, prob in targets:
                if not w.supports(r2, c) or (c, r2) in fired:
                    continue
                if rng.random() >= prob:
                    continue
                cs = s + lognormal(rng, p["delay_median"], p["delay_sigma"])
                if p["tracks_cause"] and e > s:
                    ce = max(cs, e + lognormal(rng, 20.0, 0.8))
                else:
                    ce = cs + own_duration(w, rng, c)
                if rng.random() < w.tinfo[c]["zero_prob"] * 0.5:
                    ce = cs
                fired[(c, r2)] = cs
                eps.prop[(t, c)] += 1
                eps.add(c, r2, cs, ce, inc, "cascade")
                queue.append((c, r2, cs, ce, depth + 1))
    return len(fired)


def simulate(w):
    rng = random.Random("locality-sim/%d" % w.seed)
    eps = Episodes()
    target = w.target_alerts
    share_bg = rng.uniform(0.08, 0.15)
    share_flap = rng.uniform(0.08, 0.15)
    share_maint = rng.uniform(0.03, 0.06)
    share_cascade = 1.0 - share_bg - share_flap - share_maint
    types = w.types
    rw = [w.tinfo[t]["root_weight"] for t in types]
    res = w.resources
    resw = [w.res_weight[r] for r in res]

    def day_profile_time():
        # mild diurnal shape: more incidents in the day (works, traffic peaks)
        while True:
            x = rng.uniform(0, w.span)
            h = (x % 86400) / 3600.0
            if rng.random() < 0.6 + 0.4 * math.sin(math.pi * max(0.0, min(1.0, (h - 6) / 16))):
                return x

    def pick_root(near=None):
        for _ in range(200):
            t = rng.choices(types, weights=rw)[0]
            r = near if near is not None else rng.choices(res, weights=resw)[0]
            if w.supports(r, t):
                return t, r
            near = None if near is not None and rng.random() < 0.3 else near
        return None

    inc = 0
    n_cascade = 0
    # storms: several unrelated incidents start close together on neighbouring resources
    n_storms = max(1, int(w.days / 2.5))
    for _ in range(n_storms):
        ts = day_profile_time()
        centre = rng.choice(res)
        region = {centre}
        frontier = [centre]
        size = rng.randint(5, 25)
        while frontier and len(region) < size:
            x = frontier.pop(0)
            for y in w.adj[x]:
                if y not in region and len(region) < size:
                    region.add(y)
                    frontier.append(y)
        for r in sorted(region):
            if rng.random() < 0.6:
                pr = pick_root(r)
                if pr:
                    inc += 1
                    n_cascade += cascade(w, rng, eps, inc, pr[0], pr[1], ts + rng.uniform(0, rng.uniform(600, 5400)))
    while n_cascade < target * share_cascade:
        pr = pick_root()
        if pr is None:
            continue
        inc += 1
        n_cascade += cascade(w, rng, eps, inc, pr[0], pr[1], day_profile_time())
    n_incidents = inc

    # flapping: a few resources flap one or two alarm types in bursts
    n_flap_target = int(target * share_flap)
    flappers = rng.sample(res, max(3, int(len(res) * rng.uniform(0.03, 0.06))))
    flap_types = {}
    for r in flappers:
        ok = [t for t in types if w.supports(r, t)]
        flap_types[r] = rng.sample(ok, min(len(ok), rng.choice([1, 1, 2])))
    n = 0
    while n < n_flap_target:
        r = rng.choice(flappers)
        t = rng.choice(flap_types[r])
        s = rng.uniform(0, w.span)
        length = rng.uniform(1200, 4 * 3600)
        period = rng.uniform(30, 300)
        x = s
        while x < s + length and n < n_flap_target:
            on = 0.0 if rng.random() < 0.25 else rng.uniform(5, period * 0.7)
            eps.add(t, r, x, x + on, 0, "flap")
            n += 1
            x += on + rng.uniform(0.3, 1.0) * period
    # maintenance bursts: a random set of resources raises random alarms within minutes
    n_maint_target = int(target * share_maint)
    n = 0
    while n < n_maint_target:
        s = rng.uniform(0, w.span)
        for r in rng.sample(res, rng.randint(5, 30)):
            for _ in range(rng.randint(1, 3)):
                ok = [t for t in types if w.supports(r, t)]
                t = rng.choice(ok)
                x = s + rng.uniform(0, 300)
                eps.add(t, r, x, x + (0.0 if rng.random() < 0.3 else rng.uniform(30, 1200)), 0, "maintenance")
                n += 1
    # isolated random alarms
    nw = [w.tinfo[t]["noise_weight"] for t in types]
    n_bg = int(target * share_bg)
    n = 0
    while n < n_bg:
        t = rng.choices(types, weights=nw)[0]
        r = rng.choice(res)
        if not w.supports(r, t):
            continue
        s = rng.uniform(0, w.span)
        eps.add(t, r, s, s + own_duration(w, rng, t), 0, "random")
        n += 1
    eps.items = [x for x in eps.items if 0.0 <= x[2] < w.span]
    eps.items.sort(key=lambda x: (x[2], x[0], x[1]))
    return eps, n_incidents


# ------------------------------------------------------------------------------------------------
# delivery: Alertmanager webhook bodies
# ------------------------------------------------------------------------------------------------
def resource_labels(res, label):
    if label == "instance":
        return {"instance": res + ":9100"}
    return {label: res}


class Writer:
    """Appends bodies to per-day files (memory stays flat for millions), shuffles each file at the end."""

    def __init__(self, outdir, seed):
        self.dir = os.path.join(outdir, "alerts", "alertmanager")
        os.makedirs(self.dir, exist_ok=True)
        self.files = {}
        self.count = 0
        self.seed = seed

    def put(self, t_delivery, body):
        day = (EPOCH + datetime.timedelta(seconds=t_delivery)).strftime("%Y-%m-%d")
        f = self.files.get(day)
        if f is None:
            f = open(os.path.join(self.dir, day + ".jsonl"), "a")
            self.files[day] = f
        f.write(json.dumps(body, separators=(",", ":")) + "\n")
        self.count += 1

    def close(self):
        rng = random.Random("locality-shuffle/%d" % self.seed)
        for day in sorted(self.files):
            self.files[day].close()
            p = os.path.join(self.dir, day + ".jsonl")
            with open(p) as f:
                lines = f.readlines()
            rng.shuffle(lines)
            with open(p, "w") as f:
                f.writelines(lines)


def deliver(w, eps, outdir, label):
    rng = random.Random("locality-deliver/%d" % w.seed)
    wr = Writer(outdir, w.seed)
    receiver = "noc-webhook"
    stats = collections.Counter()
    for (t, r, s, e, inc, kind) in eps.items:
        labels = {"alertname": t, "service": t, "severity": w.tinfo[t]["severity"]}
        labels.update(resource_labels(r, label))
        fp = fnv64(json.dumps(labels, sort_keys=True))
        ann = {"summary": "%s on %s" % (t, r)}

        def body(status, ends):
            el = {"status": status, "labels": labels, "annotations": ann, "startsAt": iso(s),
                  "endsAt": ends, "generatorURL": "http://nms.example.net/alarm/%s" % fp, "fingerprint": fp}
            return {"receiver": receiver, "status": status, "alerts": [el],
                    "groupLabels": {"alertname": t, label: labels[label]}, "commonLabels": labels,
                    "commonAnnotations": ann, "externalURL": "http://alertmanager.noc.example.net:9093",
                    "version": "4", "groupKey": '{}:{alertname="%s", %s="%s"}' % (t, label, labels[label]),
                    "truncatedAlerts": 0}

        out = []
        if e <= s:                                   # zero-length: startsAt == endsAt
            stats["zero_length"] += 1
            if rng.random() < 0.5:
                out.append((s + rng.uniform(1, 30), body("firing", "0001-01-01T00:00:00Z")))
            out.append((s + rng.uniform(1, 60), body("resolved", iso(s))))
        else:
            out.append((s + rng.uniform(1, 30), body("firing", "0001-01-01T00:00:00Z")))
            x = s + 4 * 3600.0
            while x < e:                             # repeat_interval re-sends while firing
                out.append((x, body("firing", "0001-01-01T00:00:00Z")))
                stats["resends"] += 1
                x += 4 * 3600.0
            out.append((e + rng.uniform(1, 300), body("resolved", iso(e))))
        for td, b in out:
            wr.put(td, b)
            if rng.random() < 0.03:                  # at-least-once delivery: duplicates
                wr.put(td + rng.uniform(0, 120), b)
                stats["duplicates"] += 1
    wr.close()
    stats["deliveries"] = wr.count
    return stats


# ------------------------------------------------------------------------------------------------
def generate(seed, outdir, resource_label="host", n_resources=None, target_alerts=None, days=None,
             quiet=False, write_episodes=True):
    if resource_label not in ("host", "device", "instance"):
        raise ValueError("resource label must be host, device or instance")
    w = World(seed, n_resources=n_resources, target_alerts=target_alerts, days=days)
    eps, n_incidents = simulate(w)
    if os.path.isdir(outdir):
        shutil.rmtree(outdir)
    os.makedirs(outdir)
    dstats = deliver(w, eps, outdir, resource_label)
    with open(os.path.join(outdir, "topology.json"), "w") as f:
        json.dump({"links": [list(l) for l in w.links]}, f)
    kinds = collections.Counter(x[5] for x in eps.items)
    used_res = {x[1] for x in eps.items}
    truth = {
        "generator": "gen_locality", "seed": seed, "seed_kind": "dev" if seed in DEV_SEEDS else (
            "report" if seed in REPORT_SEEDS else "other"),
        "types": w.types, "resource_label": resource_label,
        "resources": w.resources, "links": len(w.links),
        "edges": [[a, b] for a, b in w.edges],                          # cause -> effect
        "dependency_edges": [[b, a] for a, b in w.edges],               # Parallax: effect (caller) -> cause (dependency)
        "edge_params": {"%s>%s" % k: dict(v, propagations=eps.prop.get(k, 0)) for k, v in w.params.items()},
        "evidenced_edges": [[a, b] for a, b in w.edges if eps.prop.get((a, b), 0) >= 5],
        "stats": {"alerts": len(eps.items), "deliveries": dstats["deliveries"], "duplicates": dstats["duplicates"],
                  "resends": dstats["resends"], "zero_length": dstats["zero_length"], "incidents": n_incidents,
                  "days": round(w.days, 2), "types": w.n_types, "resources": w.n_res,
                  "resources_alerting": len(used_res), "links": len(w.links), "true_edges": len(w.edges),
                  "density": round(len(w.edges) / (w.n_types * (w.n_types - 1)), 3),
                  "by_kind": dict(kinds)},
    }
    with open(os.path.join(outdir, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    if write_episodes:
        with open(os.path.join(outdir, "episodes.jsonl"), "w") as f:
            for (t, r, s, e, inc, kind) in eps.items:
                f.write(json.dumps({"type": t, "resource": r, "start": round(s, 3), "end": round(e, 3),
                                    "incident": inc, "kind": kind}) + "\n")
    if not quiet:
        print(json.dumps(truth["stats"]), file=sys.stderr)
    return truth


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True, help="1-5 development, 101-105 report")
    ap.add_argument("--out", required=True)
    ap.add_argument("--resource-label", default="host", choices=["host", "device", "instance"])
    ap.add_argument("--resources", type=int, default=None, help="override the number of resources")
    ap.add_argument("--alerts", type=int, default=None, help="override the number of alert episodes")
    ap.add_argument("--deliveries", type=int, default=None,
                    help="aim at this many webhook deliveries (perf; sets --alerts and days from it)")
    ap.add_argument("--days", type=float, default=None)
    a = ap.parse_args()
    target, days = a.alerts, a.days
    if a.deliveries:
        target = max(1000, int(a.deliveries / DELIVERIES_PER_ALERT))
        days = days or max(1.0, target / 3500.0)
    generate(a.seed, a.out, a.resource_label, a.resources, target, days, write_episodes=not a.deliveries)


DELIVERIES_PER_ALERT = 2.0    # about what the generator delivers per alert (firing + resolved, re-sends, duplicates, zero-length)

if __name__ == "__main__":
    main()
