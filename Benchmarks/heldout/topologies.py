"""Topologies for the held-out alert-inference evaluation (caller -> callee).

Encoded by hand from public architecture descriptions; reduced but realistic. Every entity is
(id, kind, words, team, tech, upstream name). `words` are the semantic words a human would use
for it; the generator renders each tool's names from them (see gen_heldout.py).

kinds: frontend, gateway, service, worker  (truth kind "service")
       database, cache, queue               (backing stores)
       external                             (third-party API)
       platform                             (cluster infrastructure every pod talks to)
"""

import random


class Ent:
    __slots__ = ("id", "kind", "words", "team", "tech", "upstream", "lang", "deployments")

    def __init__(self, id, kind, words, team, tech=None, upstream=None, lang=None, deployments=None):
        self.id = id
        self.kind = kind
        self.words = list(words)
        self.team = team
        self.tech = tech
        self.upstream = upstream or id
        self.lang = lang
        self.deployments = deployments  # explicit k8s Deployments (Bookinfo reviews-v1..v3)

    @property
    def is_app(self):
        return self.kind in ("frontend", "gateway", "service", "worker")

    @property
    def is_store(self):
        return self.kind in ("database", "cache", "queue")

    @property
    def truth_kind(self):
        if self.is_app:
            return "service"
        return {"platform": "infra"}.get(self.kind, self.kind)


# ---------------------------------------------------------------------------------------------
# FudanSELab train-ticket (reduced): the services of the booking / payment / order paths, the
# shared MySQL cluster of release 1.0 (tsdb-mysql), a separate order database, the food service's
# MongoDB, RabbitMQ between preserve and notification, and a Redis used for auth sessions and
# verification codes.
# ---------------------------------------------------------------------------------------------
def trainticket(rng):
    S = lambda i, w, t, lang="java": Ent("ts-" + i, "service", w, t, upstream="ts-%s-service" % i, lang=lang)
    ents = [
        Ent("ts-ui-dashboard", "gateway", ["ui", "dashboard"], "web", tech="nginx", upstream="ts-ui-dashboard", lang="javascript"),
        S("auth", ["auth"], "identity"),
        S("user", ["user"], "identity"),
        S("verification-code", ["verification", "code"], "identity"),
        S("contacts", ["contacts"], "identity"),
        S("travel", ["travel"], "ticketing"),
        S("ticketinfo", ["ticket", "info"], "ticketing"),
        S("basic", ["basic"], "ticketing"),
        S("station", ["station"], "ticketing"),
        S("train", ["train"], "ticketing"),
        S("route", ["route"], "ticketing"),
        S("price", ["price"], "ticketing"),
        S("seat", ["seat"], "ticketing"),
        S("config", ["config"], "ticketing"),
        S("order", ["order"], "orders"),
        S("order-other", ["order", "other"], "orders"),
        S("preserve", ["preserve"], "orders"),
        S("cancel", ["cancel"], "orders"),
        S("rebook", ["rebook"], "orders"),
        S("security", ["security"], "orders"),
        S("assurance", ["assurance"], "orders"),
        S("inside-payment", ["inside", "payment"], "payments"),
        S("payment", ["payment"], "payments"),
        S("food", ["food"], "customer", lang="python"),
        S("consign", ["consign"], "customer"),
        S("notification", ["notification"], "customer", lang="python"),
        Ent("tsdb-mysql", "database", ["tsdb"], "dba", tech="mysql", upstream="tsdb-mysql"),
        Ent("ts-order-mysql", "database", ["order"], "dba", tech="mysql", upstream="ts-order-mysql"),
        Ent("ts-food-mongo", "database", ["food"], "dba", tech="mongodb", upstream="ts-food-mongo"),
        Ent("rabbitmq", "queue", ["rabbitmq"], "platform", tech="rabbitmq", upstream="rabbitmq"),
        Ent("ts-session-redis", "cache", ["session"], "platform", tech="redis", upstream="ts-session-redis"),
    ]
    t = lambda x: x if x.startswith(("tsdb", "rabbitmq")) or x.startswith("ts-") else "ts-" + x
    E = []

    def calls(a, *bs):
        for b in bs:
            E.append((t(a), t(b)))

    calls("ui-dashboard", "auth", "user", "verification-code", "travel", "preserve", "order", "order-other",
          "cancel", "rebook", "contacts", "food", "consign", "inside-payment", "station", "assurance")
    calls("auth", "verification-code", "tsdb-mysql", "session-redis")
    calls("user", "auth", "tsdb-mysql")
    calls("verification-code", "session-redis")
    calls("contacts", "tsdb-mysql")
    calls("travel", "ticketinfo", "train", "route", "seat", "order", "tsdb-mysql")
    calls("ticketinfo", "basic")
    calls("basic", "station", "train", "route", "price")
    for s in ("station", "train", "route", "price", "config", "assurance", "payment", "consign"):
        calls(s, "tsdb-mysql")
    calls("seat", "order", "order-other", "config")
    calls("order", "order-mysql")
    calls("order-other", "order-mysql")
    calls("preserve", "ticketinfo", "seat", "security", "contacts", "order", "travel", "food", "consign",
          "user", "assurance", "station", "rabbitmq")
    calls("cancel", "order", "order-other", "inside-payment", "user", "notification")
    calls("rebook", "travel", "order", "order-other", "inside-payment", "seat")
    calls("security", "order", "order-other", "tsdb-mysql")
    calls("inside-payment", "payment", "order", "order-other", "tsdb-mysql")
    calls("food", "travel", "station", "food-mongo")
    calls("notification", "rabbitmq")
    return ents, E


