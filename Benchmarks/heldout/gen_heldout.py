#!/usr/bin/env python3
"""Held-out alert-history generator for Parallax's alert-based dependency inference.

For one topology and one seed, simulates ~90 days of failures in a service graph and writes what
the organisation's seven alerting tools would have POSTed to a webhook: Alertmanager, Grafana
unified alerting, Datadog, Sentry, CloudWatch (SNS / SNS->Lambda / EventBridge), PagerDuty v3 and
Opsgenie. Bodies are written as ndjson grouped per tool and delivery day, in shuffled order:

    OUT/alerts/<tool>/<YYYY-MM-DD>.jsonl
    OUT/truth.json   topology, seed, entities (kind, team, every raw name any tool used), edges
    OUT/meta.jsonl   one line per delivered alert (time, tool, entity, raw name, noise, incident)

Standard library only. Deterministic per (topology, seed). See README.md in this folder.
"""

import argparse
import collections
import datetime as _dt
import hashlib
import json
import math
import os
import random
import re
import shutil
import sys
from urllib.parse import quote, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from naming import OrgNaming, TECH_SHORT, dns, pick_words, title_case, camel, variants  # noqa: E402
from topologies import TOPOLOGIES  # noqa: E402

DAY = 86400.0
TOOLS = ["alertmanager", "grafana", "datadog", "sentry", "cloudwatch", "pagerduty", "opsgenie"]
K8S_ALPHA = "bcdfghjklmnpqrstvwxz2456789"
HEX = "0123456789abcdef"

# label / tag / dimension keys that the Parallax docs list as entity-bearing (compared lowercased,
# non-alphanumerics removed). Used only to record every raw name in truth.json.
ENTITY_KEYS = {re.sub(r"[^a-z0-9]", "", k.lower()) for k in [
    "service", "service_name", "app", "application", "app.kubernetes.io/name", "k8s-app", "container",
    "container_name", "kube_container_name", "ServiceName", "ApiName", "server", "client", "job", "deployment",
    "kube_deployment", "statefulset", "daemonset", "workload", "pod", "pod_name", "kubernetes_pod_name",
    "instance", "host", "hostname", "node", "nodename", "InstanceId", "db", "database", "database_id", "db_name",
    "DBInstanceIdentifier", "DBClusterIdentifier", "TableName", "CacheClusterId", "ReplicationGroupId", "queue",
    "queue_name", "topic", "TopicName", "StreamName", "DeliveryStreamName", "LoadBalancer", "LoadBalancerName",
    "TargetGroup", "FunctionName", "function", "faas.name", "ClusterName", "BucketName", "AutoScalingGroupName",
    "FileSystemId", "DomainName", "Broker", "Cluster Name"]}


def nkey(k):
    return re.sub(r"[^a-z0-9]", "", k.lower())


# ------------------------------------------------------------------------------------------------
# time formatting
# ------------------------------------------------------------------------------------------------
def utc(t):
    return _dt.datetime.fromtimestamp(t, _dt.timezone.utc)


def iso_ms(t):
    d = utc(t)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def iso_s(t):
    return utc(t).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_us(t):
    return utc(t).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_ns(t, extra):
    d = utc(t)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%06d%03dZ" % (d.microsecond, extra)


def iso_cw(t):
    d = utc(t)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+0000" % (d.microsecond // 1000)


def dd_text(t):
    return utc(t).strftime("%a %b %d %Y %H:%M:%S UTC")


def day_of(t):
    return utc(t).strftime("%Y-%m-%d")


# ------------------------------------------------------------------------------------------------
# small random helpers
# ------------------------------------------------------------------------------------------------
def lognorm(rng, median, sigma):
    return median * math.exp(rng.gauss(0.0, sigma))


def rid(rng, n, alpha=HEX):
    return "".join(rng.choice(alpha) for _ in range(n))


def ruuid(rng):
    h = rid(rng, 32)
    return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], rng.choice("89ab"), h[17:20], h[20:32])


def k8s_hash(rng, n):
    while True:
        s = "".join(rng.choice(K8S_ALPHA) for _ in range(n))
        if any(c.isdigit() for c in s):
            return s


