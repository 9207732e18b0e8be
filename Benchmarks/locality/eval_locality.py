#!/usr/bin/env python3
"""Locality evaluation of `parallax infer` (issue 21): alert types x resources over a resource topology.

Sets:
    dev      gen_locality.py, development seeds 1-5 (baseline thresholds are tuned here, nowhere else)
    report   gen_locality.py, report seeds 101-105
    thp      gcastle's THPSimulation (gen_thp.py), report sets only (needs `pip install gcastle`)

For each set: write it to a temp dir, run `parallax infer --alerts DIR --format json` (plus
`--resource-topology DIR/topology.json` when the binary's `infer --help` lists that flag), read the
inferred edges (Parallax: source = caller/effect, target = dependency/cause, so an inferred causal
edge is target -> source) and score directed F1 against the type-level truth:
    P = inferred edges (a directed edge is right if that direction is true; an undirected edge counts
        once and is right if either direction is true; edges touching a node that is not an alert
        type count as wrong), S = true edges, R = true edges found / |S|.
Baselines, computed from the same webhook bodies (firing alerts, deduplicated by type+resource+startsAt):
    global-cooc  ordered pairs of alerts within a window W over all alerts; edge when
                 (count / count expected under independence) >= theta; direction = the order seen more often
    local-cooc   the same, only pairs on the same resource or on linked resources (topology.json);
                 expectation from per-resource rates
    (W, theta) are chosen on the dev seeds only and then frozen.
    TTPM         gcastle's published topological Hawkes method on the thp sets' raw events (a time prefix
                 of the set, see --ttpm); results cached in ttpm_results.json and shown when present.

    python3 Benchmarks/locality/eval_locality.py                       # dev + report + thp
    python3 Benchmarks/locality/eval_locality.py --sets report --keep /tmp/loc
    python3 Benchmarks/locality/eval_locality.py --sets thp --ttpm     # (re)compute the TTPM column
    python3 Benchmarks/locality/eval_locality.py --perf                # 20k / 200k / 2M deliveries, 500 resources
    python3 Benchmarks/locality/eval_locality.py --json > results.json

Standard library only, except the thp sets and --ttpm (gcastle with numpy/pandas/networkx/scipy).
"""

import argparse
import bisect
import collections
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_locality  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
TTPM_CACHE = os.path.join(HERE, "ttpm_results.json")
WINDOWS = [30, 60, 120, 300, 600]
THETAS = [1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0]
MIN_COUNT = 5
RESOURCE_KEYS = ("host", "hostname", "node", "nodename", "device", "instance")


# ------------------------------------------------------------------------------------------------
# scoring
# ------------------------------------------------------------------------------------------------
def score(pred, true_edges, types):
    """pred: iterable of (cause, effect, directed). Directed F1 as defined in issue 21."""
    S = {tuple(e) for e in true_edges}
    skel = {frozenset(e) for e in S}
    types = set(types)
    P = set()
    for c, e, directed in pred:
        if c == e:
            continue
        P.add((c, e) if directed else frozenset((c, e)))
    correct = 0
    hit = set()
    dir_ok = dir_n = 0
    foreign = 0
    skel_pred = set()
    for p in P:
        if isinstance(p, tuple):
            a, b = p
            if a not in types or b not in types:
                foreign += 1
                continue
            skel_pred.add(frozenset(p))
            if frozenset(p) in skel:
                dir_n += 1
            if p in S:
                correct += 1
                dir_ok += 1
                hit.add(p)
        else:
            if not p <= types:
                foreign += 1
                continue
            skel_pred.add(p)
            a, b = sorted(p)
            if p in skel:
                dir_n += 1
                correct += 1
                hit.add((a, b) if (a, b) in S else (b, a))
    prec = correct / len(P) if P else 0.0
    rec = len(hit) / len(S) if S else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    sk_tp = len(skel_pred & skel)
    sk_p = sk_tp / len(skel_pred) if skel_pred else 0.0
    sk_r = sk_tp / len(skel) if skel else 0.0
    return {"found": len(P), "correct": correct, "true_found": len(hit), "true_edges": len(S),
            "precision": prec, "recall": rec, "f1": f1,
            "direction_acc": dir_ok / dir_n if dir_n else 0.0,
            "undirected_found": sum(1 for p in P if not isinstance(p, tuple)),
            "skeleton_f1": 2 * sk_p * sk_r / (sk_p + sk_r) if sk_p + sk_r else 0.0,
            "foreign_edges": foreign}