# ---------------------------------------------------------------------------------------------
# DeathStarBench media-microservices. Per-service MongoDB and Redis as in the repository; the
# per-service memcached instances consolidated into one cache cluster (a common production
# change), which makes the cache a hub.
# ---------------------------------------------------------------------------------------------
def media(rng):
    S = lambda i, w, t: Ent(i, "service", w, t, upstream=i + "-service", lang="cpp")
    ents = [
        Ent("nginx-web-server", "gateway", ["nginx", "web"], "frontend", tech="nginx", upstream="nginx-web-server", lang="lua"),
        S("compose-review", ["compose", "review"], "reviews"),
        S("unique-id", ["unique", "id"], "reviews"),
        S("text", ["text"], "reviews"),
        S("rating", ["rating"], "reviews"),
        S("review-storage", ["review", "storage"], "reviews"),
        S("user-review", ["user", "review"], "reviews"),
        S("movie-review", ["movie", "review"], "reviews"),
        S("user", ["user"], "accounts"),
        S("movie-id", ["movie", "id"], "catalog"),
        S("movie-info", ["movie", "info"], "catalog"),
        S("cast-info", ["cast", "info"], "catalog"),
        S("plot", ["plot"], "catalog"),
        S("page", ["page"], "catalog"),
    ]
    mongos = ["movie-id", "user", "review-storage", "user-review", "movie-review", "cast-info", "plot", "movie-info"]
    for m in mongos:
        ents.append(Ent(m + "-mongodb", "database", m.split("-"), "data", tech="mongodb", upstream=m + "-mongodb"))
    for r in ["user-review", "movie-review", "rating"]:
        ents.append(Ent(r + "-redis", "cache", r.split("-"), "data", tech="redis", upstream=r + "-redis"))
    ents.append(Ent("media-memcached", "cache", ["media"], "data", tech="memcached", upstream="media-memcached"))
    E = []

    def calls(a, *bs):
        for b in bs:
            E.append((a, b))

    calls("nginx-web-server", "unique-id", "movie-id", "text", "user", "page", "cast-info", "plot",
          "movie-info", "user-review", "movie-review")
    for s in ("unique-id", "movie-id", "rating", "text", "user"):
        calls(s, "compose-review")
    calls("movie-id", "rating")
    calls("compose-review", "review-storage", "user-review", "movie-review", "media-memcached")
    calls("user-review", "review-storage")
    calls("movie-review", "review-storage")
    calls("page", "movie-info", "cast-info", "plot", "movie-review")
    for m in mongos:
        calls(m, m + "-mongodb")
    for r in ["user-review", "movie-review", "rating"]:
        calls(r, r + "-redis")
    for s in ("movie-id", "user", "review-storage", "cast-info", "plot", "movie-info"):
        calls(s, "media-memcached")
    return ents, E