def pd_id(rng, prefix="P"):
    return prefix + rid(rng, 6, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def fnv64_labels(labels):
    """Alertmanager's model.LabelSet.Fingerprint: FNV-1a 64 over sorted name/value with 0xff separators."""
    h = 0xcbf29ce484222325
    for k in sorted(labels):
        for part in (k, labels[k]):
            for b in part.encode():
                h ^= b
                h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
            h ^= 0xFF
            h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


# ------------------------------------------------------------------------------------------------
# names registry (truth)
# ------------------------------------------------------------------------------------------------
class Registry:
    def __init__(self):
        self.names = collections.defaultdict(set)   # raw name -> set(entity ids)
        self.infra = set()                           # names of monitoring infrastructure, no entity

    def add(self, ent, value):
        if value is None:
            return
        v = str(value)
        if not v or v in self.infra:
            return
        self.names[v].add(ent)
        if v.startswith(("http://", "https://")):
            self.names[urlsplit(v).hostname or v].add(ent)
        if re.match(r"^[^/]+:\d+$", v) and not v.startswith("arn:"):     # host:port -> also host
            self.names[v.rsplit(":", 1)[0]].add(ent)

    def add_infra(self, value):
        self.infra.add(str(value))
        if re.match(r"^[^/]+:\d+$", str(value)):
            self.infra.add(str(value).rsplit(":", 1)[0])

    def labels(self, ent, labels):
        for k, v in labels.items():
            if nkey(k) in ENTITY_KEYS and v not in self.infra:
                self.add(ent, v)

    def entity_names(self):
        per = collections.defaultdict(set)
        shared = set()
        for n, es in self.names.items():
            if n in self.infra:
                continue
            if len(es) == 1:
                per[next(iter(es))].add(n)
            else:
                shared.add(n)
        return per, shared


# ------------------------------------------------------------------------------------------------
# world: entities, names, hosting
# ------------------------------------------------------------------------------------------------
class World:
    def __init__(self, topo, seed, days):
        self.topo = topo
        self.seed = seed
        self.days = days
        self.rng = random.Random("heldout/%s/%d" % (topo, seed))
        self.name_rng = random.Random("heldout-names/%s/%d" % (topo, seed))
        ents, edges = TOPOLOGIES[topo](random.Random("heldout-topo/%s/%d" % (topo, seed)))
        self.ents = ents
        self.E = {e.id: e for e in ents}
        self.edges = [tuple(x) for x in edges]
        self.org = OrgNaming(topo, ents, self.name_rng)
        start = _dt.datetime(2026, 1, 5, tzinfo=_dt.timezone.utc) + _dt.timedelta(days=(seed * 11) % 70)
        self.t0 = start.timestamp()
        self.t1 = self.t0 + days * DAY
        self.reg = Registry()
        self.sentry_org = str(self.name_rng.randint(1000000, 4999999))
        self.callers = collections.defaultdict(list)
        self.callees = collections.defaultdict(list)
        for a, b in self.edges:
            self.callers[b].append(a)
            self.callees[a].append(b)
        self._names()

    # ---------------------------------------------------------------- names + hosting
    def _names(self):
        org, r = self.org, self.name_rng
        self.N = {}
        self.on_ecs = self.topo in ("eshop", "alibaba") and r.random() < 0.5
        self.ksm = {"svc": r.choice(["kube-prometheus-stack-kube-state-metrics", "prometheus-kube-state-metrics",
                                     "kube-state-metrics"]),
                    "ip": "10.%d.%d.%d:8080" % (r.choice([42, 244, 0]), r.randint(0, 20), r.randint(2, 250))}
        if org.ksm_trap:
            self.reg.add_infra(self.ksm["svc"])
            self.reg.add_infra(self.ksm["ip"])
        self.reg.add_infra("kube-state-metrics")
        self.ecs_cluster = dns(org.app + "-" + org.env + r.choice(["", "-cluster", "-ecs"]))
        self.reg.add_infra(self.ecs_cluster)
        renames = r.sample([e.id for e in self.ents if e.is_app], k=min(2, sum(1 for e in self.ents if e.is_app)))
        for e in self.ents:
            n = {}
            k8s = org.k8s_name(e)
            n["k8s"] = k8s
            if e.deployments and (org.keep_upstream or e.kind == "platform"):
                n["deployments"] = list(e.deployments)
            elif e.deployments:
                n["deployments"] = [k8s + d[len(e.upstream):] for d in e.deployments]
            else:
                n["deployments"] = [k8s]
            n["svc"] = k8s if r.random() < 0.85 else dns("-".join(pick_words(e.words, "canon")))
            n["app"] = k8s if r.random() < 0.7 else dns("-".join(pick_words(e.words, r.choice(["canon", "plural"]))))
            n["ns"] = org.namespace(e)
            n["job"] = ("%s/%s" % (n["ns"], k8s)) if org.pod_monitor_jobs else n["svc"]
            n["dd"] = org.dd_service(e, k8s)
            n["dd_rename"] = None
            if e.id in renames and r.random() < 0.6:
                alt = dns(org.app + "-" + "-".join(pick_words(e.words, "canon"))) if not n["dd"].startswith(org.app) \
                    else dns("-".join(pick_words(e.words, "plural")) + "-svc")
                if alt != n["dd"]:
                    n["dd_rename"] = (self.t0 + r.uniform(0.3, 0.7) * (self.t1 - self.t0), alt)
            n["sentry"] = org.sentry_slugs(e) if e.is_app and e.kind != "gateway" or (e.kind == "gateway" and e.lang) else []
            if e.tech in ("nginx", "envoy"):
                n["sentry"] = []
            n["pd"] = org.pd_service(e)
            n["og"] = org.og_entity(e, k8s, n["dd"])
            # hosting
            if e.is_app:
                n["host"] = "ecs" if self.on_ecs and e.kind != "platform" else "k8s"
            elif e.is_store:
                choices = {"mysql": ["rds", "rds", "k8s", "ec2"], "sqlserver": ["rds", "k8s"], "postgres": ["rds", "k8s"],
                           "redis": ["elasticache", "elasticache", "k8s"], "memcached": ["elasticache", "k8s"],
                           "mongodb": ["k8s", "ec2", "docdb"], "rabbitmq": ["amazonmq", "k8s", "k8s"],
                           "kafka": ["msk", "k8s", "ec2"], "elasticsearch": ["ec2", "k8s"]}[e.tech]
                n["host"] = r.choice(choices)
            elif e.kind == "platform":
                n["host"] = "k8s"
            else:
                n["host"] = "external"
            if n["host"] in ("rds", "docdb"):
                n["rds_id"] = org.store_id(e)
                n["rds_cluster"] = r.random() < 0.4
            if n["host"] == "elasticache":
                rg = org.store_id(e)
                n["cache_rg"] = rg
                n["cache_nodes"] = ["%s-%03d" % (rg, i + 1) for i in range(r.choice([1, 2, 3]))]
            if n["host"] in ("amazonmq", "msk"):
                n["broker"] = org.store_id(e)
            if n["host"] == "ec2":
                n["ec2"] = [("i-0" + rid(r, 16), org.ec2_name(e, i + 1)) for i in range(r.choice([1, 2, 3]))]
            if e.is_store:
                n["exporter_port"] = {"mysql": 9104, "redis": 9121, "mongodb": 9216, "rabbitmq": 15692,
                                      "memcached": 9150, "kafka": 9308, "sqlserver": 4000, "elasticsearch": 9114}.get(e.tech, 9100)
            if n["host"] == "k8s" and e.is_store:
                n["sts"] = k8s
                n["exporter_job"] = r.choice([k8s + "-metrics", k8s + "-exporter", k8s])
            if n["host"] == "ecs":
                n["ecs_service"] = r.choice([k8s, dns(org.app + "-" + org.env + "-" + k8s), dns(k8s + "-" + org.env)])
            if e.kind in ("gateway", "frontend"):
                n["lb"] = dns(r.choice([org.app + "-" + org.env + "-" + k8s[:20], k8s[:24] + "-alb", org.env + "-" + k8s[:20]]))[:32].strip("-")
                n["lb_hash"] = rid(r, 16)
                n["public_url"] = "https://%s/%s" % (r.choice(["www." + org.org_slug + ".com", org.app + "." + org.org_slug + ".com"]),
                                                     r.choice(["health", "healthz", "", "api/ping"]))
            if e.kind == "external":
                n["url"] = "https://www.googleapis.com/books/v1/volumes?q=isbn:0486424618"
            # pods and rollouts
            if n["host"] == "k8s" and (e.is_app or e.kind == "platform"):
                n["pods"] = {}
                for d in n["deployments"]:
                    roll = []
                    t = self.t0 - r.uniform(0, 5 * DAY)
                    while t < self.t1:
                        h = k8s_hash(r, r.choice([9, 10, 10]))
                        pods = [("".join(r.choice(K8S_ALPHA) for _ in range(5)),
                                 "10.%d.%d.%d" % (r.choice([42, 244]), r.randint(0, 40), r.randint(2, 250)))
                                for _ in range(r.choice([2, 2, 3, 4]))]
                        roll.append((t, h, pods))
                        t += r.expovariate(1.0 / (r.uniform(2.5, 9) * DAY))
                    n["pods"][d] = roll
            self.N[e.id] = n

    def pod_at(self, eid, t, rng, deployment=None):
        n = self.N[eid]
        if "pods" not in n:
            return None, None, None
        d = deployment or rng.choice(n["deployments"])
        roll = n["pods"][d]
        cur = roll[0]
        for x in roll:
            if x[0] <= t:
                cur = x
            else:
                break
        suffix, ip = rng.choice(cur[2])
        return d, "%s-%s-%s" % (d, cur[1], suffix), ip

    def dd_name(self, eid, t):
        n = self.N[eid]
        if n["dd_rename"] and t >= n["dd_rename"][0]:
            return n["dd_rename"][1]
        return n["dd"]

    def team_value(self, e, tool, mon_rng, mon):
        """The owning team as this monitor writes it: mostly right, sometimes missing, a few wrong."""
        if mon.team_mode == "missing":
            return None
        team = e.team if mon.team_mode == "ok" else mon.wrong_team
        return self.org.team_display[team][tool]


# ------------------------------------------------------------------------------------------------
# monitors
# ------------------------------------------------------------------------------------------------
# sensitivity of each monitor kind to each impairment kind
SENS = {
    "am_red": {"errors": 1, "crash": 1, "saturation": .8, "latency": .35, "load": .3, "blip": .8, "restart": .25, "maint": .2},
    "am_latency": {"errors": .4, "crash": .5, "saturation": .9, "latency": 1, "load": .9, "blip": .7, "maint": .1},
    "am_pod": {"crash": 1, "restart": 1, "errors": .12, "saturation": .1, "blip": .35, "maint": .5},
    "am_exporter": {"crash": 1, "saturation": 1, "latency": .6, "errors": .6, "blip": .6, "restart": .8, "maint": 1, "load": .6},
    "am_platform": {"errors": 1, "crash": 1, "latency": .8, "saturation": .8, "blip": .7, "restart": .6},
    "am_probe": {"errors": 1, "crash": 1, "latency": .7, "blip": 1, "saturation": .6},
    "gf_slo": {"errors": 1, "crash": 1, "latency": .6, "saturation": .8, "blip": .6, "load": .4},
    "gf_resource": {"load": 1, "saturation": 1, "crash": .4, "restart": .6, "latency": .3, "maint": .4},
    "gf_store": {"saturation": 1, "crash": 1, "latency": .7, "errors": .5, "maint": .9, "blip": .5, "load": .8},
    "dd_apm": {"errors": 1, "crash": 1, "latency": .8, "saturation": .8, "load": .5, "blip": .7, "restart": .2},
    "dd_k8s": {"crash": 1, "restart": 1, "saturation": .5, "errors": .2, "blip": .4},
    "dd_store": {"saturation": 1, "crash": 1, "latency": .7, "errors": .4, "blip": .6, "maint": .8, "load": .8},
    "dd_synthetic": {"errors": 1, "crash": 1, "latency": .7, "blip": 1, "saturation": .5},
    "sentry_issue": {"errors": 1, "crash": .6, "latency": .75, "saturation": .7, "blip": .3, "restart": .15},
    "sentry_metric": {"errors": 1, "crash": .8, "latency": .6, "saturation": .6, "blip": .35},
    "sentry_issue_wh": {"errors": 1, "crash": .6, "latency": .7, "saturation": .6, "blip": .25},
    "cw_store": {"saturation": 1, "crash": 1, "latency": .8, "errors": .5, "blip": .8, "load": .8, "maint": 1},
    "cw_ecs": {"crash": 1, "restart": 1, "saturation": .8, "load": 1, "errors": .25, "blip": .5},
    "cw_alb": {"errors": 1, "crash": 1, "latency": 1, "blip": .8, "saturation": .7, "load": .6},
    "cw_ec2": {"crash": 1, "blip": .9, "restart": .5, "maint": 1, "saturation": .3},
    "pd": {"errors": 1, "crash": 1, "latency": .7, "saturation": .8, "blip": .6, "maint": .3, "restart": .3, "load": .5},
    "og": {"errors": 1, "crash": 1, "latency": .7, "saturation": .8, "blip": .6, "maint": .3, "restart": .3, "load": .5},
}
TOOL_OF = {"am": "alertmanager", "gf": "grafana", "dd": "datadog", "sentry": "sentry", "cw": "cloudwatch", "pd": "pagerduty",
           "og": "opsgenie"}


class Mon:
    _n = 0

    def __init__(self, kind, ent, rng):
        Mon._n += 1
        self.id = "m%04d" % Mon._n
        self.kind = kind
        self.tool = TOOL_OF[kind.split("_")[0]]
        self.ent = ent
        self.upstream = None
        self.threshold = rng.uniform(0.22, 0.5)
        self.miss = rng.uniform(0.03, 0.22)
        self.flappy = self.tool in ("alertmanager", "grafana", "datadog", "cloudwatch") and rng.random() < 0.08
        self.noise_rate = math.exp(rng.uniform(math.log(0.006), math.log(0.07))) * (2.5 if self.tool == "sentry" else 1)
        self.team_mode = rng.choices(["ok", "missing", "wrong"], weights=[0.86, 0.10, 0.04])[0]
        self.wrong_team = None
        self.p = {}   # tool/kind specific parameters

    def __repr__(self):
        return "<%s %s %s>" % (self.id, self.kind, self.ent)


def candidates(w, e):
    n = w.N[e.id]
    h = n["host"]
    c = []
    if e.is_app and h == "k8s":
        c += [("am_red", 3), ("am_latency", 1.3), ("am_pod", 1.8), ("gf_slo", 1.8), ("gf_resource", .8), ("dd_apm", 3), ("dd_k8s", .6)]
    if e.is_app and h == "ecs":
        c += [("cw_ecs", 3), ("dd_apm", 3), ("gf_slo", 1)]
    if e.is_app and n["sentry"]:
        c += [("sentry_issue", 1.6), ("sentry_metric", 1.0), ("sentry_issue_wh", .5)]
    if e.kind in ("gateway", "frontend"):
        c += [("cw_alb", 1.2), ("am_probe", .6)]
    if e.is_store:
        if h in ("rds", "docdb", "elasticache", "amazonmq", "msk"):
            c += [("cw_store", 4), ("dd_store", 1.8), ("gf_store", .7)]
        elif h == "ec2":
            c += [("cw_ec2", 2.2), ("dd_store", 2), ("am_exporter", 1.5)]
        else:
            c += [("am_exporter", 4), ("gf_store", 1.4), ("dd_store", 1.4)]
    if e.kind == "external":
        c += [("dd_synthetic", 3), ("am_probe", 3)]
    if e.kind == "platform":
        c += [("am_platform", 4), ("gf_resource", .8), ("dd_k8s", .8)]
    c += [("pd", 2.0 if not e.is_store else 1.4), ("og", 1.4 if e.kind != "external" else .5)]
    return c


def assign_monitors(w):
    rng = random.Random("heldout-mons/%s/%d" % (w.topo, w.seed))
    Mon._n = 0
    mons = collections.defaultdict(list)
    for e in w.ents:
        cand = candidates(w, e)
        k = rng.choices([1, 2, 3, 4], weights=[0.15, 0.35, 0.32, 0.18])[0]
        chosen = []
        wts = dict(cand)
        for _ in range(k):
            keys = [x for x in wts if wts[x] > 0]
            if not keys:
                break
            kk = rng.choices(keys, weights=[wts[x] for x in keys])[0]
            chosen.append(kk)
            wts[kk] = wts[kk] * 0.35 if kk.startswith(("cw_store", "am_red", "cw_ec2", "am_exporter")) else 0
        for kind in chosen:
            mons[e.id].append(Mon(kind, e.id, rng))
    # every tool must appear: add one where it fits best
    present = {m.tool for ms in mons.values() for m in ms}
    for tool in TOOLS:
        if tool in present:
            continue
        opts = []
        for e in w.ents:
            for kind, wt in candidates(w, e):
                if TOOL_OF[kind.split("_")[0]] == tool:
                    opts.append((e, kind, wt))
        if not opts:
            continue
        for _ in range(min(3, len(opts))):
            e, kind, _wt = rng.choices(opts, weights=[o[2] for o in opts])[0]
            mons[e.id].append(Mon(kind, e.id, rng))
    teams = sorted({e.team for e in w.ents})
    for eid, ms in mons.items():
        for m in ms:
            others = [t for t in teams if t != w.E[eid].team]
            m.wrong_team = rng.choice(others) if others else w.E[eid].team
            if m.team_mode == "wrong" and not others:
                m.team_mode = "ok"
        # downstream tools hang off another monitor of the same entity
        ups = [m for m in ms if m.tool not in ("pagerduty", "opsgenie", "sentry")]
        for m in ms:
            if m.tool in ("pagerduty", "opsgenie"):
                m.upstream = rng.choice(ups) if ups and rng.random() < 0.85 else None
        for m in ms:
            setup_monitor(w, m, rng)
    return mons


def setup_monitor(w, m, rng):
    """Tool-specific static configuration of a monitor: rule names, label sets, delays."""
    e, n, org = w.E[m.ent], w.N[m.ent], w.org
    p = m.p
    words_t = title_case(pick_words(e.words, "canon"))
    words_c = camel(pick_words(e.words, "canon"))
    if m.kind == "am_red":
        p["alertname"] = rng.choice(["HighErrorRate", "HTTPErrorRateHigh", words_c + "High5xxRate", "ServiceErrorBudgetBurn",
                                     "RequestErrorsHigh"])
        p["key"] = rng.choice(["service", "service", "job", "app", "service+job"])
        p["for"] = rng.choice([60, 120, 120, 300, 300])
    elif m.kind == "am_latency":
        p["alertname"] = rng.choice(["HighLatencyP99", "SlowRequests", words_c + "LatencyHigh", "APIHighLatency"])
        p["key"] = rng.choice(["service", "job", "app"])
        p["for"] = rng.choice([300, 300, 600])
    elif m.kind == "am_pod":
        p["alertname"] = rng.choice(["KubePodCrashLooping", "KubePodNotReady", "KubeDeploymentReplicasMismatch"])
        p["for"] = {"KubePodCrashLooping": 900, "KubePodNotReady": 900, "KubeDeploymentReplicasMismatch": 900}[p["alertname"]] \
            if rng.random() < 0.6 else rng.choice([300, 600])
    elif m.kind == "am_exporter":
        tech = e.tech
        names = {"mysql": ["MySQLDown", "MysqlTooManyConnections", "MysqlSlowQueries"],
                 "redis": ["RedisDown", "RedisOutOfMemory", "RedisTooManyConnections"],
                 "memcached": ["MemcachedDown", "MemcachedEvictionsHigh"],
                 "mongodb": ["MongodbDown", "MongodbReplicationLag", "MongodbTooManyConnections"],
                 "rabbitmq": ["RabbitmqTooManyMessagesInQueue", "RabbitmqNodeDown", "RabbitmqMemoryHigh"],
                 "kafka": ["KafkaConsumersGroupLag", "KafkaBrokerDown"],
                 "sqlserver": ["MssqlDown", "MssqlDeadlocks"], "elasticsearch": ["ElasticsearchClusterRed", "ElasticsearchHeapUsageTooHigh"]}
        p["alertname"] = rng.choice(names.get(tech, ["ExporterDown"]))
        p["for"] = rng.choice([60, 120, 300])
        p["queue"] = rng.choice(["eshop_event_bus", "ordering", "notification.queue", "events", "payments.settled"]) \
            if tech in ("rabbitmq", "kafka") and rng.random() < 0.6 else None
    elif m.kind == "am_platform":
        if "dns" in e.id:
            p["alertname"] = rng.choice(["CoreDNSErrorsHigh", "CoreDNSLatencyHigh", "CoreDNSForwardErrorsHigh"])
            p["labels"] = rng.choice([{"job": "coredns"}, {"job": "kube-dns"}, {"service": "kube-dns", "job": "coredns"},
                                      {"k8s_app": "kube-dns"}])
        else:
            p["alertname"] = rng.choice(["IstiodXdsPushErrors", "IstioPilotDuplicateEntry", "IstiodDown"])
            p["labels"] = rng.choice([{"app": "istiod", "job": "istiod"}, {"job": "pilot"}, {"app": "istiod"}])
        p["for"] = rng.choice([120, 300])
    elif m.kind == "am_probe":
        p["alertname"] = rng.choice(["BlackboxProbeFailed", "ProbeFailure", "EndpointDown"])
        p["job"] = rng.choice(["blackbox", "blackbox-http", "blackbox-exporter"])
        w.reg.add_infra(p["job"])
        p["for"] = rng.choice([60, 120, 180])
        p["target"] = n.get("url") or n.get("public_url")
    elif m.kind == "gf_slo":
        p["alertname"] = rng.choice(["%s availability SLO burn" % words_t, "%s error budget" % words_t,
                                     "%sErrorRate" % words_c, "5xx rate - %s" % words_t])
        p["key"] = rng.choice(["service_name", "service", "app", "service_name"])
        p["pending"] = rng.choice([0, 60, 120, 300])
        p["folder"] = rng.choice(["SLOs", title_case(e.team.split("-")), "Production", org.app.upper()])
    elif m.kind == "gf_resource":
        p["alertname"] = rng.choice(["High CPU throttling", "Memory near limit", "Container restarts", "CPU saturation"])
        p["pending"] = rng.choice([60, 300])
        p["folder"] = rng.choice(["Kubernetes", "Infrastructure", title_case(e.team.split("-"))])
    elif m.kind == "gf_store":
        p["alertname"] = rng.choice(["%s replication lag" % words_t, "%s connections saturated" % title_case([e.tech or "db"]),
                                     "DB latency high", "%s memory high" % title_case([e.tech or "db"])])
        p["pending"] = rng.choice([60, 120, 300])
        p["folder"] = rng.choice(["Databases", "Data", "Infrastructure"])
    elif m.kind.startswith("dd_"):
        p["monitor_id"] = str(rng.randint(10_000_000, 170_000_000))
        p["priority"] = rng.choice(["P1", "P2", "P2", "P3", None])
        p["renotify"] = rng.choice([None, None, 3600, 7200])
        p["eval"] = rng.choice([60, 120, 300, 300, 600])
        if m.kind == "dd_apm":
            p["name"] = rng.choice(["%s error rate is high" % words_t, "High p99 latency on %s" % words_t,
                                    "APM: %s 5xx" % words_t, "Service {{service.name}} error rate above threshold"])
            p["scope_kind"] = rng.choice(["service+env", "service", "service+env"])
            p["event_type"] = "query_alert_monitor"
        elif m.kind == "dd_k8s":
            p["name"] = rng.choice(["Pods not ready", "Kubernetes deployment replicas unavailable", "Container restarts"])
            p["event_type"] = "query_alert_monitor"
        elif m.kind == "dd_store":
            p["name"] = rng.choice(["%s connections near max" % words_t, "%s CPU high" % title_case([e.tech or "db"]),
                                    "Database latency high", "%s memory usage" % title_case([e.tech or "cache"])])
            p["event_type"] = rng.choice(["query_alert_monitor", "service_check"])
        else:
            p["name"] = rng.choice(["[Synthetics] %s API check" % words_t, "%s availability (synthetic)" % words_t])
            p["event_type"] = "synthetics_alert"
    elif m.kind.startswith("sentry"):
        p["slug"] = rng.choice(n["sentry"])
        p["project_id"] = rng.randint(1_000_000, 4_500_000)
        p["rule_id"] = str(rng.randint(10, 900))
        p["rule"] = rng.choice(["Page on new errors in prod", "High priority issues", "Send a notification for new issues",
                                "Errors spike in %s" % p["slug"]])
        p["window"] = rng.choice([1, 5, 10])
        p["platform"] = {"java": "java", "python": "python", "go": "go", "node": "node", "javascript": "javascript",
                         "dotnet": "csharp", "cpp": "native", "ruby": "ruby", "lua": "other"}.get(e.lang, "other")
    elif m.kind.startswith("cw_"):
        setup_cw(w, m, rng)
    elif m.kind in ("pd", "og"):
        p["delay"] = rng.uniform(3, 40)
        p["manual_resolve"] = rng.uniform(0.1, 0.45)
        if m.kind == "pd":
            p["service_id"] = pd_id(rng)
            p["ep_id"] = pd_id(rng)
            p["team_id"] = pd_id(rng)
        else:
            p["integration"] = {"alertmanager": "Prometheus", "datadog": "Datadog", "cloudwatch": "CloudWatch",
                                "grafana": "Grafana"}.get(m.upstream.tool if m.upstream else None,
                                                          rng.choice(["Zabbix", "Heartbeat", "API", "Email"]))
            p["integration_id"] = ruuid(rng)


def setup_cw(w, m, rng):
    e, n, org = w.E[m.ent], w.N[m.ent], w.org
    p = m.p
    h = n["host"]
    team = e.team
    if m.kind == "cw_store":
        if h in ("rds", "docdb"):
            if n.get("rds_cluster") or h == "docdb":
                dims = [("DBClusterIdentifier", n["rds_id"])]
            else:
                dims = [("DBInstanceIdentifier", n["rds_id"])]
            ns = "AWS/DocDB" if h == "docdb" else "AWS/RDS"
            metric, cond, stat, thr = rng.choice([("CPUUtilization", "High", "Average", 85.0),
                                                  ("DatabaseConnections", "High", "Maximum", 450.0),
                                                  ("FreeableMemory", "Low", "Minimum", 256e6),
                                                  ("ReadLatency", "High", "Average", 0.05),
                                                  ("ReplicaLag", "High", "Maximum", 30.0)])
            res = n["rds_id"]
        elif h == "elasticache":
            if rng.random() < 0.6:
                node = rng.choice(n["cache_nodes"])
                dims = [("CacheClusterId", node)] + ([("CacheNodeId", "0001")] if rng.random() < 0.5 else [])
                res = node
            else:
                dims = [("ReplicationGroupId", n["cache_rg"])]
                res = n["cache_rg"]
            ns = "AWS/ElastiCache"
            metric, cond, stat, thr = rng.choice([("EngineCPUUtilization", "High", "Average", 80.0),
                                                  ("CurrConnections", "High", "Maximum", 5000.0),
                                                  ("Evictions", "High", "Sum", 1000.0),
                                                  ("DatabaseMemoryUsagePercentage", "High", "Average", 90.0)])
        elif h == "amazonmq":
            dims = [("Broker", n["broker"] + "-1")]
            ns = "AWS/AmazonMQ"
            metric, cond, stat, thr = rng.choice([("CpuUtilization", "High", "Average", 85.0),
                                                  ("MessageCount", "High", "Maximum", 100000.0),
                                                  ("RabbitMQMemUsed", "High", "Maximum", 3e9)])
            res = n["broker"]
        else:  # msk
            dims = [("Cluster Name", n["broker"])]
            ns = "AWS/Kafka"
            metric, cond, stat, thr = rng.choice([("KafkaDataLogsDiskUsed", "High", "Maximum", 85.0),
                                                  ("CpuUser", "High", "Average", 80.0)])
            res = n["broker"]
    elif m.kind == "cw_ec2":
        inst, name = rng.choice(n["ec2"])
        dims = [("InstanceId", inst)]
        ns = "AWS/EC2"
        metric, cond, stat, thr = rng.choice([("StatusCheckFailed", "Failed", "Maximum", 1.0),
                                              ("CPUUtilization", "High", "Average", 90.0)])
        res = name
        p["ec2_name"] = name
    elif m.kind == "cw_ecs":
        dims = [("ClusterName", w.ecs_cluster), ("ServiceName", n["ecs_service"])]
        ns = "AWS/ECS"
        metric, cond, stat, thr = rng.choice([("CPUUtilization", "High", "Average", 85.0),
                                              ("MemoryUtilization", "High", "Average", 90.0),
                                              ("RunningTaskCount", "Low", "Minimum", 1.0)])
        res = n["ecs_service"]
    else:  # cw_alb
        lb = "app/%s/%s" % (n["lb"], n["lb_hash"])
        if rng.random() < 0.5:
            dims = [("LoadBalancer", lb)]
            metric, cond, stat, thr = rng.choice([("HTTPCode_ELB_5XX_Count", "High", "Sum", 50.0),
                                                  ("TargetResponseTime", "High", "Average", 1.5)])
        else:
            tg = "targetgroup/%s/%s" % (n["lb"][:20].strip("-") + "-tg", rid(rng, 16))
            dims = [("TargetGroup", tg), ("LoadBalancer", lb)]
            metric, cond, stat, thr = rng.choice([("UnHealthyHostCount", "High", "Maximum", 0.0),
                                                  ("HTTPCode_Target_5XX_Count", "High", "Sum", 25.0)])
        ns = "AWS/ApplicationELB"
        res = n["lb"]
    p["dims"] = dims
    p["namespace"] = ns
    p["metric"], p["cond"], p["stat"], p["threshold_v"] = metric, cond, stat, thr
    p["alarm"] = org.alarm_name(res, metric, cond, team, ns)
    p["arn"] = "arn:aws:cloudwatch:%s:%s:alarm:%s" % (org.region, org.account, p["alarm"])
    p["period"] = rng.choice([60, 60, 300])
    p["evals"] = rng.choice([1, 2, 3, 3, 5])
    p["dta"] = min(p["evals"], rng.choice([1, 2, 3]))
    p["ok_actions"] = rng.random() < 0.75
    p["insuff_actions"] = rng.random() < 0.3
    p["format"] = rng.choice(org.cw_formats)
    p["topic"] = org.team_display[team]["sns"] if m.team_mode == "ok" else (
        org.team_display[m.wrong_team]["sns"] if m.team_mode == "wrong" else rng.choice(["cloudwatch-alarms", "default-alarms"]))
    w.reg.add_infra(p["topic"])
    p["created"] = w.t0 - rng.uniform(20, 400) * DAY


# ------------------------------------------------------------------------------------------------
# failure simulation
# ------------------------------------------------------------------------------------------------
class Imp:
    __slots__ = ("ent", "start", "end", "sev", "kind", "incident", "noise")

    def __init__(self, ent, start, end, sev, kind, incident, noise):
        self.ent, self.start, self.end, self.sev, self.kind, self.incident, self.noise = ent, start, end, sev, kind, incident, noise


def edge_params(w, rng):
    P = {}
    for a, b in w.edges:
        cb = w.E[b]
        if cb.kind == "database":
            p, d, rec = rng.uniform(0.45, 0.95), lognorm(rng, 15, 0.6), lognorm(rng, 60, 0.7)
        elif cb.kind == "cache":
            p, d, rec = rng.uniform(0.12, 0.6), lognorm(rng, 30, 0.6), lognorm(rng, 45, 0.7)
        elif cb.kind == "queue":
            p, d, rec = rng.uniform(0.2, 0.65), lognorm(rng, 150, 0.7), lognorm(rng, 420, 0.8)   # backlog drains
        elif cb.kind == "platform":
            if "istio" in b:
                p, d, rec = rng.uniform(0.04, 0.18), lognorm(rng, 240, 0.6), lognorm(rng, 120, 0.6)
            else:
                p, d, rec = rng.uniform(0.3, 0.7), lognorm(rng, 30, 0.5), lognorm(rng, 60, 0.6)
        elif cb.kind == "external":
            p, d, rec = rng.uniform(0.3, 0.8), lognorm(rng, 25, 0.5), lognorm(rng, 60, 0.6)
        else:
            if rng.random() < 0.7:
                p = rng.uniform(0.4, 0.9)
            else:
                p = rng.uniform(0.05, 0.3)      # caller has a fallback / the call is optional
            d, rec = lognorm(rng, 20, 0.7), lognorm(rng, 60, 0.7)
            if w.E[a].kind == "worker":
                d, rec = d * 3, rec * 3
        P[(a, b)] = (p, max(3.0, min(d, 600.0)), rec)
    return P


def sample_times(rng, w, rate_per_day, deploy_bias):
    """Poisson arrivals; with deploy_bias, arrivals are thinned outside local working hours."""
    out = []
    t = w.t0
    lam = rate_per_day / DAY
    if lam <= 0:
        return out
    boost = 1.0 / (0.25 + 0.75 * 45.0 / 168.0) if deploy_bias else 1.0
    while True:
        t += rng.expovariate(lam * boost)
        if t >= w.t1:
            break
        if deploy_bias:
            lt = utc(t + w.org.tz * 3600)
            work = lt.weekday() < 5 and 9 <= lt.hour < 18
            if not work and rng.random() > 0.25:
                continue
        out.append(t)
    return out


def simulate(w):
    rng = random.Random("heldout-sim/%s/%d" % (w.topo, w.seed))
    P = edge_params(w, rng)
    imps = collections.defaultdict(list)
    incidents = []
    inc_n = [0]

    def new_inc(prefix):
        inc_n[0] += 1
        return "%s-%05d" % (prefix, inc_n[0])

    base = {"frontend": 0.1, "gateway": 0.075, "service": 0.12, "worker": 0.12, "database": 0.075, "cache": 0.07,
            "queue": 0.075, "external": 0.1, "platform": 0.04}
    roots = []
    for e in w.ents:
        rate = base[e.kind] * 10 ** rng.uniform(-0.5, 0.5)
        for t in sample_times(rng, w, rate, e.is_app):
            roots.append((t, e.id))
    roots.sort()
    for t, eid in roots:
        e = w.E[eid]
        if e.is_app:
            kinds = [("crash", .2), ("errors", .45), ("latency", .25), ("saturation", .1)]
            if e.kind in ("gateway", "frontend") or (w.callees[eid] and rng.random() < 0.4):
                kinds.append(("load", .12))
        elif e.is_store:
            kinds = [("saturation", .4), ("crash", .2), ("latency", .3), ("errors", .1)]
        elif e.kind == "external":
            kinds = [("errors", .5), ("latency", .5)]
        else:
            kinds = [("errors", .5), ("crash", .2), ("latency", .3)]
        kind = rng.choices([k for k, _ in kinds], weights=[x for _, x in kinds])[0]
        sev = {"crash": rng.uniform(0.75, 1.0), "errors": min(1.0, max(0.1, rng.betavariate(2, 2) * 1.15)),
               "latency": rng.uniform(0.2, 0.9), "saturation": rng.uniform(0.3, 1.0), "load": rng.uniform(0.4, 0.9)}[kind]
        dur = max(120.0, min(4 * 3600.0, lognorm(rng, 1200 if e.is_store else 900, 0.9)))
        inc = new_inc("inc")
        incidents.append({"id": inc, "root": eid, "start": t, "kind": kind, "sev": round(sev, 3)})
        queue = collections.deque()
        affected = {eid}
        queue.append((eid, t, t + dur, sev, kind, 0))
        if kind == "load":
            # a traffic surge at a caller saturates some of what it calls (callee-ward, short delay)
            for b in w.callees[eid]:
                if w.E[b].kind in ("external", "platform") or rng.random() > 0.5:
                    continue
                d = rng.uniform(30, 180)
                affected.add(b)
                queue.append((b, t + d, t + dur + rng.uniform(0, 120), sev * rng.uniform(0.5, 0.9), "saturation", 1))
        path = incidents[-1]["affected"] = []
        while queue:
            x, s, en, sv, kd, depth = queue.popleft()
            imps[x].append(Imp(x, s, en, sv, kd, inc, False))
            path.append([x, round(s - t, 1), round(en - s, 1), round(sv, 3), kd, depth])
            if depth >= 6:
                continue
            for a in w.callers[x]:
                if a in affected:
                    continue
                p, d, rec = P[(a, x)]
                pe = p * (sv ** 0.8) * (0.6 if kd == "latency" else 1.0)
                if rng.random() >= pe:
                    continue
                cs = s + d * math.exp(rng.gauss(0, 0.5))
                if cs >= en + 30:
                    continue
                ce = max(cs + 60, en + rec * math.exp(rng.gauss(0, 0.6)))
                csev = sv * rng.uniform(0.45, 1.0)
                ckind = "latency" if kd == "latency" or rng.random() < 0.3 else "errors"
                affected.add(a)
                queue.append((a, cs, ce, csev, ckind, depth + 1))
    # ---------------- noise at entity level (no propagation) -----------------
    apps_k8s = [e.id for e in w.ents if w.N[e.id]["host"] == "k8s"]
    stores = [e.id for e in w.ents if e.is_store]
    # shared-infrastructure blips (region / network events)
    t = w.t0
    while True:
        t += rng.expovariate(1.0 / (6.5 * DAY))
        if t >= w.t1:
            break
        inc = new_inc("blip")
        frac = rng.uniform(0.15, 0.5)
        for e in w.ents:
            if rng.random() < frac:
                s = t + rng.uniform(0, 150)
                imps[e.id].append(Imp(e.id, s, s + rng.uniform(90, 720), rng.uniform(0.4, 1.0), "blip", inc, True))
    # Kubernetes node failures: the pods on one node restart together
    t = w.t0
    while apps_k8s:
        t += rng.expovariate(1.0 / (3.5 * DAY))
        if t >= w.t1:
            break
        inc = new_inc("node")
        for eid in rng.sample(apps_k8s, min(len(apps_k8s), rng.randint(3, 7))):
            s = t + rng.uniform(0, 60)
            imps[eid].append(Imp(eid, s, s + rng.uniform(120, 600), 0.95, "restart", inc, True))
    # deploy trains (Tue/Thu afternoon) and weekly maintenance windows (Sunday night)
    day = w.t0
    while day < w.t1:
        lt = utc(day + w.org.tz * 3600)
        if lt.weekday() in (1, 3) and rng.random() < 0.6:
            inc = new_inc("deploy")
            s = day + (14 - w.org.tz) * 3600 + rng.uniform(0, 1800)
            for eid in rng.sample([e.id for e in w.ents if e.is_app], min(sum(1 for e in w.ents if e.is_app), rng.randint(4, 10))):
                imps[eid].append(Imp(eid, s, s + rng.uniform(60, 300), rng.uniform(0.5, 0.9), "restart", inc, True))
                s += rng.uniform(60, 240)
        if lt.weekday() == 6 and stores and rng.random() < 0.5:
            inc = new_inc("maint")
            s = day + (2 - w.org.tz) * 3600 + rng.uniform(0, 1200)
            for eid in rng.sample(stores, min(len(stores), rng.randint(1, 2))):
                imps[eid].append(Imp(eid, s, s + rng.uniform(600, 2400), 0.9, "maint", inc, True))
        day += DAY
    for v in imps.values():
        v.sort(key=lambda i: i.start)
    return imps, incidents, P


# ------------------------------------------------------------------------------------------------
# detection: impairments -> monitor episodes
# ------------------------------------------------------------------------------------------------
class Ep:
    __slots__ = ("mon", "start", "end", "incident", "noise", "sev", "kind", "resolved")

    def __init__(self, mon, start, end, incident, noise, sev, kind):
        self.mon, self.start, self.end, self.incident, self.noise, self.sev, self.kind = mon, start, end, incident, noise, sev, kind
        self.resolved = True


def detect_delay(m, rng):
    k = m.kind
    p = m.p
    if k.startswith("am_"):
        return p["for"] + rng.uniform(0, 30) + rng.uniform(0, 15), rng.uniform(0, 30) + rng.uniform(0, 60)
    if k.startswith("gf_"):
        return p["pending"] + rng.uniform(0, 60) + rng.uniform(5, 40), rng.uniform(0, 60) + rng.uniform(10, 60)
    if k.startswith("dd_"):
        ev = p["eval"]
        return ev * rng.uniform(0.3, 1.0) + rng.uniform(20, 90), ev * rng.uniform(0.3, 1.0) + rng.uniform(20, 120)
    if k == "sentry_issue" or k == "sentry_issue_wh":
        return rng.uniform(2, 45), rng.uniform(1800, 6 * 3600)
    if k == "sentry_metric":
        win = p["window"] * 60
        return win * rng.uniform(0.3, 1.0) + rng.uniform(5, 60), win * rng.uniform(0.5, 1.2) + rng.uniform(10, 90)
    if k.startswith("cw_"):
        return p["period"] * p["dta"] + rng.uniform(10, 70), p["period"] * rng.uniform(1, 2) + rng.uniform(10, 70)
    return rng.uniform(60, 300), rng.uniform(60, 300)   # standalone PD / Opsgenie behind an unseen check


def min_duration(m):
    if m.kind.startswith("am_"):
        return m.p["for"]
    if m.kind.startswith("gf_"):
        return m.p["pending"]
    if m.kind.startswith("cw_"):
        return m.p["period"] * m.p["dta"] * 0.8
    if m.kind.startswith("dd_"):
        return m.p["eval"] * 0.3
    return 0


def episodes_for(w, mons, imps):
    rng = random.Random("heldout-det/%s/%d" % (w.topo, w.seed))
    eps = collections.defaultdict(list)   # mon.id -> episodes
    allmons = [m for ms in mons.values() for m in ms]
    for m in allmons:
        if m.tool in ("pagerduty", "opsgenie") and m.upstream is not None:
            continue
        sens = SENS[m.kind if m.kind in SENS else m.kind.split("_")[0]]
        for iv in imps.get(m.ent, []):
            mult = sens.get(iv.kind, 0.0)
            if mult <= 0:
                continue
            eff = iv.sev * mult
            if eff < m.threshold * rng.uniform(0.8, 1.25):
                continue
            if rng.random() < m.miss:
                continue
            if iv.end - iv.start < min_duration(m):
                continue
            d_on, d_off = detect_delay(m, rng)
            s = iv.start + d_on
            en = iv.end + d_off
            if m.kind == "am_pod" and iv.kind not in ("crash", "restart", "maint"):
                en = s + rng.uniform(300, 900)
            if s >= en:
                continue
            if m.flappy and rng.random() < 0.5:
                t = s
                while t < en:
                    on = rng.uniform(60, 400)
                    eps[m.id].append(Ep(m, t, min(en, t + on), iv.incident, iv.noise, eff, iv.kind))
                    t += on + rng.uniform(60, 300)
            else:
                eps[m.id].append(Ep(m, s, en, iv.incident, iv.noise, eff, iv.kind))
        # monitor-level noise: isolated misfires
        t = w.t0
        while True:
            t += rng.expovariate(m.noise_rate / DAY)
            if t >= w.t1:
                break
            eps[m.id].append(Ep(m, t, t + max(60, lognorm(rng, 360, 0.8)), "iso-%s-%d" % (m.id, int(t)), True, 0.5, "noise"))
        # flapping episodes
        if m.flappy:
            t = w.t0
            while True:
                t += rng.expovariate(1.0 / (12 * DAY))
                if t >= w.t1:
                    break
                inc = "flap-%s-%d" % (m.id, int(t))
                end = t + rng.uniform(20, 100) * 60
                x = t
                while x < end:
                    on = rng.uniform(60, 300)
                    eps[m.id].append(Ep(m, x, x + on, inc, True, 0.4, "flap"))
                    x += on + rng.uniform(60, 400)
    # Prometheus restarts: TargetDown for many scrape jobs at once (AM only)
    am_ents = sorted({m.ent for m in allmons if m.kind in ("am_red", "am_latency", "am_exporter", "am_platform")})
    w.targetdown = {}
    t = w.t0
    while am_ents:
        t += rng.expovariate(1.0 / (18 * DAY))
        if t >= w.t1:
            break
        inc = "promrestart-%d" % int(t)
        for eid in am_ents:
            if rng.random() < rng.uniform(0.4, 0.9):
                if eid not in w.targetdown:
                    tm = Mon("am_targetdown", eid, rng)
                    tm.team_mode = "ok"
                    tm.p = {"alertname": "TargetDown", "for": 0}
                    w.targetdown[eid] = tm
                    mons[eid].append(tm)
                tm = w.targetdown[eid]
                s = t + rng.uniform(0, 60)
                eps[tm.id].append(Ep(tm, s, s + rng.uniform(60, 300), inc, True, 0.9, "targetdown"))
    # merge overlapping episodes of one monitor (a monitor is either firing or not)
    for mid, lst in eps.items():
        lst.sort(key=lambda e: e.start)
        merged = []
        for ep in lst:
            if merged and ep.start <= merged[-1].end:
                if ep.end > merged[-1].end:
                    merged[-1].end = ep.end
                if merged[-1].noise and not ep.noise:
                    merged[-1].noise, merged[-1].incident = False, ep.incident
                continue
            merged.append(ep)
        eps[mid] = merged
    # downstream PagerDuty / Opsgenie: one page per upstream episode, deduplicated while open
    for m in allmons:
        if m.tool in ("pagerduty", "opsgenie") and m.upstream is not None:
            out = []
            open_until = -1
            for ep in eps.get(m.upstream.id, []):
                if rng.random() < 0.04:       # routing rule did not match / integration hiccup
                    continue
                s = ep.start + m.p["delay"] * math.exp(rng.gauss(0, 0.4))
                if s <= open_until:
                    continue
                if rng.random() < m.p["manual_resolve"]:
                    en = max(ep.end, s) + lognorm(rng, 1800, 1.0)    # a human resolves later
                else:
                    en = max(ep.end, s) + rng.uniform(5, 90)
                out.append(Ep(m, s, en, ep.incident, ep.noise, ep.sev, ep.kind))
                open_until = en
            eps[m.id] = out
    return eps


# ------------------------------------------------------------------------------------------------
# rendering
# ------------------------------------------------------------------------------------------------
class Out:
    def __init__(self, w):
        self.w = w
        self.bodies = collections.defaultdict(list)   # (tool, day) -> list of json strings
        self.meta = []

    def body(self, tool, deliver_t, obj, elements, rng):
        """elements: list of (mon, ep, status, payload_time, raw_primary)"""
        s = json.dumps(obj, ensure_ascii=False, separators=(",", ":") if rng.random() < 0.7 else (", ", ": "))
        if rng.random() < 0.01:
            deliver_t += rng.uniform(3600, 30 * 3600)   # late delivery (retry after an outage of the receiver)
        copies = 2 if rng.random() < 0.015 else 1       # at-least-once delivery
        for c in range(copies):
            dt = deliver_t + c * rng.uniform(1, 120)
            self.bodies[(tool, day_of(dt))].append(s)
            for mon, ep, status, pt, raw in elements:
                self.meta.append({"t": round(pt, 3), "delivered": round(dt, 3), "tool": tool, "entity": mon.ent,
                                  "raw": raw, "status": status, "is_noise": ep.noise, "incident": ep.incident,
                                  "monitor": mon.id})


def prom_url(expr, host):
    return "%s/graph?g0.expr=%s&g0.tab=1" % (host, quote(expr, safe=""))


def am_labels(w, m, ep, rng):
    """The label set of one alert instance, plus its primary raw name."""
    e, n, org = w.E[m.ent], w.N[m.ent], w.org
    p = m.p
    lab = {"alertname": p["alertname"]}
    primary = None
    if m.kind in ("am_red", "am_latency"):
        key = p["key"]
        if key in ("service", "service+job"):
            lab["service"] = n["svc"]
            primary = n["svc"]
        if key in ("job", "service+job"):
            lab["job"] = n["job"]
            primary = primary or n["job"]
        if key == "app":
            lab["app"] = n["app"]
            primary = n["app"]
        lab["namespace"] = n["ns"]
        lab["severity"] = "critical" if m.kind == "am_red" else "warning"
    elif m.kind == "am_pod":
        dep, pod, ip = w.pod_at(m.ent, ep.start, rng)
        lab.update({"namespace": n["ns"], "pod": pod, "container": n["app"] if rng.random() < 0.3 else n["k8s"],
                    "job": "kube-state-metrics", "severity": "warning" if "Ready" in p["alertname"] else "critical"})
        if p["alertname"] == "KubeDeploymentReplicasMismatch":
            lab.pop("pod")
            lab.pop("container")
            lab["deployment"] = dep
        if p["alertname"] == "KubePodCrashLooping":
            lab["reason"] = "CrashLoopBackOff"
            lab["uid"] = "%s-%s-%s-%s-%s" % (rid(rng, 8), rid(rng, 4), rid(rng, 4), rid(rng, 4), rid(rng, 12))
        if org.ksm_trap:
            lab["service"] = w.ksm["svc"]
            lab["instance"] = w.ksm["ip"]
            lab["endpoint"] = "http"
        primary = lab.get("service") or lab.get("container") or lab.get("deployment")
    elif m.kind == "am_exporter":
        port = n["exporter_port"]
        if n["host"] == "ec2":
            _, host = rng.choice(n["ec2"])
            lab["instance"] = "%s:%d" % (host, port)
            lab["job"] = n.get("exporter_job") or rng.choice([host.rsplit("-", 1)[0], e.tech])
        else:
            idx = rng.randint(0, 2) if e.tech in ("mongodb", "rabbitmq", "kafka", "elasticsearch") else 0
            lab["instance"] = "%s-%d.%s-headless.%s.svc:%d" % (n["sts"], idx, n["sts"], n["ns"], port)
            lab["job"] = n["exporter_job"]
            lab["namespace"] = n["ns"]
            lab["pod"] = "%s-%d" % (n["sts"], idx)
            if rng.random() < 0.5:
                lab["service"] = n["exporter_job"]
        if p.get("queue"):
            lab["queue"] = p["queue"]
        lab["severity"] = "critical"
        primary = lab.get("service") or lab.get("job")
    elif m.kind == "am_platform":
        lab.update(p["labels"])
        lab["namespace"] = n["ns"]
        lab["severity"] = "warning"
        primary = lab.get("service") or lab.get("app") or lab.get("k8s_app") or lab.get("job")
    elif m.kind == "am_probe":
        lab.update({"instance": p["target"], "job": p["job"], "severity": "critical"})
        primary = p["target"]
    elif m.kind == "am_targetdown":
        lab.update({"job": n["job"], "namespace": n["ns"], "service": n["svc"], "severity": "warning"})
        if n["host"] != "k8s" or not w.E[m.ent].is_app:
            lab["job"] = n.get("exporter_job") or n["k8s"]
            lab["service"] = lab["job"]
        primary = lab["service"]
    team = w.team_value(e, "label", rng, m)
    if team:
        lab["team"] = team
    return lab, primary


def am_annotations(w, m, lab):
    e = w.E[m.ent]
    who = lab.get("service") or lab.get("job") or lab.get("pod") or lab.get("instance") or ""
    a = {"summary": "%s on %s" % (lab["alertname"], who)}
    if m.kind == "am_pod" and "pod" in lab:
        a = {"summary": "Pod is crash looping." if "Crash" in lab["alertname"] else "Pod has been in a non-ready state for longer than 15 minutes.",
             "description": "Pod %s/%s (%s) is in waiting state (reason: \"CrashLoopBackOff\")." % (lab["namespace"], lab["pod"], lab.get("container", "")),
             "runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/%s" % lab["alertname"].lower()}
    elif m.kind in ("am_red", "am_latency"):
        a["description"] = "%s %s for the last %d minutes" % (
            who, "5xx ratio above 5%" if m.kind == "am_red" else "p99 latency above 1s", max(1, m.p["for"] // 60))
        if w.rng.random() < 0.3:
            a["runbook_url"] = "https://runbooks.%s.com/%s/%s" % (w.org.org_slug, e.team, lab["alertname"].lower())
    return a


def am_expr(m, lab):
    k = m.kind
    if k == "am_red":
        sel = ",".join('%s="%s"' % (x, lab[x]) for x in ("service", "job", "app") if x in lab)
        return 'sum(rate(http_server_requests_seconds_count{%s,status=~"5.."}[5m])) / sum(rate(http_server_requests_seconds_count{%s}[5m])) > 0.05' % (sel, sel)
    if k == "am_latency":
        sel = ",".join('%s="%s"' % (x, lab[x]) for x in ("service", "job", "app") if x in lab)
        return "histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket{%s}[5m]))) > 1" % sel
    if k == "am_pod":
        return 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff",job="kube-state-metrics"}[5m]) >= 1'
    if k == "am_targetdown":
        return "100 * (count by (job, namespace, service) (up == 0) / count by (job, namespace, service) (up)) > 10"
    return "%s == 1" % lab["alertname"].lower()


def group_notifications(alerts, group_wait, group_interval, repeat, send_resolved, rng):
    """Alertmanager aggregation-group timeline. alerts: dicts with start/end.
    Returns [(flush_time, [(alert, status)])]. An alert that starts and ends between two flushes
    is never notified (as in Alertmanager: resolved alerts are only sent if they were sent firing)."""
    alerts = sorted(alerts, key=lambda a: a["start"])
    out = []
    live = []
    idx = 0
    n = len(alerts)
    t = None
    last_sent = -1e18
    while idx < n or live:
        if not live:
            t = alerts[idx]["start"] + group_wait
            last_sent = -1e18
        while idx < n and alerts[idx]["start"] <= t:
            alerts[idx]["_notified"] = False
            live.append(alerts[idx])
            idx += 1
        firing = [a for a in live if a["end"] > t]
        resolved = [a for a in live if a["end"] <= t and a["_notified"]]
        new = [a for a in firing if not a["_notified"]]
        if new or (resolved and send_resolved) or (firing and t - last_sent >= repeat):
            items = [(a, "firing") for a in firing] + ([(a, "resolved") for a in resolved] if send_resolved else [])
            if items:
                out.append((t + rng.uniform(0.05, 2.0), items))
                last_sent = t
        for a in new:
            a["_notified"] = True
        live = firing
        if live:
            t += group_interval
    return out


def render_am_like(w, out, mons, eps, tool):
    """Alertmanager and Grafana both deliver aggregation groups."""
    rng = random.Random("heldout-%s/%s/%d" % (tool, w.topo, w.seed))
    org = w.org
    is_gf = tool == "grafana"
    group_by = org.gf_group_by if is_gf else org.am_group_by
    receiver = rng.choice(["parallax-webhook", "oncall-webhook", "%s-webhook" % org.app, "Parallax"])
    ext = "https://grafana.%s.com/" % org.org_slug if is_gf else rng.choice(
        ["http://alertmanager.monitoring.svc:9093", "http://alertmanager-main.monitoring:9093",
         "https://alertmanager.%s.internal" % org.org_slug])
    prom_host = rng.choice(["http://prometheus-k8s-0:9090", "http://prometheus-kube-prometheus-prometheus.monitoring:9090",
                            "https://prometheus.%s.internal" % org.org_slug])
    send_resolved = rng.random() < 0.92
    groups = collections.defaultdict(list)
    for ms in mons.values():
        for m in ms:
            if m.tool != tool:
                continue
            for ep in eps.get(m.id, []):
                if is_gf:
                    lab, primary, vstr, values = gf_labels(w, m, ep, rng)
                else:
                    lab, primary = am_labels(w, m, ep, rng)
                    vstr, values = None, None
                fp = fnv64_labels(lab)
                a = {"m": m, "ep": ep, "labels": lab, "primary": primary, "start": ep.start, "end": ep.end, "fp": fp,
                     "ann": gf_annotations(w, m, lab) if is_gf else am_annotations(w, m, lab), "vstr": vstr, "values": values}
                w.reg.labels(m.ent, lab)
                if group_by == ["..."]:
                    gk = ("...", fp)
                else:
                    gk = tuple(lab.get(k, "") for k in group_by)
                groups[gk].append(a)
    for gk in sorted(groups, key=lambda k: str(k)):
        alerts = groups[gk]
        gw = rng.choice([10, 30, 30]) if not is_gf else 30
        gi = rng.choice([60, 300, 300]) if not is_gf else 300
        rep = rng.choice([4 * 3600, 4 * 3600, 12 * 3600])
        for flush, items in group_notifications(alerts, gw, gi, rep, send_resolved, rng):
            if len(items) > 60:
                items = items[:60]
            els = []
            for a, status in items:
                el = {"status": status, "labels": dict(a["labels"]), "annotations": dict(a["ann"]),
                      "startsAt": iso_ns(a["start"], rng.randint(0, 999)) if not is_gf else iso_ms(a["start"]),
                      "endsAt": (iso_ns(a["end"], rng.randint(0, 999)) if not is_gf else iso_ms(a["end"]))
                      if status == "resolved" else "0001-01-01T00:00:00Z",
                      "generatorURL": prom_url(am_expr(a["m"], a["labels"]), prom_host) if not is_gf else
                      "https://grafana.%s.com/alerting/grafana/%s/view?orgId=1" % (org.org_slug, a["m"].id),
                      "fingerprint": a["fp"]}
                if is_gf:
                    el["silenceURL"] = "https://grafana.%s.com/alerting/silence/new?alertmanager=grafana&matcher=alertname%%3D%s&orgId=1" % (
                        org.org_slug, a["labels"]["alertname"].replace(" ", "+"))
                    el["dashboardURL"] = "" if rng.random() < 0.4 else "https://grafana.%s.com/d/%s?orgId=1" % (org.org_slug, rid(rng, 9))
                    el["panelURL"] = "" if not el["dashboardURL"] else el["dashboardURL"] + "&viewPanel=%d" % rng.randint(1, 12)
                    if status == "firing":
                        el["values"] = a["values"]
                        el["valueString"] = a["vstr"]
                    else:
                        el["values"] = None if rng.random() < 0.5 else {}
                        el["valueString"] = ""
                els.append(el)
            labsets = [x["labels"] for x in els]
            common = {k: v for k, v in labsets[0].items() if all(l.get(k) == v for l in labsets)}
            annsets = [x["annotations"] for x in els]
            common_ann = {k: v for k, v in annsets[0].items() if all(l.get(k) == v for l in annsets)}
            glabels = {k: common.get(k, "") for k in group_by if k != "..." and k in common}
            status = "firing" if any(s == "firing" for _, s in items) else "resolved"
            gkey = "{}:{%s}" % ", ".join('%s="%s"' % (k, v) for k, v in sorted(glabels.items()))
            if rng.random() < 0.5 and not is_gf:
                gkey = '{}/{severity=~"critical|warning"}:' + gkey[3:]
            body = {"receiver": receiver, "status": status, "alerts": els, "groupLabels": glabels, "commonLabels": common,
                    "commonAnnotations": common_ann, "externalURL": ext, "version": "4" if not is_gf else "1",
                    "groupKey": gkey if not is_gf else '{}/{__grafana_autogenerated__="true"}/{__grafana_receiver__="%s"}:%s' % (receiver, gkey[3:]),
                    "truncatedAlerts": 0}
            if is_gf:
                nf = sum(1 for _, s in items if s == "firing")
                nr = len(items) - nf
                head = "[FIRING:%d]" % nf if nf else "[RESOLVED]"
                body["orgId"] = 1
                body["title"] = "%s %s (%s)" % (head, " ".join(glabels.values()), " ".join(v for k, v in sorted(common.items()) if k not in glabels)[:80])
                body["state"] = "alerting" if nf else "ok"
                body["message"] = gf_message(els)
            elements = [(a["m"], a["ep"], s, a["start"] if s == "firing" else a["end"], a["primary"]) for a, s in items]
            out.body(tool, flush, body, elements, rng)


def gf_labels(w, m, ep, rng):
    e, n = w.E[m.ent], w.N[m.ent]
    p = m.p
    lab = {"alertname": p["alertname"], "grafana_folder": p["folder"]}
    vlab = {}
    primary = None
    if m.kind == "gf_slo":
        key = p["key"]
        val = w.dd_name(m.ent, ep.start) if key == "service_name" and rng.random() < 0.5 else (n["app"] if key == "app" else n["svc"])
        lab[key] = val
        vlab = {key: val, "namespace": n["ns"]} if n["host"] == "k8s" else {key: val}
        primary = val
        lab["severity"] = rng.choice(["page", "critical"])
    elif m.kind == "gf_resource":
        dep, pod, ip = w.pod_at(m.ent, ep.start, rng)
        if pod is None:
            lab["service"] = n.get("ecs_service", n["svc"])
            vlab = {"service": lab["service"]}
            primary = lab["service"]
        else:
            lab.update({"namespace": n["ns"], "pod": pod, "container": n["k8s"] if e.kind != "platform" else e.upstream})
            vlab = {"container": lab["container"], "namespace": n["ns"], "pod": pod}
            primary = lab["container"]
        lab["severity"] = "warning"
    else:  # gf_store
        if n["host"] == "k8s":
            inst = "%s-0.%s-headless.%s.svc:%d" % (n["sts"], n["sts"], n["ns"], n["exporter_port"])
            lab["instance"] = inst
            if rng.random() < 0.5:
                lab["db"] = n["sts"]
            vlab = {"instance": inst, "job": n["exporter_job"]}
            primary = lab.get("db") or inst
        elif n["host"] in ("rds", "docdb"):
            lab["dbinstanceidentifier"] = n["rds_id"]
            vlab = {"dbinstanceidentifier": n["rds_id"]}
            primary = n["rds_id"]
        elif n["host"] == "elasticache":
            lab["cacheclusterid"] = n["cache_nodes"][0]
            vlab = dict(lab)
            del vlab["alertname"], vlab["grafana_folder"]
            primary = n["cache_nodes"][0]
        elif n["host"] == "ec2":
            lab["instance"] = n["ec2"][0][1] + ":9100"
            vlab = {"instance": lab["instance"], "job": "node"}
            w.reg.add_infra("node")
            primary = lab["instance"]
        else:
            lab["database"] = n.get("broker", n["k8s"])
            vlab = {"database": lab["database"]}
            primary = lab["database"]
        lab["severity"] = "critical"
    team = w.team_value(e, "label", rng, m)
    if team:
        lab["team"] = team
    w.reg.labels(m.ent, vlab)
    a_v = round(rng.uniform(1.5, 40.0), 3)
    vstr = "[ var='A' labels={%s} value=%s ], [ var='C' labels={%s} value=1 ]" % (
        ", ".join("%s=%s" % (k, v) for k, v in sorted(vlab.items())), a_v, ", ".join("%s=%s" % (k, v) for k, v in sorted(vlab.items())))
    return lab, primary, vstr, {"A": a_v, "C": 1}


def gf_annotations(w, m, lab):
    who = lab.get("service_name") or lab.get("service") or lab.get("app") or lab.get("container") or lab.get("instance") or lab.get("db") or ""
    return {"summary": "%s is firing for %s" % (lab["alertname"], who)}


def gf_message(els):
    parts = []
    for el in els:
        parts.append("**%s**\n\nLabels:\n%s\nAnnotations:\n%s\nSource: %s\n" % (
            "Firing" if el["status"] == "firing" else "Resolved",
            "\n".join(" - %s = %s" % (k, v) for k, v in sorted(el["labels"].items())),
            "\n".join(" - %s = %s" % (k, v) for k, v in sorted(el["annotations"].items())), el["generatorURL"]))
    return "\n".join(parts)


# ---------------------------------------------------------------- Datadog
def dd_scope(w, m, ep, rng):
    e, n, org = w.E[m.ent], w.N[m.ent], w.org
    p = m.p
    if m.kind == "dd_apm":
        svc = w.dd_name(m.ent, ep.start)
        sc = [("service", svc)]
        if p["scope_kind"] == "service+env":
            sc.append(("env", org.dd_env))
        return sc, svc
    if m.kind == "dd_k8s":
        if n["host"] == "k8s":
            dep = rng.choice(n["deployments"])
            return [("kube_deployment", dep), ("kube_namespace", n["ns"])], dep
        return [("ecs_service", n.get("ecs_service", n["svc"]))], n.get("ecs_service", n["svc"])
    if m.kind == "dd_store":
        h = n["host"]
        if h in ("rds", "docdb"):
            return [("dbinstanceidentifier", n["rds_id"])], n["rds_id"]
        if h == "elasticache":
            c = rng.choice(n["cache_nodes"])
            return [("cacheclusterid", c)], c
        if h == "ec2":
            host = rng.choice(n["ec2"])[1]
            return [("host", host)], host
        if h in ("amazonmq", "msk"):
            return [("service", w.dd_name(m.ent, ep.start))], w.dd_name(m.ent, ep.start)
        if rng.random() < 0.5:
            return [("service", w.dd_name(m.ent, ep.start))], w.dd_name(m.ent, ep.start)
        return [("kube_stateful_set", n.get("sts", n["k8s"])), ("service", w.dd_name(m.ent, ep.start))], w.dd_name(m.ent, ep.start)
    svc = w.dd_name(m.ent, ep.start)
    return [("service", svc)], svc


def render_datadog(w, out, mons, eps):
    rng = random.Random("heldout-dd/%s/%d" % (w.topo, w.seed))
    org = w.org
    org_id = str(rng.randint(100000, 1999999))
    for ms in mons.values():
        for m in ms:
            if m.tool != "datadog":
                continue
            p = m.p
            for ep in eps.get(m.id, []):
                sc, primary = dd_scope(w, m, ep, rng)
                for k, v in sc:
                    if k not in ("env", "kube_namespace"):
                        w.reg.add(m.ent, v)
                team = w.team_value(w.E[m.ent], "dd", rng, m)
                scope = ",".join("%s:%s" % kv for kv in sc)
                tags = sorted(set(["%s:%s" % kv for kv in sc] + ["env:%s" % org.dd_env] + (["team:%s" % team] if team else [])
                                  + (["monitor"] if rng.random() < 0.3 else [])))
                warn = ep.sev < 0.45 and rng.random() < 0.6
                trig_t = ep.start
                sends = [(trig_t, "Warn" if warn else "Triggered")]
                if p["renotify"]:
                    x = trig_t + p["renotify"]
                    while x < ep.end:
                        sends.append((x, "Warn" if warn else "Triggered"))
                        x += p["renotify"]
                if rng.random() < 0.9:
                    sends.append((ep.end, "Recovered"))
                for when, tr in sends:
                    date = when + rng.uniform(1, 25)
                    out_t = date + rng.uniform(0.2, 8)
                    body = dd_body(w, m, ep, rng, tr, scope, tags, trig_t, date, org_id)
                    status = "resolved" if tr == "Recovered" else "firing"
                    out.body("datadog", out_t, body, [(m, ep, status, trig_t if status == "firing" else ep.end, primary)], rng)


def dd_body(w, m, ep, rng, tr, scope, tags, trig_t, date, org_id):
    org, p = w.org, m.p
    mid = p["monitor_id"]
    event_id = str(rng.randint(7_000_000_000_000_000_000, 7_999_999_999_999_999_999))
    ms = int(date * 1000)
    title = "[%s on {%s}] %s" % (tr, scope, p["name"].replace("{{service.name}}", scope.split(",")[0].split(":", 1)[-1]))
    if p["priority"] and tr != "Recovered":
        title = "[%s] %s" % (p["priority"], title)
    link = "https://app.datadoghq.com/monitors/%s?group=%s&from_ts=%d&to_ts=%d&event_id=%s&link_source=monitor_notif" % (
        mid, quote(scope, safe=""), ms - 1200000, ms, event_id)
    text = "%%%%%%\n%s\n\n@webhook-parallax\n\nThe monitor was last triggered at %s.\n\n- - -\n\n[[Monitor Status](%s)] \u00b7 [[Edit Monitor](https://app.datadoghq.com/monitors/%s/edit?link_source=monitor_notif)]\n%%%%%%" % (
        {"dd_apm": "Error rate / latency above threshold.", "dd_k8s": "Pods are not ready.", "dd_store": "Database metrics out of bounds.",
         "dd_synthetic": "Synthetic test failing from 3 of 5 locations."}.get(m.kind, ""), dd_text(trig_t), link, mid)
    alert_type = {"Triggered": "error", "Warn": "warning", "Recovered": "success"}[tr]
    query = "avg(last_%dm):%s{%s} > %s" % (max(1, p["eval"] // 60), {"dd_apm": "sum:trace.http.request.errors",
                                                                      "dd_k8s": "sum:kubernetes_state.deployment.replicas_unavailable",
                                                                      "dd_store": "avg:aws.rds.cpuutilization",
                                                                      "dd_synthetic": "synthetics.check"}.get(m.kind, "x"),
                                          scope, rng.choice(["0.05", "5", "90"]))
    if w.org.dd_payload == "default":
        return {"body": text, "last_updated": str(ms), "event_type": p["event_type"], "title": title, "date": str(ms),
                "org": {"id": org_id, "name": org.org_name}, "id": event_id}
    if w.org.dd_payload == "keep":
        return {"body": text, "last_updated": str(ms), "event_type": p["event_type"], "title": title,
                "severity": p["priority"] or "", "alert_type": alert_type, "alert_query": query, "alert_transition": tr,
                "date": str(ms), "scopes": scope, "org": {"id": org_id, "name": org.org_name},
                "url": "https://app.datadoghq.com/event/event?id=%s" % event_id, "tags": ",".join(tags), "id": event_id,
                "monitor_id": mid}
    return {"id": event_id, "monitor_id": mid, "title": title, "body": text, "event_type": p["event_type"], "date": str(ms),
            "last_updated": str(ms), "alert_transition": tr, "alert_type": alert_type, "alert_status": tr,
            "alert_priority": p["priority"] or "", "alert_query": query, "scopes": scope, "tags": ",".join(tags),
            "hostname": scope.split(":", 1)[1] if scope.startswith("host:") else "",
            "url": "https://app.datadoghq.com/event/event?id=%s" % event_id, "org": {"id": org_id, "name": org.org_name}}


# ---------------------------------------------------------------- Sentry
EXC = {"java": [("SocketTimeoutException", "Read timed out", "org.springframework.web.client.RestTemplate in doExecute"),
                ("HttpServerErrorException$ServiceUnavailable", "503 Service Unavailable", "com.example.client in call"),
                ("CannotGetJdbcConnectionException", "Failed to obtain JDBC Connection", "org.springframework.jdbc in getConnection")],
       "python": [("ConnectionError", "HTTPConnectionPool: Max retries exceeded", "requests.adapters in send"),
                  ("OperationalError", "(2006, 'MySQL server has gone away')", "pymysql.connections in _read_bytes")],
       "csharp": [("HttpRequestException", "Connection refused", "System.Net.Http.HttpClient in SendAsync"),
                  ("SqlException", "A network-related or instance-specific error occurred", "Microsoft.Data.SqlClient in Open"),
                  ("RedisConnectionException", "No connection is available to service this operation", "StackExchange.Redis in ExecuteSync")],
       "other": [("Error", "upstream request timeout", "handler in call")]}


def render_sentry(w, out, mons, eps):
    rng = random.Random("heldout-sentry/%s/%d" % (w.topo, w.seed))
    org = w.org
    inst = ruuid(rng)
    for ms in mons.values():
        for m in ms:
            if m.tool != "sentry":
                continue
            p = m.p
            slug = p["slug"]
            w.reg.add(m.ent, slug)
            e = w.E[m.ent]
            for ep in eps.get(m.id, []):
                if m.kind == "sentry_issue":
                    issue_id = str(rng.randint(4_000_000_000, 6_999_999_999))
                    exc = rng.choice(EXC.get(p["platform"], EXC["other"]))
                    x = ep.start
                    n_sent = 0
                    while x < max(ep.end, ep.start + 1) and n_sent < 6:
                        body, pod = sentry_event_alert(w, m, ep, rng, x, issue_id, exc, inst)
                        out.body("sentry", x + rng.uniform(1, 10), body, [(m, ep, "firing", x, slug)], rng)
                        n_sent += 1
                        x += 1800 + rng.uniform(0, 300)   # rule action interval 30 min
                elif m.kind == "sentry_metric":
                    aid = str(rng.randint(100000, 999999))
                    crit = ep.sev >= 0.45
                    body = sentry_metric(w, m, ep, rng, "critical" if crit else "warning", aid, inst, closed=None)
                    out.body("sentry", ep.start + rng.uniform(1, 10), body, [(m, ep, "firing", ep.start, slug)], rng)
                    if rng.random() < 0.85:
                        body = sentry_metric(w, m, ep, rng, "resolved", aid, inst, closed=ep.end)
                        out.body("sentry", ep.end + rng.uniform(1, 10), body, [(m, ep, "resolved", ep.end, slug)], rng)
                else:
                    issue_id = str(rng.randint(4_000_000_000, 6_999_999_999))
                    exc = rng.choice(EXC.get(p["platform"], EXC["other"]))
                    body = sentry_issue(w, m, ep, rng, "created", issue_id, exc, inst)
                    out.body("sentry", ep.start + rng.uniform(1, 10), body, [(m, ep, "firing", ep.start, slug)], rng)
                    if rng.random() < 0.4:
                        body = sentry_issue(w, m, ep, rng, "resolved", issue_id, exc, inst)
                        out.body("sentry", ep.end + rng.uniform(1, 10), body, [(m, ep, "resolved", ep.end, slug)], rng)


def sentry_event_alert(w, m, ep, rng, t, issue_id, exc, inst):
    org, p = w.org, m.p
    ev = rid(rng, 32)
    dep, pod, ip = w.pod_at(m.ent, t, rng)
    tags = [["environment", org.env], ["level", "error"]]
    if pod:
        tags.append(["server_name", pod])
        w.reg.add(m.ent, pod)
    if rng.random() < 0.3:
        tags.append(["release", "%s@%d.%d.%d" % (p["slug"], rng.randint(1, 4), rng.randint(0, 30), rng.randint(0, 9))])
    body = {"action": "triggered", "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
            "data": {"event": {"event_id": ev, "issue_id": issue_id, "project": p["project_id"], "datetime": iso_us(t),
                               "timestamp": round(t, 6), "level": "error", "platform": p["platform"],
                               "title": "%s: %s" % (exc[0], exc[1]), "culprit": exc[2], "environment": org.env, "logger": "",
                               "type": "error", "tags": tags,
                               "url": "https://sentry.io/api/0/projects/%s/%s/events/%s/" % (org.org_slug, p["slug"], ev),
                               "web_url": "https://%s.sentry.io/issues/%s/events/%s/" % (org.org_slug, issue_id, ev),
                               "issue_url": "https://sentry.io/api/0/issues/%s/" % issue_id,
                               "metadata": {"type": exc[0], "value": exc[1]}},
                     "triggered_rule": p["rule"],
                     "issue_alert": {"title": p["rule"], "settings": [{"name": "channel", "value": "#alerts-%s" % w.E[m.ent].team}]}},
            "installation": {"uuid": inst}}
    return body, pod


def sentry_metric(w, m, ep, rng, action, aid, inst, closed):
    org, p = w.org, m.p
    rule_name = "%s: error rate" % p["slug"]
    status = {"critical": 20, "warning": 10, "resolved": 2}[action]
    return {"action": action, "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
            "data": {"description_text": "%d events in the last %d minutes\nFilter: level:error" % (rng.randint(20, 900), p["window"]),
                     "description_title": "%s: %s" % (action.capitalize(), rule_name),
                     "metric_alert": {"alert_rule": {"aggregate": "count()", "created_by": None, "dataset": "events",
                                                     "date_created": iso_us(w.t0 - 90 * DAY), "date_modified": iso_us(w.t0 - 20 * DAY),
                                                     "environment": org.env, "id": p["rule_id"], "include_all_projects": False,
                                                     "name": rule_name, "organization_id": w.sentry_org, "projects": [p["slug"]], "query": "level:error",
                                                     "resolution": 1, "resolve_threshold": None, "status": 0, "threshold_period": 1,
                                                     "threshold_type": 0, "time_window": p["window"], "triggers": []},
                                      "date_closed": iso_us(closed) if closed else None, "date_created": iso_us(ep.start),
                                      "date_detected": iso_us(ep.start), "date_started": iso_us(ep.start), "id": aid,
                                      "identifier": str(rng.randint(1, 400)), "organization_id": w.sentry_org,
                                      "projects": [p["slug"]], "status": status, "status_method": 3, "title": rule_name, "type": 2},
                     "web_url": "https://%s.sentry.io/alerts/rules/details/%s/?alert=%s" % (org.org_slug, p["rule_id"], aid)},
            "installation": {"uuid": inst}}


def sentry_issue(w, m, ep, rng, action, issue_id, exc, inst):
    org, p = w.org, m.p
    short = p["slug"].upper() + "-" + str(rng.randint(1, 900))
    team = w.team_value(w.E[m.ent], "label", rng, m)
    assigned = {"type": "team", "id": str(rng.randint(100, 999)), "name": team} if team and rng.random() < 0.35 else None
    return {"action": action, "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
            "data": {"issue": {"annotations": [], "assignedTo": assigned, "count": str(rng.randint(1, 400)), "culprit": exc[2],
                               "firstSeen": iso_us(ep.start), "hasSeen": False, "id": issue_id, "isBookmarked": False,
                               "isPublic": False, "isSubscribed": False, "lastSeen": iso_us(ep.end if action == "resolved" else ep.start),
                               "level": "error", "logger": None, "metadata": {"type": exc[0], "value": exc[1]}, "numComments": 0,
                               "permalink": None, "platform": p["platform"],
                               "project": {"id": str(p["project_id"]), "name": p["slug"], "platform": p["platform"], "slug": p["slug"]},
                               "shareId": None, "shortId": short, "status": "resolved" if action == "resolved" else "unresolved",
                               "statusDetails": {}, "subscriptionDetails": None, "substatus": None if action == "resolved" else "new",
                               "title": "%s: %s" % exc[:2], "type": "error", "userCount": rng.randint(0, 60)}},
            "installation": {"uuid": inst}}


# ---------------------------------------------------------------- CloudWatch
def render_cloudwatch(w, out, mons, eps):
    rng = random.Random("heldout-cw/%s/%d" % (w.topo, w.seed))
    org = w.org
    for ms in mons.values():
        for m in ms:
            if m.tool != "cloudwatch":
                continue
            p = m.p
            for k, v in p["dims"]:
                if k not in ("CacheNodeId",):
                    if v in w.reg.infra:
                        continue
                    w.reg.add(m.ent, v)
            w.reg.add(m.ent, p["arn"])
            w.reg.add(m.ent, p["alarm"])
            if "ec2_name" in p:
                w.reg.add(m.ent, p["ec2_name"])
            state = "OK"
            last_change = p["created"]
            for ep in eps.get(m.id, []):
                nodata = ep.kind in ("maint",) and p["insuff_actions"]
                new = "INSUFFICIENT_DATA" if nodata else "ALARM"
                body = cw_body(w, m, rng, ep.start, state, new, prev_t=last_change)
                out.body("cloudwatch", ep.start + rng.uniform(0.3, 3), body,
                         [(m, ep, "insufficient_data" if nodata else "firing", ep.start, p["alarm"])], rng)
                state = new
                if p["ok_actions"] or nodata:
                    body = cw_body(w, m, rng, ep.end, state, "OK", prev_t=ep.start)
                    out.body("cloudwatch", ep.end + rng.uniform(0.3, 3), body, [(m, ep, "resolved", ep.end, p["alarm"])], rng)
                state = "OK"
                last_change = ep.end


def cw_reason(p, new, t, rng):
    if new == "ALARM":
        return "Threshold Crossed: %d out of the last %d datapoints [%s (%s)] was %s the threshold (%s) (minimum %d datapoint for OK -> ALARM transition)." % (
            p["dta"], p["evals"], round(p["threshold_v"] * rng.uniform(1.05, 2.0), 2), utc(t - p["period"]).strftime("%d/%m/%y %H:%M:%S"),
            "less than" if p["cond"] == "Low" else "greater than or equal to", p["threshold_v"], p["dta"])
    if new == "OK":
        return "Threshold Crossed: 1 out of the last %d datapoints [%s (%s)] was not greater than or equal to the threshold (%s) (minimum 1 datapoint for ALARM -> OK transition)." % (
            p["evals"], round(p["threshold_v"] * rng.uniform(0.2, 0.9), 2), utc(t - p["period"]).strftime("%d/%m/%y %H:%M:%S"), p["threshold_v"])
    return "Insufficient Data: %d datapoints were unknown." % p["evals"]


def cw_body(w, m, rng, t, old, new, prev_t):
    org, p = w.org, m.p
    topic_arn = "arn:aws:sns:%s:%s:%s" % (org.region, org.account, p["topic"])
    fmt = p["format"]
    if fmt in ("sns", "lambda"):
        msg = {"AlarmName": p["alarm"], "AlarmDescription": "%s %s on %s" % (p["metric"], p["cond"].lower(), p["dims"][0][1]),
               "AWSAccountId": org.account, "AlarmConfigurationUpdatedTimestamp": iso_cw(p["created"]),
               "NewStateValue": new, "NewStateReason": cw_reason(p, new, t, rng), "StateChangeTime": iso_cw(t),
               "Region": org.region_display, "AlarmArn": p["arn"], "OldStateValue": old,
               "OKActions": [topic_arn] if p["ok_actions"] else [], "AlarmActions": [topic_arn], "InsufficientDataActions": [topic_arn] if p["insuff_actions"] else [],
               "Trigger": {"MetricName": p["metric"], "Namespace": p["namespace"], "StatisticType": "Statistic",
                           "Statistic": p["stat"].upper(), "Unit": None,
                           "Dimensions": [{"value": v, "name": k} for k, v in p["dims"]], "Period": p["period"],
                           "EvaluationPeriods": p["evals"], "DatapointsToAlarm": p["dta"],
                           "ComparisonOperator": "LessThanThreshold" if p["cond"] == "Low" else "GreaterThanOrEqualToThreshold",
                           "Threshold": p["threshold_v"], "TreatMissingData": "missing", "EvaluateLowSampleCountPercentile": ""}}
        subject = ('%s: "%s" in %s' % (new, p["alarm"], org.region_display))[:100]
        sns = {"Type": "Notification", "MessageId": ruuid(rng), "TopicArn": topic_arn, "Subject": subject,
               "Message": json.dumps(msg, separators=(",", ":")), "Timestamp": iso_ms(t + rng.uniform(0.05, 0.6)),
               "SignatureVersion": "1", "Signature": rid(rng, 344, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
               "SigningCertURL": "https://sns.%s.amazonaws.com/SimpleNotificationService-%s.pem" % (org.region, rid(rng, 32)),
               "UnsubscribeURL": "https://sns.%s.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=%s:%s" % (org.region, topic_arn, ruuid(rng))}
        if fmt == "sns":
            return sns
        sns["MessageAttributes"] = {}
        sns["SigningCertUrl"] = sns.pop("SigningCertURL")
        sns["UnsubscribeUrl"] = sns.pop("UnsubscribeURL")
        return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                             "EventSubscriptionArn": "%s:%s" % (topic_arn, ruuid(rng)), "Sns": sns}]}
    # EventBridge
    return {"version": "0", "id": ruuid(rng), "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
            "account": org.account, "time": iso_s(t), "region": org.region, "resources": [p["arn"]],
            "detail": {"alarmName": p["alarm"],
                       "configuration": {"description": "%s %s" % (p["metric"], p["cond"].lower()),
                                         "metrics": [{"id": ruuid(rng), "metricStat": {"metric": {
                                             "dimensions": {k: v for k, v in p["dims"]}, "name": p["metric"],
                                             "namespace": p["namespace"]}, "period": p["period"], "stat": p["stat"]},
                                             "returnData": True}]},
                       "previousState": {"reason": cw_reason(p, old, prev_t, rng), "timestamp": iso_cw(prev_t), "value": old},
                       "state": {"reason": cw_reason(p, new, t, rng), "timestamp": iso_cw(t), "value": new}}}


# ---------------------------------------------------------------- PagerDuty
def upstream_title(w, m, ep):
    u = m.upstream
    n = w.N[m.ent]
    if u is None:
        return "%s health check failed" % title_case(pick_words(w.E[m.ent].words, "canon"))
    if u.tool in ("alertmanager", "grafana"):
        return "[FIRING:1] %s %s (%s)" % (u.p.get("alertname", "Alert"), n["svc"], n["ns"])
    if u.tool == "datadog":
        svc = w.dd_name(m.ent, ep.start)
        return "[Triggered on {service:%s}] %s" % (svc, u.p.get("name", "").replace("{{service.name}}", svc))
    if u.tool == "cloudwatch":
        return 'ALARM: "%s" in %s' % (u.p["alarm"], w.org.region_display)
    return "Alert on %s" % n["k8s"]


def render_pagerduty(w, out, mons, eps):
    rng = random.Random("heldout-pd/%s/%d" % (w.topo, w.seed))
    org = w.org
    sub = dns(org.org_name.split()[0]) + rng.choice(["", "-inc", "-eng"])
    users = [(pd_id(rng), nm) for nm in ["Priya Natarajan", "Tomás Ortega", "Mei Lin", "Ola Nordmann", "Sam Okafor", "Jules Martin"]]
    number = rng.randint(1000, 9000)
    for ms in mons.values():
        for m in ms:
            if m.tool != "pagerduty":
                continue
            p = m.p
            e = w.E[m.ent]
            svc_name = w.N[m.ent]["pd"]
            w.reg.add(m.ent, svc_name)
            team = w.team_value(e, "pd", rng, m)
            tkey = e.team if m.team_mode == "ok" else m.wrong_team
            ep_name = org.team_display[tkey]["pd_ep"] if m.team_mode != "missing" else "Default"
            svc_ref = {"html_url": "https://%s.pagerduty.com/service-directory/%s" % (sub, p["service_id"]), "id": p["service_id"],
                       "self": "https://api.pagerduty.com/services/%s" % p["service_id"], "summary": svc_name, "type": "service_reference"}
            for ep in eps.get(m.id, []):
                number += 1
                inc_id = "Q" + rid(rng, 12, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                ikey = rid(rng, 32)
                title = upstream_title(w, m, ep)
                user = rng.choice(users)
                urg = "high" if ep.sev >= 0.5 else rng.choice(["high", "low"])
                prio = None if rng.random() < 0.4 else rng.choice(["P1", "P2", "P3"])
                client = None
                if m.upstream is not None:
                    client = {"name": {"alertmanager": "Prometheus Alertmanager", "grafana": "Grafana", "datadog": "Datadog",
                                       "cloudwatch": "Amazon CloudWatch"}[m.upstream.tool], "url": "https://%s.example" % m.upstream.tool}

                def data(status, assignees):
                    d = {"id": inc_id, "type": "incident", "self": "https://api.pagerduty.com/incidents/%s" % inc_id,
                         "html_url": "https://%s.pagerduty.com/incidents/%s" % (sub, inc_id), "number": number, "status": status,
                         "incident_key": ikey, "created_at": iso_s(ep.start), "title": title, "service": svc_ref,
                         "assignees": assignees,
                         "escalation_policy": {"html_url": "https://%s.pagerduty.com/escalation_policies/%s" % (sub, p["ep_id"]),
                                               "id": p["ep_id"], "self": "https://api.pagerduty.com/escalation_policies/%s" % p["ep_id"],
                                               "summary": ep_name, "type": "escalation_policy_reference"},
                         "teams": ([{"html_url": "https://%s.pagerduty.com/teams/%s" % (sub, p["team_id"]), "id": p["team_id"],
                                     "self": "https://api.pagerduty.com/teams/%s" % p["team_id"], "summary": team, "type": "team_reference"}]
                                   if team else []),
                         "priority": ({"html_url": "https://%s.pagerduty.com/account/incident_priorities" % sub, "id": pd_id(rng),
                                       "self": "https://api.pagerduty.com/priorities/x", "summary": prio, "type": "priority"} if prio else None),
                         "urgency": urg, "conference_bridge": None, "resolve_reason": None}
                    return d

                def user_ref():
                    return {"html_url": "https://%s.pagerduty.com/users/%s" % (sub, user[0]), "id": user[0],
                            "self": "https://api.pagerduty.com/users/%s" % user[0], "summary": user[1], "type": "user_reference"}

                def event(kind, t, d, agent):
                    return {"event": {"id": "01" + rid(rng, 24, "0123456789ABCDEFGHJKMNPQRSTVWXYZ"), "event_type": kind,
                                      "resource_type": "incident", "occurred_at": iso_ms(t), "agent": agent, "client": client, "data": d}}

                out.body("pagerduty", ep.start + rng.uniform(0.5, 5),
                         event("incident.triggered", ep.start, data("triggered", [user_ref()]), dict(svc_ref)),
                         [(m, ep, "firing", ep.start, svc_name)], rng)
                if rng.random() < 0.6 and ep.end - ep.start > 120:
                    ta = ep.start + rng.uniform(60, min(900, ep.end - ep.start - 30))
                    out.body("pagerduty", ta + rng.uniform(0.5, 5),
                             event("incident.acknowledged", ta, data("acknowledged", [user_ref()]), user_ref()),
                             [(m, ep, "firing", ep.start, svc_name)], rng)
                auto = rng.random() < 0.6
                out.body("pagerduty", ep.end + rng.uniform(0.5, 5),
                         event("incident.resolved", ep.end, data("resolved", []), dict(svc_ref) if auto else user_ref()),
                         [(m, ep, "resolved", ep.end, svc_name)], rng)


# ---------------------------------------------------------------- Opsgenie
def render_opsgenie(w, out, mons, eps):
    rng = random.Random("heldout-og/%s/%d" % (w.topo, w.seed))
    org = w.org
    tiny = rng.randint(100, 3000)
    for ms in mons.values():
        for m in ms:
            if m.tool != "opsgenie":
                continue
            p = m.p
            e, n = w.E[m.ent], w.N[m.ent]
            team = w.team_value(e, "og", rng, m)
            for ep in eps.get(m.id, []):
                tiny += 1
                entity = n["og"]
                tags = []
                details = {}
                u = m.upstream
                if u is not None and u.tool in ("alertmanager", "grafana"):
                    lab = {"alertname": u.p.get("alertname", "Alert"), "namespace": n["ns"]}
                    if n["host"] == "k8s" and e.is_app:
                        lab["service"] = n["svc"]
                    elif e.is_store and n["host"] == "k8s":
                        lab["job"] = n["exporter_job"]
                    details = dict(lab)
                    tags = sorted({lab["alertname"], "severity:critical"} | ({"service:%s" % lab["service"]} if "service" in lab else set()))
                elif u is not None and u.tool == "datadog":
                    svc = w.dd_name(m.ent, ep.start)
                    tags = ["env:%s" % org.dd_env, "monitor", "service:%s" % svc]
                    details = {"monitor_id": u.p["monitor_id"]}
                elif u is not None and u.tool == "cloudwatch":
                    tags = ["AWS", "CloudWatch", org.region]
                    details = {"AlarmName": u.p["alarm"], "MetricName": u.p["metric"], "Namespace": u.p["namespace"],
                               "Region": org.region_display}
                    details.update({k: v for k, v in u.p["dims"]})
                else:
                    tags = [rng.choice(["critical", "prod", org.env]), e.team]
                    if rng.random() < 0.5:
                        details = {"host": rng.choice([n["k8s"] + "." + org.org_slug + ".internal", n["k8s"]])}
                for k, v in details.items():
                    if nkey(k) in ENTITY_KEYS and v not in w.reg.infra:
                        w.reg.add(m.ent, v)
                for tg in tags:
                    if ":" in tg and nkey(tg.split(":", 1)[0]) in ENTITY_KEYS:
                        w.reg.add(m.ent, tg.split(":", 1)[1])
                w.reg.add(m.ent, entity)
                alias = "%s-%s" % (n["k8s"], (u.id if u else m.id)) if rng.random() < 0.7 else rid(rng, 32)
                msg = upstream_title(w, m, ep)
                alert_id = ruuid(rng)
                created = int(ep.start * 1000)
                base = {"alertId": alert_id, "message": msg, "tags": tags, "tinyId": str(tiny), "entity": entity, "alias": alias,
                        "createdAt": created, "username": "System", "userId": "", "description": msg,
                        "priority": "P%d" % (1 if ep.sev > 0.8 else 2 if ep.sev > 0.5 else 3), "source": p["integration"],
                        "details": details}
                if team:
                    base["teams"] = [team]
                    base["responders"] = [{"id": ruuid(rng), "type": "team", "name": team}]
                else:
                    base["teams"] = []

                def body(action, t, extra=None):
                    a = dict(base)
                    a["updatedAt"] = int(t * 1e9) + rng.randint(0, 999999)
                    if extra:
                        a.update(extra)
                    return {"action": action, "alert": a, "source": {"name": p["integration"], "type": "API"},
                            "integrationName": "Parallax webhook", "integrationId": p["integration_id"], "integrationType": "Webhook"}

                out.body("opsgenie", ep.start + rng.uniform(0.3, 4), body("Create", ep.start), [(m, ep, "firing", ep.start, entity)], rng)
                if rng.random() < 0.45 and ep.end - ep.start > 90:
                    ta = ep.start + rng.uniform(30, ep.end - ep.start - 10)
                    out.body("opsgenie", ta + rng.uniform(0.3, 4),
                             body("Acknowledge", ta, {"username": "oncall@%s.com" % org.org_slug, "acknowledged": True}),
                             [(m, ep, "firing", ep.start, entity)], rng)
                if rng.random() < 0.85:
                    out.body("opsgenie", ep.end + rng.uniform(0.3, 4), body("Close", ep.end, {"status": "closed"}),
                             [(m, ep, "resolved", ep.end, entity)], rng)


# ------------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------------
def generate(topo, seed, outdir, days=90, quiet=False):
    w = World(topo, seed, days)
    mons = assign_monitors(w)
    imps, incidents, P = simulate(w)
    eps = episodes_for(w, mons, imps)
    out = Out(w)
    render_am_like(w, out, mons, eps, "alertmanager")
    render_am_like(w, out, mons, eps, "grafana")
    render_datadog(w, out, mons, eps)
    render_sentry(w, out, mons, eps)
    render_cloudwatch(w, out, mons, eps)
    render_pagerduty(w, out, mons, eps)
    render_opsgenie(w, out, mons, eps)

    if os.path.isdir(outdir):
        shutil.rmtree(outdir)
    os.makedirs(os.path.join(outdir, "alerts"))
    shuf = random.Random("heldout-shuffle/%s/%d" % (topo, seed))
    nbodies = 0
    for (tool, day) in sorted(out.bodies):
        lines = out.bodies[(tool, day)]
        shuf.shuffle(lines)
        d = os.path.join(outdir, "alerts", tool)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, day + ".jsonl"), "w") as f:
            for s in lines:
                f.write(s + "\n")
        nbodies += len(lines)
    per, shared = w.reg.entity_names()
    alerted = {x["entity"] for x in out.meta if x["status"] == "firing"}
    # diagnostic: in how many real incidents did both ends of an edge deliver a firing alert?
    fired = collections.defaultdict(set)
    for x in out.meta:
        if x["status"] == "firing" and not x["is_noise"]:
            fired[x["incident"]].add(x["entity"])
    evidence = collections.Counter()
    for inc in incidents:
        f = fired.get(inc["id"], set())
        if len(f) < 2:
            continue
        for a, b in w.edges:
            if a in f and b in f:
                evidence[(a, b)] += 1
    # host-only names of a monitored entity are also valid aliases of it
    truth = {"topology": topo, "seed": seed, "days": days, "start": iso_s(w.t0), "end": iso_s(w.t1),
             "org": {"name": w.org.org_name, "app": w.org.app, "env": w.org.env, "keep_upstream_names": w.org.keep_upstream,
                     "ksm_labels_on_pod_alerts": w.org.ksm_trap, "datadog_payload": w.org.dd_payload,
                     "cloudwatch_formats": w.org.cw_formats, "alertmanager_group_by": w.org.am_group_by},
             "entities": {e.id: {"kind": e.truth_kind, "team": e.team, "tech": e.tech,
                                 "hosting": w.N[e.id]["host"], "names": sorted(per.get(e.id, set())),
                                 "monitors": [{"id": m.id, "tool": m.tool, "kind": m.kind,
                                               "upstream": m.upstream.id if m.upstream else None} for m in mons[e.id]]}
                          for e in w.ents},
             "edges": [[a, b] for a, b in w.edges],
             "alerting_edges": [[a, b] for a, b in w.edges if a in alerted and b in alerted],
             "evidenced_edges": [[a, b] for a, b in w.edges if evidence[(a, b)] >= 2],
             "edge_evidence": {"%s->%s" % (a, b): evidence[(a, b)] for a, b in w.edges},
             "edge_params": {"%s->%s" % k: {"p": round(v[0], 3), "delay_s": round(v[1], 1), "recovery_s": round(v[2], 1)}
                             for k, v in sorted(P.items())},
             "shared_names": sorted(shared), "infra_names": sorted(w.reg.infra),
             "stats": {"bodies": nbodies, "alert_elements": len(out.meta),
                       "firing_elements": sum(1 for x in out.meta if x["status"] == "firing"),
                       "noise_firing": sum(1 for x in out.meta if x["status"] == "firing" and x["is_noise"]),
                       "incidents": len(incidents),
                       "per_tool": dict(collections.Counter(x["tool"] for x in out.meta))}}
    with open(os.path.join(outdir, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=False)
    with open(os.path.join(outdir, "incidents.jsonl"), "w") as f:
        for inc in incidents:
            f.write(json.dumps(inc) + "\n")
    out.meta.sort(key=lambda x: (x["t"], x["monitor"]))
    with open(os.path.join(outdir, "meta.jsonl"), "w") as f:
        for x in out.meta:
            f.write(json.dumps(x, separators=(",", ":")) + "\n")
    if not quiet:
        st = truth["stats"]
        print("%s seed %d: %d entities, %d edges (%d alerting), %d incidents, %d bodies, %d alert elements (%d firing, %d noise)" % (
            topo, seed, len(w.ents), len(w.edges), len(truth["alerting_edges"]), st["incidents"], st["bodies"],
            st["alert_elements"], st["firing_elements"], st["noise_firing"]), file=sys.stderr)
    return truth


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--topology", required=True, choices=sorted(TOPOLOGIES))
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--out", required=True, help="output directory (replaced)")
    a = ap.parse_args()
    generate(a.topology, a.seed, a.out, a.days)


if __name__ == "__main__":
    main()
