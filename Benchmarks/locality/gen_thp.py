#!/usr/bin/env python3
"""Held-out report sets from a generator we did not write: gcastle's topological Hawkes process.

`castle.datasets.THPSimulation` (Huawei gCastle, `pip install gcastle`) simulates event types at the
nodes of a topology: every (node, type) has a Poisson background rate mu; an event of type i
triggers events of each child type j (causal DAG) on the same node and on nodes up to `max_hop`
links away with intensity alpha[i, j] for an exponential-length period (mean `beta` = 10 s).
The causal DAG and the topology come from gcastle's own generators (`DAG.erdos_renyi`,
`Topology.erdos_renyi`). Timestamps are integer seconds from 0; we read them as seconds after
2026-02-02T00:00:00Z.

This script only converts: each event becomes one Alertmanager alert (labels alertname, service =
the type, host = `site-NNN` for node NNN, severity) delivered as a firing body at the event time
and a resolved body `--duration` seconds later (default 60; 0 gives zero-length alerts:
startsAt == endsAt, one resolved body). The topology matrix becomes topology.json, the causal
matrix truth.json (edges [cause, effect]). The raw events (`events.csv`: event,timestamp,node) and
matrices (`matrices.json`) are kept for gcastle's own TTPM baseline (eval_locality.py --ttpm).

Settings (report seeds 101-105 only; never tuned on):
    thp-default   20 types, 100 nodes, ~40 causal edges, gcastle's default mu and alpha, 1.5 days
    thp-dense     25 types, 150 nodes, ~20 % of ordered pairs causal, default mu and alpha, 6 h
    thp-strong    25 types, 200 nodes, ~60 causal edges, alpha 2x the default (0.01-0.015), 5 h
    thp-hop2      30 types, 300 nodes, ~60 causal edges, default mu and alpha, excitation 2 hops away, 2.5 h
(alpha 3x the default, or max_hop 2 with ~90 edges, explode to >250k events per hour.)

    python3 Benchmarks/locality/gen_thp.py --setting thp-default --seed 101 --out /tmp/thp
"""

import argparse
import datetime
import json
import logging
import os
import shutil
import sys
import time

os.environ.setdefault("TQDM_DISABLE", "1")

EPOCH = datetime.datetime(2026, 2, 2, tzinfo=datetime.timezone.utc)
WORDS = ["linkdown", "lossofsignal", "bgpdown", "cpuhigh", "memhigh", "fanfail", "powerfail", "tempalarm",
         "portflap", "crcerror", "latencyhigh", "packetloss", "jitterhigh", "opticallow", "framesync",
         "clockloss", "diskfull", "queuedrop", "arptimeout", "macflap", "tunneldown", "ipsecfail",
         "boardreset", "cardfault", "batterylow", "mainsfail", "linkdegraded", "bfddown", "ldpdown", "isisdown"]

# name: (types, DAG edges arg of DAG.erdos_renyi, nodes, topology edges arg, T seconds, mu_range, alpha_range, max_hop)
SETTINGS = {
    "thp-default": dict(types=20, dag_edges=40, nodes=100, topo_edges=150, T=int(1.5 * 86400),
                        mu=(0.00005, 0.0001), alpha=(0.005, 0.007), max_hop=1),
    "thp-dense": dict(types=25, dag_edges=130, nodes=150, topo_edges=225, T=6 * 3600,
                      mu=(0.00005, 0.0001), alpha=(0.005, 0.007), max_hop=1),
    "thp-strong": dict(types=25, dag_edges=60, nodes=200, topo_edges=300, T=5 * 3600,
                       mu=(0.00005, 0.0001), alpha=(0.01, 0.015), max_hop=1),
    "thp-hop2": dict(types=30, dag_edges=60, nodes=300, topo_edges=400, T=int(2.5 * 3600),
                     mu=(0.00005, 0.0001), alpha=(0.005, 0.007), max_hop=2),
}
REPORT_SETS = [("thp-default", 101), ("thp-dense", 102), ("thp-strong", 103), ("thp-hop2", 104), ("thp-default", 105)]