# ---------------------------------------------------------------------------------------------
# Istio Bookinfo with its databases (ratings v2 on MongoDB or MySQL), the Google Books API that
# details v2 calls, the ingress gateway, and the two cluster services every sidecar depends on:
# istiod (xDS config, certificates) and CoreDNS.
# ---------------------------------------------------------------------------------------------
def bookinfo(rng):
    ents = [
        Ent("istio-ingressgateway", "gateway", ["ingress", "gateway"], "mesh", tech="envoy", upstream="istio-ingressgateway"),
        Ent("productpage", "frontend", ["productpage"], "bookshop", upstream="productpage", lang="python",
            deployments=["productpage-v1"]),
        Ent("details", "service", ["details"], "bookshop", upstream="details", lang="ruby", deployments=["details-v1"]),
        Ent("reviews", "service", ["reviews"], "reviews", upstream="reviews", lang="java",
            deployments=["reviews-v1", "reviews-v2", "reviews-v3"]),
        Ent("ratings", "service", ["ratings"], "reviews", upstream="ratings", lang="node",
            deployments=["ratings-v1", "ratings-v2"]),
        Ent("mongodb", "database", ["ratings"], "data", tech="mongodb", upstream="mongodb"),
        Ent("mysqldb", "database", ["ratings"], "data", tech="mysql", upstream="mysqldb"),
        Ent("googleapis-books", "external", ["google", "books"], "bookshop", upstream="www.googleapis.com"),
        Ent("istiod", "platform", ["istiod"], "mesh", upstream="istiod"),
        Ent("coredns", "platform", ["coredns"], "k8s-platform", upstream="coredns"),
    ]
    E = [("istio-ingressgateway", "productpage"), ("productpage", "details"), ("productpage", "reviews"),
         ("reviews", "ratings"), ("ratings", "mongodb"), ("ratings", "mysqldb"), ("details", "googleapis-books")]
    for s in ("istio-ingressgateway", "productpage", "details", "reviews", "ratings"):
        E.append((s, "istiod"))
        E.append((s, "coredns"))
    return ents, E