# ------------------------------------------------------------------------------------------------
# reading the bodies (what the baselines see)
# ------------------------------------------------------------------------------------------------
def resource_of(labels):
    for k in RESOURCE_KEYS:
        v = labels.get(k)
        if v:
            if k == "instance":
                v = re.sub(r":\d+$", "", v)
            return v
    return None


def parse_time(s):
    if not s or s.startswith("0001-"):
        return None
    return datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp() + (float("0." + s[20:-1]) if len(s) > 21 and s[19] == "." else 0.0)


def read_occurrences(d):
    """(t, type, resource) per distinct alert (type, resource, startsAt); duplicates and resolved copies dropped."""
    seen = set()
    out = []
    deliveries = 0
    for path in sorted(glob.glob(os.path.join(d, "alerts", "**", "*.jsonl"), recursive=True)):
        with open(path) as f:
            for line in f:
                deliveries += 1
                body = json.loads(line)
                for el in body.get("alerts", []):
                    lab = el.get("labels", {})
                    t = parse_time(el.get("startsAt"))
                    typ = lab.get("service")
                    res = resource_of(lab)
                    if t is None or typ is None:
                        continue
                    key = (typ, res, el.get("startsAt"))
                    if key in seen:
                        continue
                    seen.add(key)
                    out.append((t, typ, res))
    out.sort()
    return out, deliveries


def load_topology(d):
    with open(os.path.join(d, "topology.json")) as f:
        links = json.load(f)["links"]
    adj = collections.defaultdict(set)
    for a, b in links:
        adj[a].add(b)
        adj[b].add(a)
    return adj


# ------------------------------------------------------------------------------------------------
# co-occurrence baselines
# ------------------------------------------------------------------------------------------------
class Cooc:
    """Counts of ordered pairs (a first, b within W after) per window in WINDOWS, global and local."""

    def __init__(self, occ, adj, types):
        self.types = sorted(types)
        idx = {t: i for i, t in enumerate(self.types)}
        n = len(self.types)
        self.n = n
        wmax = max(WINDOWS)
        span = (occ[-1][0] - occ[0][0]) if len(occ) > 1 else 1.0
        self.span = max(span, 1.0)
        ts = [o[0] for o in occ]
        ty = [idx.get(o[1], -1) for o in occ]
        nb = len(WINDOWS)
        glob_c = [[0.0] * (n * n) for _ in range(nb)]
        loc_c = [[0.0] * (n * n) for _ in range(nb)]
        wins = WINDOWS

        def wbin(lag):
            for k, w in enumerate(wins):
                if lag <= w:
                    return k
            return -1

        # global: look forward from each alert
        m = len(occ)
        for i in range(m):
            a = ty[i]
            if a < 0:
                continue
            ti = ts[i]
            row = a * n
            j = i + 1
            while j < m and ts[j] - ti <= wmax:
                b = ty[j]
                if b >= 0 and b != a:
                    lag = ts[j] - ti
                    k = wbin(lag)
                    if lag == 0:
                        glob_c[k][row + b] += 0.5
                        glob_c[k][b * n + a] += 0.5
                    else:
                        glob_c[k][row + b] += 1.0
                j += 1
        # local: per resource, alerts on the resource itself and its linked resources
        by_res = collections.defaultdict(list)
        for i in range(m):
            if ty[i] >= 0:
                by_res[occ[i][2]].append(i)
        res_times = {r: [ts[i] for i in l] for r, l in by_res.items()}
        cnt_res = collections.defaultdict(lambda: [0] * n)
        for r, l in by_res.items():
            c = cnt_res[r]
            for i in l:
                c[ty[i]] += 1
        for r, l in by_res.items():
            hood = [r] + [x for x in adj.get(r, ()) if x in by_res]
            for i in l:
                a = ty[i]
                ti = ts[i]
                row = a * n
                for r2 in hood:
                    tl = res_times[r2]
                    il = by_res[r2]
                    j = bisect.bisect_left(tl, ti)
                    while j < len(tl) and tl[j] - ti <= wmax:
                        jj = il[j]
                        b = ty[jj]
                        if jj != i and b != a:
                            lag = tl[j] - ti
                            k = wbin(lag)
                            if lag == 0:      # the other one adds the other half when its turn comes
                                loc_c[k][row + b] += 0.5
                            else:
                                loc_c[k][row + b] += 1.0
                        j += 1
        # cumulative over windows
        for cc in (glob_c, loc_c):
            for k in range(1, nb):
                prev, cur = cc[k - 1], cc[k]
                for x in range(n * n):
                    cur[x] += prev[x]
        self.glob = glob_c
        self.loc = loc_c
        # expectations per unit window: global n_a n_b / T; local sum_r n_a(r) * sum_{r' in N[r]} n_b(r') / T
        tot = [0] * n
        for b in ty:
            if b >= 0:
                tot[b] += 1
        self.exp_glob = [tot[a] * tot[b] / self.span for a in range(n) for b in range(n)]
        hood_cnt = {}
        for r in by_res:
            h = list(cnt_res[r])
            for x in adj.get(r, ()):
                if x in cnt_res:
                    cx = cnt_res[x]
                    for b in range(n):
                        h[b] += cx[b]
            hood_cnt[r] = h
        el = [0.0] * (n * n)
        for r in by_res:
            ca, hb = cnt_res[r], hood_cnt[r]
            for a in range(n):
                if ca[a]:
                    row = a * n
                    for b in range(n):
                        if hb[b]:
                            el[row + b] += ca[a] * hb[b]
        self.exp_loc = [x / self.span for x in el]

    def edges(self, kind, w, theta):
        k = WINDOWS.index(w)
        c = self.glob[k] if kind == "global" else self.loc[k]
        e = self.exp_glob if kind == "global" else self.exp_loc
        n = self.n
        out = []
        for a in range(n):
            for b in range(a + 1, n):
                ab, ba = c[a * n + b], c[b * n + a]
                obs = ab + ba
                if obs < MIN_COUNT:
                    continue
                exp = (e[a * n + b] + e[b * n + a]) * w
                if exp <= 0 or obs / exp < theta:
                    continue
                ta, tb = self.types[a], self.types[b]
                if ab > ba:
                    out.append((ta, tb, True))
                elif ba > ab:
                    out.append((tb, ta, True))
                else:
                    out.append((ta, tb, False))
        return out


