"""Per-organisation naming conventions for the held-out generator.

Every organisation (one per topology x seed) gets its own habits: how Kubernetes objects are
named, how each team tags Datadog services, names Sentry projects and PagerDuty services, how the
infrastructure team names AWS resources and CloudWatch alarms. Names stay human-resolvable: the
semantic words of an entity survive, but with synonyms/abbreviations/plurals, different
separators, prefixes, suffixes, environment tokens and word order.
"""

import random
import re

SYN = {
    "order": ["order", "orders", "ord"],
    "payment": ["payment", "payments", "pay", "pmt"],
    "notification": ["notification", "notifications", "notify", "notif"],
    "verification": ["verification", "verify", "verif"],
    "code": ["code", "codes"],
    "config": ["config", "configuration", "cfg", "conf"],
    "contacts": ["contacts", "contact"],
    "consign": ["consign", "consignment"],
    "station": ["station", "stations"],
    "route": ["route", "routes", "routing"],
    "price": ["price", "pricing", "prices"],
    "ticket": ["ticket", "tickets", "tkt"],
    "info": ["info", "information"],
    "security": ["security", "sec"],
    "inside": ["inside", "internal"],
    "auth": ["auth", "authn", "authentication"],
    "user": ["user", "users", "usr"],
    "travel": ["travel", "travels"],
    "train": ["train", "trains"],
    "seat": ["seat", "seats"],
    "food": ["food", "foods"],
    "cancel": ["cancel", "cancellation"],
    "rebook": ["rebook", "rebooking"],
    "assurance": ["assurance", "assurances"],
    "preserve": ["preserve", "preservation"],
    "basic": ["basic", "basics"],
    "catalog": ["catalog", "catalogue", "cat"],
    "basket": ["basket", "baskets"],
    "identity": ["identity", "idsrv", "identityserver"],
    "webhooks": ["webhooks", "webhook", "hooks"],
    "ordering": ["ordering", "orders", "order"],
    "review": ["review", "reviews", "rev"],
    "reviews": ["reviews", "review"],
    "movie": ["movie", "movies"],
    "rating": ["rating", "ratings"],
    "ratings": ["ratings", "rating"],
    "compose": ["compose", "composer"],
    "storage": ["storage", "store"],
    "unique": ["unique", "uniq"],
    "page": ["page", "pages"],
    "text": ["text", "txt"],
    "details": ["details", "detail"],
    "agg": ["agg", "aggregator"],
    "apigw": ["apigw", "gateway", "gw"],
    "gateway": ["gateway", "gw"],
    "signalrhub": ["signalrhub", "signalr", "hub"],
    "backgroundtasks": ["backgroundtasks", "bgtasks", "tasks"],
    "shopping": ["shopping", "shop"],
    "mobile": ["mobile", "mob"],
    "client": ["client", "clients"],
    "dashboard": ["dashboard", "dash"],
    "inventory": ["inventory", "inv"],
    "promotion": ["promotion", "promo"],
    "recommend": ["recommend", "reco", "recommendation"],
    "logistics": ["logistics", "logi"],
    "settlement": ["settlement", "settle"],
    "message": ["message", "msg"],
    "warehouse": ["warehouse", "wh"],
    "subscription": ["subscription", "subs"],
    "calc": ["calc", "calculator"],
    "center": ["center", "centre", "ctr"],
    "profile": ["profile", "profiles"],
    "marketing": ["marketing", "mkt"],
    "campaign": ["campaign", "campaigns"],
    "delivery": ["delivery", "deliver"],
    "favorite": ["favorite", "fav", "favorites"],
    "voucher": ["voucher", "vouchers"],
    "invoice": ["invoice", "invoicing"],
    "refund": ["refund", "refunds"],
    "member": ["member", "members", "membership"],
    "search": ["search", "srch"],
    "ranking": ["ranking", "rank"],
    "eventbus": ["eventbus", "event-bus", "bus"],
}

TITLE = {
    "ui": "UI", "api": "API", "id": "ID", "apigw": "API Gateway", "agg": "Aggregator", "bff": "BFF",
    "signalrhub": "SignalR Hub", "backgroundtasks": "Background Tasks", "webmvc": "Web MVC",
    "webspa": "Web SPA", "sqldata": "SQL Data", "idsrv": "IdSrv", "tsdb": "TSDB", "qa": "QA",
    "productpage": "Product Page", "coredns": "CoreDNS", "istiod": "Istiod", "eventbus": "Event Bus",
    "mysql": "MySQL", "mongodb": "MongoDB", "redis": "Redis", "rabbitmq": "RabbitMQ", "gw": "GW",
    "es": "Elasticsearch", "geo": "Geo", "sku": "SKU", "msg": "Msg", "ad": "Ad",
}