def fnv64(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def iso(t):
    d = EPOCH + datetime.timedelta(seconds=float(t))
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def simulate(setting, seed):
    import numpy as np
    logging.disable(logging.INFO)
    from castle.datasets import DAG, Topology, THPSimulation
    cfg = SETTINGS[setting]
    causal = np.asarray(DAG.erdos_renyi(n_nodes=cfg["types"], n_edges=cfg["dag_edges"], seed=seed))
    topo = np.asarray(Topology.erdos_renyi(n_nodes=cfg["nodes"], n_edges=cfg["topo_edges"], seed=seed))
    np.random.seed(seed)
    sim = THPSimulation(causal, topo, mu_range=cfg["mu"], alpha_range=cfg["alpha"])
    X = sim.simulate(T=cfg["T"], max_hop=cfg["max_hop"])
    return X, causal, topo, cfg


def generate(setting, seed, outdir, duration=60.0, quiet=False):
    t0 = time.time()
    X, causal, topo, cfg = simulate(setting, seed)
    sim_s = time.time() - t0
    n = causal.shape[0]
    types = ["t%02d-%s" % (i + 1, WORDS[i % len(WORDS)]) for i in range(n)]
    sites = ["site-%03d" % (v + 1) for v in range(topo.shape[0])]
    if os.path.isdir(outdir):
        shutil.rmtree(outdir)
    d = os.path.join(outdir, "alerts", "alertmanager")
    os.makedirs(d)
    rows = sorted(zip(X["timestamp"].astype(float).tolist(), X["event"].astype(int).tolist(),
                      X["node"].astype(int).tolist()))
    files = {}
    deliveries = 0
    for ts, ev, node in rows:
        t, r = types[ev], sites[node]
        labels = {"alertname": t, "service": t, "host": r, "severity": "major"}
        ann = {"summary": "%s on %s" % (t, r)}
        fp = fnv64(t + "/" + r)

        def body(status, ends):
            return {"receiver": "noc-webhook", "status": status,
                    "alerts": [{"status": status, "labels": labels, "annotations": ann, "startsAt": iso(ts),
                                "endsAt": ends, "generatorURL": "http://nms.example.net/alarm", "fingerprint": fp}],
                    "groupLabels": {"alertname": t, "host": r}, "commonLabels": labels, "commonAnnotations": ann,
                    "externalURL": "http://alertmanager.noc.example.net:9093", "version": "4",
                    "groupKey": '{}:{alertname="%s", host="%s"}' % (t, r), "truncatedAlerts": 0}

        if duration > 0:
            out = [(ts, body("firing", "0001-01-01T00:00:00Z")), (ts + duration, body("resolved", iso(ts + duration)))]
        else:
            out = [(ts, body("resolved", iso(ts)))]
        for td, b in out:
            day = (EPOCH + datetime.timedelta(seconds=td)).strftime("%Y-%m-%d")
            f = files.get(day)
            if f is None:
                f = files[day] = open(os.path.join(d, day + ".jsonl"), "w")
            f.write(json.dumps(b, separators=(",", ":")) + "\n")
            deliveries += 1
    for f in files.values():
        f.close()
    links = [[sites[i], sites[j]] for i in range(topo.shape[0]) for j in range(i + 1, topo.shape[0]) if topo[i, j]]
    with open(os.path.join(outdir, "topology.json"), "w") as f:
        json.dump({"links": links}, f)
    edges = [[types[i], types[j]] for i in range(n) for j in range(n) if causal[i, j]]
    with open(os.path.join(outdir, "events.csv"), "w") as f:
        f.write("event,timestamp,node\n")
        for ts, ev, node in rows:
            f.write("%d,%d,%d\n" % (ev, ts, node))
    with open(os.path.join(outdir, "matrices.json"), "w") as f:
        json.dump({"causal": causal.astype(int).tolist(), "topology": topo.astype(int).tolist()}, f)
    import collections
    per_type = collections.Counter(ev for _, ev, _ in rows)
    truth = {"generator": "gcastle THPSimulation", "setting": setting, "seed": seed, "seed_kind": "report",
             "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.items()},
             "types": types, "resources": sites, "resource_label": "host",
             "edges": edges, "dependency_edges": [[b, a] for a, b in edges],
             "stats": {"alerts": len(rows), "deliveries": deliveries, "types": n, "types_alerting": len(per_type),
                       "resources": len(sites), "resources_alerting": len({x[2] for x in rows}),
                       "links": len(links), "true_edges": len(edges), "density": round(len(edges) / (n * (n - 1)), 3),
                       "days": round(cfg["T"] / 86400.0, 2), "duration_s": duration,
                       "simulate_seconds": round(sim_s, 1)}}
    with open(os.path.join(outdir, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    if not quiet:
        print(json.dumps(truth["stats"]), file=sys.stderr)
    return truth


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--setting", required=True, choices=sorted(SETTINGS))
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds between firing and resolved (0: zero-length)")
    a = ap.parse_args()
    generate(a.setting, a.seed, a.out, a.duration)


if __name__ == "__main__":
    main()