def tune(coocs_truths):
    best = {}
    for kind in ("global", "local"):
        cands = []
        for w in WINDOWS:
            for th in THETAS:
                f = [score(c.edges(kind, w, th), t["edges"], t["types"])["f1"] for c, t in coocs_truths]
                cands.append((sum(f) / len(f), w, th))
        f1, w, th = max(cands, key=lambda x: (round(x[0], 6), -x[1], -x[2]))
        best[kind] = {"window": w, "theta": th, "dev_f1": f1}
    return best


# ------------------------------------------------------------------------------------------------
# parallax
# ------------------------------------------------------------------------------------------------
def find_parallax(arg):
    if arg:
        return os.path.abspath(arg)
    for p in (".build/release/parallax", ".build/debug/parallax"):
        full = os.path.join(REPO, p)
        if os.path.exists(full):
            return full
    sys.exit("no parallax binary: build with `swift build -c release --product parallax` or pass --parallax")


def infer_flags(binary):
    pr = subprocess.run([binary, "infer", "--help"], capture_output=True, text=True)
    h = pr.stdout + pr.stderr
    return {"resource_topology": "--resource-topology" in h, "locality_label": "--locality-label" in h}


def run_parallax(binary, d, flags, use_topology=True, extra=()):
    out = os.path.join(d, "graph.json")
    cmd = [binary, "infer", "--alerts", os.path.join(d, "alerts"), "--format", "json", "--output", out]
    if use_topology and flags["resource_topology"]:
        cmd += ["--resource-topology", os.path.join(d, "topology.json")]
    cmd += list(extra)
    timed = os.path.exists("/usr/bin/time")
    full = (["/usr/bin/time", "-v"] + cmd) if timed else cmd
    t = time.time()
    pr = subprocess.run(full, capture_output=True, text=True)
    el = time.time() - t
    if pr.returncode != 0:
        raise RuntimeError("parallax failed (%d): %s\n%s" % (pr.returncode, " ".join(cmd), pr.stderr[-3000:]))
    with open(out) as f:
        g = json.load(f)
    with open(os.path.join(d, "parallax.stderr"), "w") as f:
        f.write(pr.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", pr.stderr)
    note = [l for l in pr.stderr.splitlines() if l.startswith("alerts:")]
    skipped = [l for l in pr.stderr.splitlines() if l.strip().startswith("skipped")]
    return g, {"seconds": round(el, 2), "max_rss_mb": round(int(rss.group(1)) / 1024.0, 1) if rss else None,
               "note": note[0] if note else "", "skipped": len(skipped), "cmd": " ".join(cmd[1:])}


def graph_edges(g):
    """Parallax edge source (caller, alerts later) -> target (dependency, alerts first) = causal target -> source."""
    pred = []
    for e in g.get("edges", []):
        inf = e.get("inferred") or {}
        if not inf:
            continue
        pred.append((e["target"], e["source"], bool(inf.get("directed"))))
    return pred


def node_report(g, truth):
    types = set(truth["types"])
    res = set(truth["resources"])
    ids = [n["id"] for n in g.get("nodes", [])]
    t = [i for i in ids if i in types]
    r = [i for i in ids if i in res]
    other = [i for i in ids if i not in types and i not in res]
    return {"nodes": len(ids), "type_nodes": len(t), "resource_nodes": len(r), "other_nodes": other[:10],
            "other_count": len(other), "types_missing": sorted(types - set(t))[:10],
            "types_missing_count": len(types - set(t))}


# ------------------------------------------------------------------------------------------------
# TTPM (gcastle) on the thp sets
# ------------------------------------------------------------------------------------------------
def load_ttpm_cache():
    if os.path.exists(TTPM_CACHE):
        with open(TTPM_CACHE) as f:
            return json.load(f)
    return {}


def ttpm_key(setting, seed, max_events):
    return "%s/%d/%d" % (setting, seed, max_events)


TTPM_WORKER = r'''
import importlib.util, json, os, sys, time, logging
os.environ["TQDM_DISABLE"] = "1"
logging.disable(logging.INFO)
import numpy as np, pandas as pd, castle
# castle.algorithms/__init__ imports torch-based learners; load the TTPM module file by itself
spec = importlib.util.spec_from_file_location("castle_ttpm", os.path.join(os.path.dirname(castle.__file__), "algorithms", "ttpm", "ttpm.py"))
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
d, max_events, max_hop, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
m = json.load(open(os.path.join(d, "matrices.json")))
X = pd.read_csv(os.path.join(d, "events.csv")).sort_values("timestamp", kind="stable").head(max_events).reset_index(drop=True)
topo = np.asarray(m["topology"], dtype=float)
t = time.time()
algo = mod.TTPM(topo, max_hop=max_hop)
algo.learn(X)
C = algo.causal_matrix
names = [int(x) for x in C.columns]
A = np.asarray(C)
edges = [[names[i], names[j]] for i in range(len(names)) for j in range(len(names)) if i != j and A[i, j]]
json.dump({"edges": edges, "seconds": round(time.time() - t, 1), "events": int(len(X)),
           "span_s": float(X["timestamp"].max() - X["timestamp"].min())}, open(out, "w"))
'''


def run_ttpm(d, truth, max_events, timeout):
    hop = truth["config"]["max_hop"]
    out = os.path.join(d, "ttpm.json")
    worker = os.path.join(d, "ttpm_worker.py")
    with open(worker, "w") as f:
        f.write(TTPM_WORKER)
    t = time.time()
    try:
        pr = subprocess.run([sys.executable, worker, d, str(max_events), str(hop), out], capture_output=True,
                            text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "timeout_s": timeout, "events": max_events, "max_hop": hop}
    if pr.returncode != 0:
        return {"status": "error", "error": pr.stderr[-1500:], "events": max_events, "max_hop": hop}
    with open(out) as f:
        r = json.load(f)
    types = truth["types"]
    pred = [(types[a], types[b], True) for a, b in r["edges"]]
    s = score(pred, truth["edges"], types)
    return {"status": "ok", "seconds": r["seconds"], "wall_s": round(time.time() - t, 1), "events": r["events"],
            "span_s": r["span_s"], "max_hop": hop, "score": s}


def prefix_set(d, truth, max_events, outdir):
    """The first max_events events of a thp set (what TTPM sees), as bodies, for a same-data parallax run."""
    import gen_thp
    with open(os.path.join(d, "events.csv")) as f:
        rows = [tuple(int(x) for x in l.split(",")) for l in f.read().splitlines()[1:]]
    rows.sort(key=lambda r: r[1])
    cut = rows[:max_events]
    keep = {(truth["types"][e], truth["resources"][n], gen_thp.iso(ts)) for e, ts, n in cut}
    if os.path.isdir(outdir):
        shutil.rmtree(outdir)
    os.makedirs(os.path.join(outdir, "alerts"))
    shutil.copy(os.path.join(d, "topology.json"), outdir)
    with open(os.path.join(outdir, "alerts", "prefix.jsonl"), "w") as fo:
        for path in sorted(glob.glob(os.path.join(d, "alerts", "**", "*.jsonl"), recursive=True)):
            with open(path) as f:
                for line in f:
                    b = json.loads(line)
                    el = b["alerts"][0]
                    if (el["labels"]["service"], el["labels"]["host"], el["startsAt"]) in keep:
                        fo.write(line)


# ------------------------------------------------------------------------------------------------
def parse_seeds(s):
    out = []
    for part in s.split(","):
        if "-" in part:
            a, b = part.split("-")
            out += list(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def make_set(kind, ident, d, label):
    if kind in ("dev", "report"):
        return gen_locality.generate(ident, d, resource_label=label, quiet=True)
    import gen_thp
    setting, seed = ident
    return gen_thp.generate(setting, seed, d, quiet=True)


def evaluate_set(kind, ident, d, truth, binary, flags, params, ttpm_cache, a):
    occ, deliveries = read_occurrences(d)
    adj = load_topology(d)
    co = Cooc(occ, adj, truth["types"])
    g, run = run_parallax(binary, d, flags, use_topology=not a.no_topology)
    s = score(graph_edges(g), truth["edges"], truth["types"])
    r = {"kind": kind, "set": ident if kind != "thp" else "%s/%d" % ident, "seed": ident if kind != "thp" else ident[1],
         "alerts": truth["stats"]["alerts"], "deliveries": deliveries, "occurrences": len(occ),
         "types": len(truth["types"]), "resources": truth["stats"]["resources"],
         "resources_alerting": truth["stats"].get("resources_alerting"), "links": truth["stats"]["links"],
         "days": truth["stats"]["days"], "true_edges": len(truth["edges"]),
         "evidenced_edges": len(truth.get("evidenced_edges", [])) if "evidenced_edges" in truth else None,
         "parallax": s, "run": run, "nodes": node_report(g, truth)}
    if params:
        for k in ("global", "local"):
            p = params[k]
            r["cooc_" + k] = score(co.edges(k, p["window"], p["theta"]), truth["edges"], truth["types"])
    if kind == "thp":
        key = ttpm_key(ident[0], ident[1], a.ttpm_events)
        if a.ttpm:
            tr = run_ttpm(d, truth, a.ttpm_events, a.ttpm_timeout)
            tr["gcastle"] = gcastle_version()
            tr["measured"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
            ttpm_cache[key] = tr
        if key in ttpm_cache:
            tr = dict(ttpm_cache[key])
            if tr["status"] == "ok":
                # parallax and the baselines on exactly the events TTPM saw (computed now, not cached)
                pd_ = d + "-prefix"
                prefix_set(d, truth, tr["events"], pd_)
                g2, run2 = run_parallax(binary, pd_, flags, use_topology=not a.no_topology)
                tr["parallax_same_events"] = score(graph_edges(g2), truth["edges"], truth["types"])
                if params:
                    co2 = Cooc(read_occurrences(pd_)[0], load_topology(pd_), truth["types"])
                    for k in ("global", "local"):
                        p = params[k]
                        tr["cooc_%s_same_events" % k] = score(co2.edges(k, p["window"], p["theta"]),
                                                              truth["edges"], truth["types"])
                if not a.keep:
                    shutil.rmtree(pd_, ignore_errors=True)
            r["ttpm"] = tr
    return r


def gcastle_version():
    try:
        import castle
        return castle.__version__
    except Exception:
        return None


def fmt(x):
    return "-" if x is None else "%.2f" % x


def print_tables(results, params, binary, flags, a, total):
    print("binary: %s (infer --resource-topology: %s%s)" % (
        os.path.relpath(binary, REPO) if binary.startswith(REPO) else binary,
        "yes, passed" if flags["resource_topology"] and not a.no_topology else ("yes, not passed" if flags["resource_topology"] else "no"),
        ", --locality-label: yes" if flags["locality_label"] else ""))
    if params:
        print("baselines (tuned on dev seeds %s): global-cooc W=%ds theta=%.2f (dev F1 %.2f), local-cooc W=%ds theta=%.2f (dev F1 %.2f)" % (
            ",".join(str(x) for x in gen_locality.DEV_SEEDS), params["global"]["window"], params["global"]["theta"],
            params["global"]["dev_f1"], params["local"]["window"], params["local"]["theta"], params["local"]["dev_f1"]))
    print()
    print("| set | alerts | deliveries | types | resources | true edges | found (undir.) | P | R | F1 | dir acc | skeleton F1 | foreign edges | nodes: types/resources/other | parallax s | RSS MB | global-cooc F1 | local-cooc F1 | TTPM F1 (first events) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        s, n = r["parallax"], r["nodes"]
        t = r.get("ttpm")
        if t is None:
            tt = "-" if r["kind"] == "thp" else ""
        elif t["status"] == "ok":
            tt = "%s (%d events)" % (fmt(t["score"]["f1"]), t["events"])
        else:
            tt = "%s (%d events)" % (t["status"], t["events"])
        print("| %s %s | %d | %d | %d | %d | %d | %d (%d) | %s | %s | %s | %s | %s | %d | %d/%d/%d | %.1f | %s | %s | %s | %s |" % (
            r["kind"], r["set"], r["alerts"], r["deliveries"], r["types"], r["resources"], r["true_edges"],
            s["found"], s["undirected_found"], fmt(s["precision"]), fmt(s["recall"]), fmt(s["f1"]), fmt(s["direction_acc"]),
            fmt(s["skeleton_f1"]), s["foreign_edges"], n["type_nodes"], n["resource_nodes"], n["other_count"],
            r["run"]["seconds"], "%.0f" % r["run"]["max_rss_mb"] if r["run"]["max_rss_mb"] else "-",
            fmt(r.get("cooc_global", {}).get("f1")), fmt(r.get("cooc_local", {}).get("f1")), tt))
    print()
    by = collections.OrderedDict()
    for r in results:
        by.setdefault(r["kind"], []).append(r)
    print("| sets | runs | mean P | mean R | mean F1 | mean dir acc | global-cooc F1 | local-cooc F1 | TTPM F1 (prefix) | parallax F1 on the TTPM prefix |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for k, rs in by.items():
        m = lambda f: sum(f(r) for r in rs) / len(rs)
        tt = [r["ttpm"] for r in rs if r.get("ttpm", {}).get("status") == "ok"]
        print("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            k, len(rs), fmt(m(lambda r: r["parallax"]["precision"])), fmt(m(lambda r: r["parallax"]["recall"])),
            fmt(m(lambda r: r["parallax"]["f1"])), fmt(m(lambda r: r["parallax"]["direction_acc"])),
            fmt(m(lambda r: r.get("cooc_global", {}).get("f1", 0.0))), fmt(m(lambda r: r.get("cooc_local", {}).get("f1", 0.0))),
            fmt(sum(t["score"]["f1"] for t in tt) / len(tt)) if tt else "-",
            fmt(sum(t["parallax_same_events"]["f1"] for t in tt if "parallax_same_events" in t) / len(tt)) if tt else "-"))
    tts = [r for r in results if r.get("ttpm")]
    if tts:
        print()
        print("TTPM (gcastle %s, max_hop of the set) on the first events of each thp set; everything in this table sees the same events:" % (
            tts[0]["ttpm"].get("gcastle")))
        print()
        print("| set | events | span h | TTPM P | TTPM R | TTPM F1 | TTPM dir acc | TTPM s | parallax P | parallax R | parallax F1 | global-cooc F1 | local-cooc F1 |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in tts:
            t = r["ttpm"]
            if t["status"] != "ok":
                print("| %s | %d | | %s after %s s | | | | | | | | | |" % (r["set"], t["events"], t["status"], t.get("timeout_s", "")))
                continue
            ts, ps = t["score"], t.get("parallax_same_events", {})
            print("| %s | %d | %.1f | %s | %s | %s | %s | %.0f | %s | %s | %s | %s | %s |" % (
                r["set"], t["events"], t["span_s"] / 3600.0, fmt(ts["precision"]), fmt(ts["recall"]), fmt(ts["f1"]),
                fmt(ts["direction_acc"]), t["seconds"], fmt(ps.get("precision")), fmt(ps.get("recall")), fmt(ps.get("f1")),
                fmt(t.get("cooc_global_same_events", {}).get("f1")), fmt(t.get("cooc_local_same_events", {}).get("f1"))))
    odd = [r for r in results if r["nodes"]["other_count"] or r["nodes"]["resource_nodes"] or r["nodes"]["types_missing_count"] or r["run"]["skipped"]]
    if odd:
        print()
        for r in odd:
            n = r["nodes"]
            print("note %s %s: %d resource nodes, other nodes %s, types without a node %s, skipped bodies %d" % (
                r["kind"], r["set"], n["resource_nodes"], n["other_nodes"], n["types_missing"], r["run"]["skipped"]))
    print()
    print("total %.0f s" % total)


# ------------------------------------------------------------------------------------------------
# perf
# ------------------------------------------------------------------------------------------------
PERF_SEED = 901
PERF_SIZES = [20000, 200000, 2000000]


def perf(a, binary, flags):
    root = a.keep or tempfile.mkdtemp(prefix="locality-perf-")
    rows = []
    try:
        for n in (parse_seeds(a.perf_sizes) if a.perf_sizes else PERF_SIZES):
            d = os.path.join(root, "perf-%d" % n)
            t = time.time()
            target = max(1000, int(n / gen_locality.DELIVERIES_PER_ALERT))
            truth = gen_locality.generate(PERF_SEED, d, n_resources=500, target_alerts=target,
                                          days=max(1.0, target / 3500.0), quiet=True, write_episodes=False)
            gen_s = time.time() - t
            g, run = run_parallax(binary, d, flags, use_topology=not a.no_topology)
            s = score(graph_edges(g), truth["edges"], truth["types"])
            rows.append({"target": n, "deliveries": truth["stats"]["deliveries"], "alerts": truth["stats"]["alerts"],
                         "days": truth["stats"]["days"], "gen_s": round(gen_s, 1), "run": run, "f1": s["f1"],
                         "found": s["found"], "true_edges": s["true_edges"]})
            print("  perf %d: %d deliveries, parallax %.1f s, RSS %s MB (generated in %.0f s)" % (
                n, truth["stats"]["deliveries"], run["seconds"], run["max_rss_mb"], gen_s), file=sys.stderr)
            if not a.keep:
                shutil.rmtree(d, ignore_errors=True)
    finally:
        if not a.keep:
            shutil.rmtree(root, ignore_errors=True)
    if a.json:
        json.dump({"binary": binary, "perf": rows}, sys.stdout, indent=1)
        print()
        return
    print("binary: %s, %d cores, seed %d, 500 resources" % (binary, os.cpu_count() or 0, PERF_SEED))
    print()
    print("| deliveries | alerts | days | parallax wall s | peak RSS MB | s per 100k deliveries | found / true edges | F1 |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %d | %d | %.1f | %.2f | %s | %.2f | %d / %d | %s |" % (
            r["deliveries"], r["alerts"], r["days"], r["run"]["seconds"], r["run"]["max_rss_mb"],
            r["run"]["seconds"] / r["deliveries"] * 1e5, r["found"], r["true_edges"], fmt(r["f1"])))


# ------------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="dev,report,thp", help="comma-separated: dev, report, thp")
    ap.add_argument("--dev-seeds", default="1-5")
    ap.add_argument("--report-seeds", default="101-105")
    ap.add_argument("--thp", default=None, help="thp sets as setting:seed,... (default: gen_thp.REPORT_SETS)")
    ap.add_argument("--resource-label", default="host", choices=["host", "device", "instance"],
                    help="label that carries the resource in gen_locality sets (default host)")
    ap.add_argument("--no-topology", action="store_true", help="never pass --resource-topology")
    ap.add_argument("--parallax", default=None, help="binary (default .build/release/parallax, else .build/debug/parallax)")
    ap.add_argument("--keep", default=None, help="keep generated sets and outputs under this directory")
    ap.add_argument("--ttpm", action="store_true", help="run gcastle TTPM on the thp sets and update ttpm_results.json")
    ap.add_argument("--ttpm-events", type=int, default=5000, help="TTPM sees the first N events of a thp set (default 5000)")
    ap.add_argument("--ttpm-timeout", type=int, default=900, help="seconds per set before TTPM is skipped")
    ap.add_argument("--perf", action="store_true", help="timing/RSS of parallax infer on 20k, 200k, 2M deliveries")
    ap.add_argument("--perf-sizes", default=None, help="e.g. 20000,200000")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--from-json", default=None, help="print the tables of a saved --json run")
    a = ap.parse_args()
    if a.from_json:
        with open(a.from_json) as f:
            doc = json.load(f)
        a.no_topology = doc.get("no_topology", False)
        print_tables(doc["results"], doc["baseline_params"], doc["binary"], doc["flags"], a, doc["seconds"])
        return
    binary = find_parallax(a.parallax)
    flags = infer_flags(binary)
    if a.perf:
        perf(a, binary, flags)
        return
    kinds = [k.strip() for k in a.sets.split(",") if k.strip()]
    dev_seeds = parse_seeds(a.dev_seeds)
    report_seeds = parse_seeds(a.report_seeds)
    if set(dev_seeds) & set(gen_locality.REPORT_SEEDS) or set(report_seeds) & set(gen_locality.DEV_SEEDS):
        sys.exit("dev and report seeds must not mix (dev %s, report %s)" % (gen_locality.DEV_SEEDS, gen_locality.REPORT_SEEDS))
    thp_sets = None
    if "thp" in kinds:
        try:
            import castle  # noqa: F401
        except ImportError:
            if a.sets.strip() == "thp" or a.ttpm:
                sys.exit("the thp sets need gcastle: pip install gcastle")
            print("note: gcastle is not installed (pip install gcastle): thp sets skipped", file=sys.stderr)
            kinds.remove("thp")
    if "thp" in kinds:
        import gen_thp
        thp_sets = gen_thp.REPORT_SETS if not a.thp else [
            (x.split(":")[0], int(x.split(":")[1])) for x in a.thp.split(",")]
    root = a.keep or tempfile.mkdtemp(prefix="locality-")
    os.makedirs(root, exist_ok=True)
    ttpm_cache = load_ttpm_cache()
    t0 = time.time()
    results = []
    try:
        # 1. tune the baselines on the dev seeds (always the dev seeds, whatever is reported)
        tuned = []
        dev_dirs = {}
        for seed in dev_seeds:
            d = os.path.join(root, "dev-%d" % seed)
            truth = gen_locality.generate(seed, d, resource_label=a.resource_label, quiet=True)
            occ, _ = read_occurrences(d)
            tuned.append((Cooc(occ, load_topology(d), truth["types"]), truth))
            dev_dirs[seed] = (d, truth)
            if "dev" not in kinds and not a.keep:
                shutil.rmtree(d, ignore_errors=True)
        params = tune(tuned)
        del tuned
        if not a.json:
            print("  baselines tuned on dev seeds (%.0f s)" % (time.time() - t0), file=sys.stderr)
        plan = []
        if "dev" in kinds:
            plan += [("dev", s) for s in dev_seeds]
        if "report" in kinds:
            plan += [("report", s) for s in report_seeds]
        if thp_sets:
            plan += [("thp", x) for x in thp_sets]
        for kind, ident in plan:
            if kind == "dev":
                d, truth = dev_dirs[ident]
            else:
                name = "%s-%s" % (kind, ident if kind != "thp" else "%s-%d" % ident)
                d = os.path.join(root, name)
                truth = make_set(kind, ident, d, a.resource_label)
            r = evaluate_set(kind, ident, d, truth, binary, flags, params, ttpm_cache, a)
            results.append(r)
            if not a.json:
                print("  done %s %s: F1 %.2f (%.0f s)" % (kind, r["set"], r["parallax"]["f1"], time.time() - t0), file=sys.stderr)
            if not a.keep:
                shutil.rmtree(d, ignore_errors=True)
    finally:
        if not a.keep:
            shutil.rmtree(root, ignore_errors=True)
    if a.ttpm:
        with open(TTPM_CACHE, "w") as f:
            json.dump(ttpm_cache, f, indent=1, sort_keys=True)
    total = time.time() - t0
    if a.json:
        json.dump({"binary": binary, "flags": flags, "no_topology": a.no_topology, "baseline_params": params,
                   "results": results, "seconds": round(total, 1)}, sys.stdout, indent=1)
        print()
        return
    print_tables(results, params, binary, flags, a, total)


if __name__ == "__main__":
    main()