TECH_SHORT = {"mysql": ["mysql", "db", "rds"], "mongodb": ["mongo", "mongodb", "docdb"], "redis": ["redis", "cache"],
              "memcached": ["memcached", "mc", "cache"], "rabbitmq": ["rabbitmq", "mq", "rmq"],
              "sqlserver": ["sqlserver", "mssql", "sql"], "kafka": ["kafka", "msk"], "elasticsearch": ["es", "search"],
              "postgres": ["pg", "postgres"], None: [""]}

LANGS = {"java": ["java", "spring", "jvm"], "python": ["python", "py", "django"], "go": ["go", "golang"],
         "node": ["node", "nodejs", "js"], "javascript": ["js", "react", "web"], "dotnet": ["dotnet", "net", "aspnet"],
         "cpp": ["cpp", "native"], "ruby": ["ruby", "rails"], "lua": ["lua", "openresty"]}


def variants(w):
    return SYN.get(w, [w])


def plural_of(w):
    vs = variants(w)
    for v in vs[1:]:
        if v.endswith("s") and v.startswith(vs[0][:3]) and v != vs[0]:
            return v
    return vs[0]


def abbr_of(w):
    vs = variants(w)
    short = [v for v in vs if len(v) >= 2 and "-" not in v]
    return min(short, key=len) if short else vs[0]


def pick_words(words, mode, rng=None):
    """mode: canon | plural (last word) | abbr (first long word) | mixed (random synonym each)"""
    out = [variants(w)[0] for w in words]
    if mode == "plural":
        out[-1] = plural_of(words[-1])
    elif mode == "abbr":
        for i, w in enumerate(words):
            a = abbr_of(w)
            if a != out[i]:
                out[i] = a
                break
    elif mode == "mixed" and rng is not None:
        out = [rng.choice(variants(w)) for w in words]
    return out


def title_case(tokens):
    res = []
    for t in tokens:
        if t in TITLE:
            res.append(TITLE[t])
        else:
            res.append("-".join(p[:1].upper() + p[1:] for p in t.split("-")))
    return " ".join(res)


def camel(tokens):
    return "".join(TITLE.get(t, t[:1].upper() + t[1:]).replace(" ", "") for t in tokens)


def dns(s):
    s = re.sub(r"[^a-z0-9-]+", "-", s.lower())
    return re.sub(r"-+", "-", s).strip("-")


ENV_WORDS = ["prod", "prod", "production", "prd", "live"]
REGIONS = [("us-east-1", "US East (N. Virginia)"), ("us-west-2", "US West (Oregon)"), ("eu-west-1", "EU (Ireland)"),
           ("eu-central-1", "EU (Frankfurt)"), ("ap-southeast-1", "Asia Pacific (Singapore)"),
           ("ap-northeast-1", "Asia Pacific (Tokyo)")]
REGION_SHORT = {"us-east-1": "use1", "us-west-2": "usw2", "eu-west-1": "euw1", "eu-central-1": "euc1",
                "ap-southeast-1": "apse1", "ap-northeast-1": "apne1"}

APP_CODES = {"trainticket": ["ts", "train", "rail", "tt", "trainticket"], "media": ["media", "mm", "movies", "dsb"],
             "bookinfo": ["bookinfo", "books", "bi"], "eshop": ["eshop", "shop", "esh"],
             "alibaba": ["mall", "emall", "ec", "bazaar"]}
ORG_NAMES = {"trainticket": ["RailCo", "Fudan Rail", "TrainCorp", "MetroLink"], "media": ["CineVerse", "MovieHub", "FilmDB Inc"],
             "bookinfo": ["Bookworm Ltd", "PageTurner", "ReadMore"], "eshop": ["Contoso Shop", "Northwind Retail", "eShop Corp"],
             "alibaba": ["MegaMall", "BazaarTech", "TaoTrade"]}