# ---------------------------------------------------------------------------------------------
# eShopOnContainers (v5/v6 era): MVC and SPA front ends, Envoy API gateways, the web/mobile
# aggregators, identity, catalog, basket (+ Redis), ordering (+ background tasks + SignalR hub),
# payment, webhooks (+ client), one SQL Server instance and the RabbitMQ event bus.
# ---------------------------------------------------------------------------------------------
def eshop(rng):
    ents = [
        Ent("webmvc", "frontend", ["webmvc"], "storefront", upstream="webmvc", lang="dotnet"),
        Ent("webspa", "frontend", ["webspa"], "storefront", upstream="webspa", lang="javascript"),
        Ent("webshoppingapigw", "gateway", ["web", "shopping", "apigw"], "storefront", tech="envoy", upstream="webshoppingapigw"),
        Ent("mobileshoppingapigw", "gateway", ["mobile", "shopping", "apigw"], "storefront", tech="envoy", upstream="mobileshoppingapigw"),
        Ent("webshoppingagg", "service", ["web", "shopping", "agg"], "storefront", upstream="webshoppingagg", lang="dotnet"),
        Ent("mobileshoppingagg", "service", ["mobile", "shopping", "agg"], "storefront", upstream="mobileshoppingagg", lang="dotnet"),
        Ent("identity-api", "service", ["identity"], "identity", upstream="identity-api", lang="dotnet"),
        Ent("catalog-api", "service", ["catalog"], "catalog", upstream="catalog-api", lang="dotnet"),
        Ent("basket-api", "service", ["basket"], "basket", upstream="basket-api", lang="dotnet"),
        Ent("ordering-api", "service", ["ordering"], "ordering", upstream="ordering-api", lang="dotnet"),
        Ent("ordering-backgroundtasks", "worker", ["ordering", "backgroundtasks"], "ordering", upstream="ordering-backgroundtasks", lang="dotnet"),
        Ent("ordering-signalrhub", "service", ["ordering", "signalrhub"], "ordering", upstream="ordering-signalrhub", lang="dotnet"),
        Ent("payment-api", "service", ["payment"], "payments", upstream="payment-api", lang="dotnet"),
        Ent("webhooks-api", "service", ["webhooks"], "integrations", upstream="webhooks-api", lang="dotnet"),
        Ent("webhooks-client", "service", ["webhooks", "client"], "integrations", upstream="webhooks-client", lang="dotnet"),
        Ent("rabbitmq", "queue", ["eventbus"], "platform", tech="rabbitmq", upstream="rabbitmq"),
        Ent("sqldata", "database", ["sqldata"], "platform", tech="sqlserver", upstream="sqldata"),
        Ent("basketdata", "cache", ["basket"], "basket", tech="redis", upstream="basketdata"),
    ]
    E = []

    def calls(a, *bs):
        for b in bs:
            E.append((a, b))

    calls("webmvc", "webshoppingapigw", "webshoppingagg", "identity-api")
    calls("webspa", "webshoppingapigw", "webshoppingagg", "identity-api", "ordering-signalrhub")
    calls("webshoppingapigw", "catalog-api", "basket-api", "ordering-api", "webshoppingagg")
    calls("mobileshoppingapigw", "catalog-api", "basket-api", "ordering-api", "mobileshoppingagg")
    calls("webshoppingagg", "catalog-api", "basket-api", "ordering-api", "identity-api")
    calls("mobileshoppingagg", "catalog-api", "basket-api", "ordering-api")
    calls("catalog-api", "sqldata", "rabbitmq")
    calls("basket-api", "basketdata", "rabbitmq", "identity-api")
    calls("ordering-api", "sqldata", "rabbitmq", "identity-api")
    calls("ordering-backgroundtasks", "sqldata", "rabbitmq")
    calls("ordering-signalrhub", "rabbitmq", "identity-api")
    calls("payment-api", "rabbitmq")
    calls("identity-api", "sqldata")
    calls("webhooks-api", "sqldata", "rabbitmq", "identity-api")
    calls("webhooks-client", "webhooks-api", "identity-api")
    return ents, E


# ---------------------------------------------------------------------------------------------
# Synthetic "Alibaba-like" call graph: entry services, layered business services that call
# deeper layers by preferential attachment (heavy-tailed fan-in), five platform hubs (auth,
# config, cache, message bus, database) and a few private stores.
# ---------------------------------------------------------------------------------------------
_BIZ = [
    ("item", "detail"), ("item", "center"), ("inventory",), ("trade", "order"), ("trade", "core"), ("buyer",),
    ("seller",), ("promotion",), ("coupon",), ("logistics",), ("cart",), ("search",), ("recommend",),
    ("review",), ("member",), ("risk", "control"), ("payment",), ("settlement",), ("message", "push"),
    ("address",), ("shop",), ("category",), ("price", "calc"), ("refund",), ("invoice",), ("delivery", "route"),
    ("warehouse",), ("live", "stream"), ("ad", "serving"), ("feed",), ("user", "profile"), ("points",),
    ("customs",), ("fraud", "score"), ("sku",), ("channel",), ("tag", "engine"), ("favorite",),
    ("bill",), ("marketing", "plan"), ("qa", "bot"), ("after", "sale"), ("geo",), ("media", "upload"),
    ("notify",), ("ranking",), ("campaign",), ("subscription",), ("wallet",), ("freight",), ("voucher",),
]
_TEAMS = ["trade", "item", "marketing", "logistics", "user-growth", "risk", "fintech"]