class OrgNaming:
    """All naming habits of one organisation."""

    def __init__(self, topo, ents, rng):
        self.rng = rng
        self.topo = topo
        self.app = rng.choice(APP_CODES[topo])
        self.org_name = rng.choice(ORG_NAMES[topo])
        self.org_slug = dns(self.org_name)
        self.env = rng.choice(ENV_WORDS)
        self.dd_env = rng.choice(["prod", "production", self.env])
        self.region, self.region_display = rng.choice(REGIONS)
        self.account = str(rng.randint(100000000000, 999999999999))
        self.keep_upstream = rng.random() < 0.55
        self.k8s_prefix = rng.choice(["", "", self.app + "-"])
        self.k8s_suffix = rng.choice(["", "-svc", "-service", "-api", "-server"])
        self.ns_mode = rng.choice(["single", "team", "team"])
        self.ns_single = rng.choice([self.app, self.app + "-" + self.env, "apps", "default", self.topo])
        self.ksm_trap = rng.random() < 0.5      # kube-state-metrics service/instance labels on pod alerts
        self.pod_monitor_jobs = rng.random() < 0.3  # job="<namespace>/<name>" (PodMonitor) instead of the Service
        self.cw_formats = rng.choice([["sns"], ["sns"], ["sns", "eventbridge"], ["lambda"], ["sns", "lambda"], ["eventbridge"]])
        self.dd_payload = rng.choices(["custom", "keep", "default"], weights=[0.55, 0.3, 0.15])[0]
        self.store_style = rng.choice(["env-words-tech", "app-words-tech-env", "wordstech-env-nn", "app-env-words", "words-tech-region"])
        self.alarm_style = rng.choice(["res-metric", "env-Res-Metric", "console", "Camel", "team-res-metric"])
        self.am_group_by = rng.choice([["alertname", "namespace"], ["alertname", "service"], ["alertname"], ["..."],
                                       ["alertname", "team"]])
        self.gf_group_by = rng.choice([["grafana_folder", "alertname"], ["alertname"], ["..."]])
        self.tz = rng.choice([-8, -5, 0, 1, 8])
        self.ec2_name_style = rng.choice(["{env}-{w}-{tech}-{nn}", "{w}-{tech}{nn}", "{app}-{w}-{tech}-{env}-{nn}"])
        teams = sorted({e.team for e in ents})
        self.team_style = {}
        for t in teams:
            self.team_style[t] = {
                "dd": rng.choice(["k8s", "bare", "plural", "svc", "prefixed", "underscore", "bare"]),
                "dd_suffix": rng.choice(["-svc", "-service", "-api"]),
                "sentry": rng.choice(["words-role", "app-words", "team-words", "words-lang", "words", "app-words-role"]),
                "pd": rng.choice(["svc-prod", "tier", "bracket", "team-colon", "api-prd", "product", "plain"]),
                "og": rng.choice(["k8s", "dd", "title", "k8s"]),
                "tier": rng.choice([1, 1, 2, 3]),
                "wordmode": rng.choice(["canon", "canon", "plural", "abbr", "mixed"]),
            }
        self.team_display = {}
        for t in teams:
            base = title_case(t.split("-"))
            self.team_display[t] = {
                "pd": rng.choice([base, base + " Team", base + " Engineering"]),
                "pd_ep": rng.choice([base + " On-Call", base + " – Primary", base + " Escalation", "Default"]),
                "og": rng.choice([base.replace(" ", "_") + "_Team", t, base, t + "-oncall"]),
                "label": rng.choice([t, t, t.replace("-", "_"), "team-" + t]),
                "dd": rng.choice([t, t, t.replace("-", "_")]),
                "sns": rng.choice([t + "-alerts", self.env + "-" + t + "-alarms", t, self.app + "-" + t + "-oncall"]),
            }

    # --- Kubernetes ---------------------------------------------------------------------------
    def k8s_name(self, e):
        if self.keep_upstream or e.kind in ("platform", "external"):
            return dns(e.upstream)
        w = "-".join(variants(x)[0] for x in e.words)
        if e.is_store:
            return dns(self.k8s_prefix + w + "-" + TECH_SHORT.get(e.tech, [""])[0])
        suf = {"worker": "-worker", "frontend": self.rng.choice(["-web", "-ui", "-frontend", ""]),
               "gateway": self.rng.choice(["-gateway", "-gw", "-proxy"])}.get(e.kind, self.k8s_suffix)
        return dns(self.k8s_prefix + w + suf)

    def namespace(self, e):
        if e.kind == "platform":
            return "istio-system" if "istio" in e.id else "kube-system"
        if self.ns_mode == "single":
            return self.ns_single
        if e.is_store and self.rng.random() < 0.5:
            return self.rng.choice(["data", "databases", "infra", self.app + "-data"])
        return dns(e.team if self.rng.random() < 0.8 else self.app + "-" + e.team)

    # --- Datadog service tag --------------------------------------------------------------------
    def dd_service(self, e, k8s):
        st = self.team_style[e.team]
        mode = st["dd"]
        words = pick_words(e.words, st["wordmode"], self.rng)
        if e.is_store:
            tw = self.rng.choice(TECH_SHORT.get(e.tech, [""]))
            return dns("-".join(words) + ("-" + tw if tw not in words and e.tech not in e.words else ""))
        if mode == "k8s":
            return k8s
        if mode == "bare":
            return "-".join(words)
        if mode == "plural":
            return "-".join(pick_words(e.words, "plural"))
        if mode == "svc":
            return "-".join(words) + st["dd_suffix"]
        if mode == "prefixed":
            return self.app + "-" + "-".join(words)
        if mode == "underscore":
            return "_".join(words)
        return k8s

    # --- Sentry project slug ----------------------------------------------------------------------
    def sentry_slugs(self, e):
        st = self.team_style[e.team]
        words = pick_words(e.words, st["wordmode"], self.rng)
        w = "-".join(words)
        role = {"frontend": "frontend", "gateway": "edge", "worker": "worker"}.get(e.kind) or self.rng.choice(
            ["backend", "api", "service", "server", "backend"])
        lang = self.rng.choice(LANGS.get(e.lang or "java", ["app"]))
        mode = st["sentry"]
        if mode == "words-role":
            s = w + "-" + role
        elif mode == "app-words":
            s = self.app + "-" + w
        elif mode == "team-words":
            s = e.team + "-" + w if not w.startswith(e.team) else w + "-" + role
        elif mode == "words-lang":
            s = w + "-" + lang
        elif mode == "app-words-role":
            s = self.app + "-" + w + "-" + role
        else:
            s = w
        slugs = [dns(s)]
        if e.kind in ("frontend", "gateway") and self.rng.random() < 0.4:
            slugs.append(dns(w + "-" + self.rng.choice(["browser", "js", "react"])))
        elif e.kind == "service" and self.rng.random() < 0.15:
            slugs.append(dns(w + "-worker"))
        return slugs

    # --- PagerDuty service ------------------------------------------------------------------------
    def pd_service(self, e):
        st = self.team_style[e.team]
        words = pick_words(e.words, st["wordmode"], self.rng)
        if e.is_store and e.tech and e.tech not in e.words:
            words = words + [e.tech]
        t = title_case([w for w in words if w])
        envt = self.rng.choice(["Production", "Prod", "PROD", "prd"])
        mode = st["pd"]
        if mode == "svc-prod":
            return "%s Service (%s)" % (t, envt)
        if mode == "tier":
            return "%s – Tier %d" % (title_case(pick_words(e.words, "plural")) if not e.is_store else t, st["tier"])
        if mode == "bracket":
            return "[%s] %s" % (envt.upper(), t)
        if mode == "team-colon":
            return "%s: %s" % (title_case(e.team.split("-")), t)
        if mode == "api-prd":
            return "%s API (%s)" % (t, self.env) if not e.is_store else "%s (%s)" % (t, self.env)
        if mode == "product":
            return "%s %s" % (self.org_name.split()[0], t)
        return t

    # --- Opsgenie entity ----------------------------------------------------------------------------
    def og_entity(self, e, k8s, dd):
        mode = self.team_style[e.team]["og"]
        if mode == "k8s":
            return k8s
        if mode == "dd":
            return dd
        ws = pick_words(e.words, "canon")
        if e.is_store and e.tech and e.tech not in e.words:
            ws.append(e.tech)
        return title_case(ws)

    # --- AWS resource identifiers ---------------------------------------------------------------
    def store_id(self, e, tech_word=None):
        w = "-".join(pick_words(e.words, self.rng.choice(["canon", "canon", "plural", "abbr"])))
        tech = tech_word if tech_word is not None else self.rng.choice(TECH_SHORT.get(e.tech, [""]))
        st = self.store_style
        nn = "%02d" % self.rng.randint(1, 3)
        if st == "env-words-tech":
            s = "%s-%s-%s" % (self.env, w, tech)
        elif st == "app-words-tech-env":
            s = "%s-%s-%s-%s" % (self.app, w, tech, self.env)
        elif st == "wordstech-env-nn":
            s = "%s%s-%s-%s" % (w.replace("-", ""), tech, self.env, nn)
        elif st == "app-env-words":
            s = "%s-%s-%s-%s" % (self.app, self.env, w, tech)
        else:
            s = "%s-%s-%s" % (w, tech, REGION_SHORT[self.region])
        return dns(s)

    def alarm_name(self, resource, metric, cond, team, namespace="AWS/RDS"):
        st = self.alarm_style
        words = [x for x in re.split(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|_", metric) if x]
        if st == "res-metric":
            return "%s-%s-%s" % (resource, "-".join(words).lower(), cond.lower())
        if st == "env-Res-Metric":
            return "%s-%s-%s-%s" % (self.env.upper(), resource, metric, cond)
        if st == "console":
            svc = namespace.split("/")[-1].lower().replace("applicationelb", "elb")
            return "aws%s-%s-%s-%s" % (svc, resource, cond, "-".join(words))
        if st == "Camel":
            return "%s%s%s" % (camel(re.split(r"[-_]", resource)), metric, cond)
        return "%s-%s-%s-%s" % (team, resource, metric.lower(), cond.lower())

    def ec2_name(self, e, idx):
        w = "-".join(pick_words(e.words, "canon"))
        tech = TECH_SHORT.get(e.tech, ["vm"])[0] or "vm"
        return dns(self.ec2_name_style.format(env=self.env, w=w, tech=tech, app=self.app, nn="%02d" % idx))