def alibaba(rng):
    n_total = rng.randint(40, 60)
    hubs = [
        Ent("auth-center", "service", ["auth", "center"], "platform", upstream="auth-center", lang="java"),
        Ent("config-center", "service", ["config", "center"], "platform", upstream="config-center", lang="java"),
        Ent("redis-cluster", "cache", ["main"], "middleware", tech="redis", upstream="redis-cluster"),
        Ent("msg-bus", "queue", ["msg", "bus"], "middleware", tech="kafka", upstream="msg-bus"),
        Ent("core-mysql", "database", ["core"], "dba", tech="mysql", upstream="core-mysql"),
    ]
    n_private = rng.randint(4, 7)
    n_svc = n_total - len(hubs) - n_private
    words = rng.sample(_BIZ, n_svc)
    n_entry = rng.randint(3, 5)
    svcs = []
    gw_words = [("mobile", "gateway"), ("web", "gateway"), ("open", "api"), ("mini", "app", "bff"), ("seller", "portal")]
    for i in range(n_svc):
        if i < n_entry:
            w = gw_words[i]
            kind = "gateway"
            team = "platform" if "gateway" in w else rng.choice(_TEAMS)
        else:
            w = words[i]
            kind = "worker" if rng.random() < 0.12 else "service"
            team = rng.choice(_TEAMS)
        sid = "-".join(w)
        if any(s.id == sid for s in svcs):
            sid += "-svc"
        svcs.append(Ent(sid, kind, w, team, upstream=sid, lang=rng.choice(["java", "java", "java", "go", "python", "node"])))
    # layers: entry = 0, others spread over 1..4
    layer = {}
    for i, s in enumerate(svcs):
        layer[s.id] = 0 if i < n_entry else rng.choice([1, 1, 2, 2, 2, 3, 3, 4])
    E = set()
    indeg = {s.id: 0 for s in svcs}
    order = sorted(svcs, key=lambda s: (layer[s.id], s.id))
    for s in order:
        deeper = [x for x in svcs if layer[x.id] > layer[s.id]]
        if not deeper:
            continue
        k = 1 + min(int(rng.expovariate(0.55)), 6)
        if layer[s.id] == 0:
            k += 2
        for _ in range(k):
            wts = [(indeg[x.id] + 1) ** 1.6 for x in deeper]
            tgt = rng.choices(deeper, weights=wts)[0]
            if (s.id, tgt.id) not in E:
                E.add((s.id, tgt.id))
                indeg[tgt.id] += 1
    # hubs
    p_hub = {"auth-center": 0.45, "config-center": 0.3, "redis-cluster": 0.45, "msg-bus": 0.3, "core-mysql": 0.4}
    for h in hubs:
        callers = [s for s in svcs if rng.random() < p_hub[h.id]]
        if len(callers) < 5:
            callers = rng.sample(svcs, 5)
        for c in callers:
            if c.id != h.id:
                E.add((c.id, h.id))
    # auth/config also use the database and cache
    E.add(("auth-center", "core-mysql"))
    E.add(("auth-center", "redis-cluster"))
    E.add(("config-center", "core-mysql"))
    # private stores
    priv = []
    owners = rng.sample([s for s in svcs if layer[s.id] > 0], n_private)
    for o in owners:
        tech = rng.choice(["mysql", "mysql", "redis", "mongodb", "elasticsearch"])
        kind = "cache" if tech == "redis" else "database"
        sid = o.id + "-" + {"mysql": "db", "redis": "redis", "mongodb": "mongo", "elasticsearch": "es"}[tech]
        priv.append(Ent(sid, kind, o.words, o.team if rng.random() < 0.5 else "dba", tech=tech, upstream=sid))
        E.add((o.id, sid))
        # sometimes a second service reads the same store directly (legacy)
        if rng.random() < 0.3:
            other = rng.choice([s for s in svcs if s.id != o.id])
            E.add((other.id, sid))
    ents = hubs + svcs + priv
    # drop isolated nodes (no edges)
    used = {a for a, b in E} | {b for a, b in E}
    ents = [e for e in ents if e.id in used]
    return ents, sorted(E)


TOPOLOGIES = {
    "trainticket": trainticket,
    "media": media,
    "bookinfo": bookinfo,
    "eshop": eshop,
    "alibaba": alibaba,
}
