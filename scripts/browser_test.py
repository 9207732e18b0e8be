#!/usr/bin/env python3
"""The web view in a real browser: headless Chromium driven over the Chrome DevTools Protocol.

Starts `parallax serve` on a free port, posts samples/traces and samples/alerts to it, opens the
map page, asserts on the DOM (nodes and edges with their status classes, the legend, the
disagreements panel), changes filters (the URL and the picture must follow), reloads the shared
URL, opens a service page, and saves screenshots. Fails on any script error, console error
(CSP violations included), failed request, or request to another host.

    scripts/browser_test.py --bin .build/debug/parallax --out .build/test-output
"""
import argparse
import base64
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import websocket  # PyPI websocket-client
from testkit import free_port, stop_all

ROOT = pathlib.Path(__file__).resolve().parent.parent
STATUSES = ["confirmed", "traced-only", "inferred-only", "direction-conflict"]
SAMPLES_END = "2026-11-20T11:15:00Z"


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"  ok    {name}")
        else:
            self.failed.append(name)
            print(f"  FAIL  {name}" + (f": {detail}" if detail else ""))
        return ok




def http(method, url, body=None, headers=None, timeout=10):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def start_server(binary, data_dir, extra=None):
    port = free_port()
    cmd = [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--grpc-port", "0",
           "--data", data_dir, "--pairing-wait", "1", "--log-level", "warning"]
    cmd += extra if extra is not None else [
        "--slot-retention", "30d",
        # The samples were recorded 2026-11-20 09:00-11:10 UTC: the server's clock starts just
        # after them, so windows and retention read the same on any day this test runs.
        "--clock-start", SAMPLES_END,
        "--aliases", str(ROOT / "samples" / "aliases.yaml")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(f"parallax serve exited: {proc.stderr.read().decode(errors='replace')}")
        try:
            if http("GET", base + "/healthz", timeout=1)[0] == 200:
                return proc, base
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("parallax serve did not answer /healthz")


def load_samples(base):
    for f in sorted((ROOT / "samples" / "traces").iterdir()):
        ctype = "application/json" if f.suffix == ".json" else "application/x-protobuf"
        status, body = http("POST", base + "/v1/traces", f.read_bytes(), {"Content-Type": ctype})
        if status != 200:
            raise SystemExit(f"{f.name}: {status} {body[:200]!r}")
    for f in sorted((ROOT / "samples" / "alerts").iterdir()):
        status, body = http("POST", base + "/v1/alerts", f.read_bytes(), {"Content-Type": "application/json"})
        if status != 202:
            raise SystemExit(f"{f.name}: {status} {body[:200]!r}")
    # Client spans wait --pairing-wait for their server half; then every status is there.
    deadline = time.time() + 60
    while time.time() < deadline:
        status, body = http("GET", base + "/api/v1/graph?window=30d")
        if status == 200 and {e["status"] for e in json.loads(body)["edges"]} == set(STATUSES):
            return
        time.sleep(0.5)
    raise SystemExit("the samples did not produce every edge status within 60 s")


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("no chromium on PATH: scripts/ensure-deps.sh --browser installs it")


def start_chromium(profile):
    cmd = [find_chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
           "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
           "--metrics-recording-only", "--mute-audio", "--hide-scrollbars", "--force-color-profile=srgb",
           f"--user-data-dir={profile}", "--remote-debugging-port=0", "--window-size=1440,900", "about:blank"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    found = {}
    lines = []

    def read():
        for line in proc.stderr:
            lines.append(line)
            if "DevTools listening on" in line and "url" not in found:
                found["url"] = line.strip().split("DevTools listening on ", 1)[1]

    threading.Thread(target=read, daemon=True).start()
    deadline = time.time() + 60
    while "url" not in found:
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise SystemExit("chromium did not start:\n" + "".join(lines[-20:]))
        time.sleep(0.05)
    port = urllib.parse.urlparse(found["url"]).port
    for _ in range(100):
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5).read())
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            return proc, pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.1)
    raise SystemExit("chromium has no page target")


class Page:
    """A minimal CDP client for one page target."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True, enable_multithread=True)
        self.next_id = 0
        self.events = []

    def _dispatch(self, message):
        if "method" in message:
            self.events.append(message)

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == mid:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._dispatch(message)

    def pump(self, seconds):
        """Reads events for a while (without a pending call)."""
        end = time.time() + seconds
        self.ws.settimeout(0.05)
        try:
            while time.time() < end:
                try:
                    self._dispatch(json.loads(self.ws.recv()))
                except websocket.WebSocketTimeoutException:
                    pass
        finally:
            self.ws.settimeout(60)

    def eval(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluate failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait(self, expression, timeout=20, what=None):
        end = time.time() + timeout
        while time.time() < end:
            if self.eval(f"!!({expression})"):
                return True
            self.pump(0.1)
        raise RuntimeError(f"timed out waiting for {what or expression}")

    def navigate(self, url):
        self.call("Page.navigate", url=url)
        self.wait(f"document.readyState === 'complete' && document.body && document.body.dataset.ready === 'true' "
                  f"&& location.href === {json.dumps(url)}", what=f"load of {url}")

    def screenshot(self, path, full=True):
        params = {"format": "png", "captureBeyondViewport": full}
        if full:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": 1440, "height": min(int(size["height"]) + 1, 6000), "scale": 1}
        data = self.call("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        print(f"  saved {path}")


GRAPH_STATE = """(() => {
  const groups = sel => [...document.querySelectorAll(sel)].map(g => ({
    id: g.id, cls: g.getAttribute('class'), title: (g.querySelector('title') || {}).textContent || ''}));
  const svg = document.querySelector('#graph svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const heights = [...document.querySelectorAll('#graph g.node text')].map(t => t.getBoundingClientRect().height);
  const form = document.getElementById('controls');
  return {
    url: location.href, search: location.search, generation: document.body.dataset.generation,
    nodes: groups('#graph g.node'), edges: groups('#graph g.edge'), clusters: groups('#graph g.cluster'),
    svgWidth: box.width, svgHeight: box.height, minTextHeight: heights.length ? Math.min(...heights) : 0,
    legend: [...document.querySelectorAll('.legend-statuses li')].map(li => li.className),
    rows: [...document.querySelectorAll('#disagreements tbody tr')].map(r => ({
      status: r.dataset.status, confidence: r.dataset.confidence === '' ? null : Number(r.dataset.confidence),
      edge: r.dataset.edge})),
    checked: form ? [...form.querySelectorAll('input[name=status]')].filter(c => c.checked).map(c => c.value) : [],
    service: form ? form.elements.service.value : null,
    team: form ? form.elements.team.value : null,
    windowValue: form ? form.elements.window.value : null,
    errors: [...document.querySelectorAll('.notice.error, .notice.warning')].map(p => p.textContent),
  };
})()"""


def edge_status(edge):
    for c in (edge["cls"] or "").split():
        if c.startswith("status-"):
            return c[len("status-"):]
    return None


def run(args):
    checks = Checks()
    out = pathlib.Path(args.out)
    data_dir = tempfile.mkdtemp(prefix="parallax-browser-")
    profile = tempfile.mkdtemp(prefix="parallax-chromium-")
    server = browser = None
    try:
        server, base = start_server(args.bin, data_dir)
        load_samples(base)
        print(f"parallax serve at {base}, samples loaded")
        browser, ws_url = start_chromium(profile)
        page = Page(ws_url)
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.call(f"{domain}.enable")
        page.call("Emulation.setDeviceMetricsOverride", width=1440, height=900, deviceScaleFactor=1, mobile=False)

        # 1. The map over the samples' week-old data.
        start_url = base + "/?window=30d"
        page.navigate(start_url)
        page.wait("document.querySelector('#graph svg.graph-svg')", what="the picture")
        s = page.eval(GRAPH_STATE)
        titles = {n["title"] for n in s["nodes"]}
        checks.check("nodes drawn", {"shop/frontend", "shop/checkout", "shop/payments", "ledger", "user"} <= titles, sorted(titles))
        statuses = {edge_status(e) for e in s["edges"]}
        checks.check("every status drawn as an edge class", statuses == set(STATUSES), statuses)
        by_title = {e["title"]: edge_status(e) for e in s["edges"]}
        checks.check("frontend -> checkout is confirmed", by_title.get("shop/frontend->shop/checkout") == "confirmed", by_title)
        checks.check("frontend -> catalog is traced-only", by_title.get("shop/frontend->shop/catalog") == "traced-only")
        checks.check("payments -> ledger is inferred-only", by_title.get("shop/payments->ledger") == "inferred-only")
        checks.check("teams drawn as clusters", {"team-payments", "team-finance", "team-storefront"} <= {c["id"] for c in s["clusters"]},
                     [c["id"] for c in s["clusters"]])
        checks.check("ledger marked alert-only", any(n["title"] == "ledger" and "alert-only" in n["cls"] for n in s["nodes"]))
        checks.check("legend lists the four statuses", [c.split()[-1] for c in s["legend"]] == [f"status-{x}" for x in STATUSES], s["legend"])
        checks.check("picture is laptop-sized", 900 <= s["svgWidth"] <= 1440 and s["svgHeight"] > 200, (s["svgWidth"], s["svgHeight"]))
        checks.check("node labels readable (>= 10 px)", s["minTextHeight"] >= 10, s["minTextHeight"])
        rows = s["rows"]
        conf = [r["confidence"] for r in rows if r["confidence"] is not None]
        checks.check("disagreements: non-confirmed edges only", rows and all(r["status"] != "confirmed" for r in rows))
        checks.check("disagreements sorted by confidence", conf == sorted(conf, reverse=True) and rows[-1]["status"] == "traced-only", rows)
        checks.check("disagreement rows point at drawn edges", all(r["edge"] in {e["id"] for e in s["edges"]} for r in rows))
        checks.check("no warnings on the page", not s["errors"], s["errors"])
        page.screenshot(out / "web.png")
        natural = page.eval("""(() => { document.querySelector('#graph button.zoom').click();
          return document.querySelector('#graph svg').getBoundingClientRect().width; })()""")
        checks.check("'Actual size' shows Graphviz's own size", natural > s["svgWidth"], (natural, s["svgWidth"]))
        page.eval("document.querySelector('#graph button.zoom').click()")

        # 2. Statuses: unchecking changes the URL and the picture.
        page.eval("""(() => { const f = document.getElementById('controls');
          for (const v of ['confirmed', 'traced-only']) f.querySelector(`input[name=status][value="${v}"]`).click(); })()""")
        page.wait("document.body.dataset.generation === '2'", what="two updates")
        s = page.eval(GRAPH_STATE)
        checks.check("status filter in the URL", "status=inferred-only,direction-conflict" in s["search"] and "window=30d" in s["search"], s["search"])
        statuses = {edge_status(e) for e in s["edges"]}
        checks.check("status filter in the picture", statuses == {"inferred-only", "direction-conflict"}, statuses)
        page.screenshot(out / "web-disagreements.png", full=False)

        # 3. Service + hops + direction.
        page.eval("""(() => { const f = document.getElementById('controls');
          for (const b of f.querySelectorAll('input[name=status]')) if (!b.checked) b.click(); })()""")
        page.wait("document.body.dataset.generation === '4'", what="statuses back")
        page.eval("""(() => { const f = document.getElementById('controls');
          f.elements.hops.value = '1'; f.elements.direction.value = 'downstream';
          f.elements.service.value = 'checkout';
          f.elements.service.dispatchEvent(new Event('change', {bubbles: true})); })()""")
        page.wait("document.body.dataset.generation === '5'", what="service update")
        s = page.eval(GRAPH_STATE)
        checks.check("service in the URL", "service=checkout&hops=1&direction=downstream" in s["search"] and "status=" not in s["search"], s["search"])
        titles = {n["title"] for n in s["nodes"]}
        checks.check("neighborhood in the picture", "shop/payments" in titles and "shop/frontend" not in titles and "shop/catalog" not in titles, titles)
        checks.check("focused node marked", any(n["title"] == "shop/checkout" and "focus" in n["cls"] for n in s["nodes"]))

        # 4. Team, after clearing the service.
        page.eval("""(() => { const f = document.getElementById('controls');
          f.elements.service.value = ''; f.elements.team.value = 'payments';
          f.elements.team.dispatchEvent(new Event('change', {bubbles: true})); })()""")
        page.wait("document.body.dataset.generation === '6'", what="team update")
        s = page.eval(GRAPH_STATE)
        checks.check("team in the URL", "team=payments" in s["search"] and "service=" not in s["search"], s["search"])
        titles = {n["title"] for n in s["nodes"]}
        checks.check("team with its boundary", {"shop/checkout", "shop/payments", "ledger", "shop/frontend"} <= titles and "shop/catalog" not in titles, titles)
        checks.check("selected team highlighted", any(c["id"] == "team-payments" and "team-selected" in c["cls"] for c in s["clusters"]))
        shared = s["url"]
        shared_edges = sorted(e["id"] for e in s["edges"])

        # 5. The shared link restores controls and picture.
        page.navigate(base + "/?window=30d")
        page.navigate(shared)
        s = page.eval(GRAPH_STATE)
        checks.check("shared link restores the controls", s["team"] == "payments" and s["windowValue"] == "30d" and s["checked"] == STATUSES,
                     (s["team"], s["windowValue"], s["checked"]))
        checks.check("shared link restores the picture", sorted(e["id"] for e in s["edges"]) == shared_edges)

        # 6. A node links to its service page.
        page.navigate(start_url)
        page.eval("""(() => { const g = [...document.querySelectorAll('#graph g.node')]
            .find(n => n.querySelector('title').textContent === 'shop/checkout');
          g.querySelector('a').dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window})); })()""")
        page.wait("location.pathname.startsWith('/ui/service/') && document.readyState === 'complete' && document.body.dataset.ready === 'true'",
                  what="the service page")
        svc = page.eval("""(() => ({
          name: (document.getElementById('service-name') || {}).textContent || '',
          search: location.search,
          cards: [...document.querySelectorAll('.cards .card')].map(c => c.id),
          charts: [...document.querySelectorAll('svg.chart')].map(c => c.getAttribute('class')),
          bars: document.querySelectorAll('svg.chart-requests rect.bar').length,
          lines: document.querySelectorAll('svg.chart-latency polyline').length,
          upstream: [...document.querySelectorAll('table.upstream tr[data-peer]')].map(r => r.dataset.peer),
          downstream: [...document.querySelectorAll('table.downstream tr[data-peer]')].map(r => r.dataset.peer),
          alerts: document.querySelectorAll('table.alerts tbody tr').length,
          team: (document.getElementById('team-title') || {}).textContent || '',
          picture: document.querySelectorAll('#graph g.node').length,
        }))()""")
        checks.check("service page for shop/checkout", svc["name"].startswith("shop/checkout") and "window=30d" in svc["search"], svc["name"])
        checks.check("golden signal cards", svc["cards"] == ["signal-requests", "signal-errors", "signal-p50", "signal-p95", "signal-p99"], svc["cards"])
        checks.check("charts over time", len(svc["charts"]) == 3 and svc["bars"] > 10 and svc["lines"] >= 3, svc)
        checks.check("neighbors", svc["upstream"] == ["shop/frontend"] and "shop/payments" in svc["downstream"], (svc["upstream"], svc["downstream"]))
        checks.check("recent alerts and team", svc["alerts"] > 0 and "payments" in svc["team"], (svc["alerts"], svc["team"]))
        checks.check("neighborhood picture", svc["picture"] >= 4, svc["picture"])
        page.screenshot(out / "service.png")
        page.eval("""(() => { const s = document.querySelector('form.autosubmit select[name=window]');
          s.value = '7d'; s.dispatchEvent(new Event('change', {bubbles: true})); })()""")
        page.wait("location.search === '?window=7d' && document.readyState === 'complete' && document.body.dataset.ready === 'true'",
                  what="the window change")
        after = page.eval("""(() => ({ name: (document.getElementById('service-name') || {}).textContent || '',
          window: (document.querySelector('form.autosubmit select[name=window]') || {}).value || '',
          bars: document.querySelectorAll('svg.chart-requests rect.bar').length }))()""")
        checks.check("service window control changes the URL and the page",
                     after["name"].startswith("shop/checkout") and after["window"] == "7d" and after["bars"] > 0, after)
        # A known service with no traffic in the window: its page with an empty state, not a 404.
        status, html = http("GET", base + "/ui/service/shop%2Fcheckout?window=2m")
        html = html.decode(errors="replace")
        checks.check("quiet window shows an empty state", status == 200 and 'id="service-name"' in html and "No traffic" in html,
                     (status, html[:200]))
        status, _ = http("GET", base + "/ui/service/no-such-service?window=30d")
        checks.check("unknown service is a 404", status == 404, status)

        # 7. Nothing went wrong underneath, and nothing left for another host.
        page.pump(0.5)
        exceptions = [e["params"]["exceptionDetails"].get("text") for e in page.events if e["method"] == "Runtime.exceptionThrown"]
        console = [e["params"]["entry"]["text"] for e in page.events
                   if e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"]
        console += [str(e["params"]["args"]) for e in page.events
                    if e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert")]
        failed = [e["params"].get("errorText") for e in page.events if e["method"] == "Network.loadingFailed"]
        bad = [(e["params"]["response"]["status"], e["params"]["response"]["url"]) for e in page.events
               if e["method"] == "Network.responseReceived" and e["params"]["response"]["status"] >= 400]
        urls = {e["params"]["request"]["url"] for e in page.events if e["method"] == "Network.requestWillBeSent"}
        foreign = sorted(u for u in urls if not (u.startswith(base + "/") or u.startswith("data:") or u == "about:blank"))
        checks.check("no script errors", not exceptions, exceptions)
        checks.check("no console errors (CSP included)", not console, console)
        checks.check("no failed requests", not failed and not bad, (failed, bad))
        checks.check("no request to another host", not foreign and len(urls) > 5, foreign)

        # 8. A web front end on another origin sends OTLP/JSON as the OpenTelemetry web SDK does.
        web_front_end(args, page, checks)
    finally:
        if browser:
            browser.kill()
            browser.wait()
        stop_all([server])
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(profile, ignore_errors=True)
    print(f"browser test: {checks.passed} passed, {len(checks.failed)} failed")
    return 0 if not checks.failed else 1


WEB_APP_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>web-frontend</title></head>
<body data-ready="true"><p>A web front end traced in the browser.</p><script type="module">
// Three ways browsers deliver OTLP/JSON, all as service web-frontend, each call into the back end
// (/api/price, same origin) carrying W3C traceparent from the browser's CLIENT span:
//  1. the OpenTelemetry web SDK itself (../shared/otel-js: sdk-trace-web, instrumentation-fetch,
//     exporter-trace-otlp-http 0.221): BatchSpanProcessor, fetch with keepalive and
//     Content-Type: application/json, cross-origin, so a CORS preflight; it flushes on page hide;
//  2. navigator.sendBeacon with a JSON Blob on page hide, as earlier releases of that exporter do
//     (preflighted, credentials mode "include");
//  3. navigator.sendBeacon with a string (text/plain;charset=UTF-8, no preflight), as RUM scripts do.
// 2 and 3 build OTLP/JSON by hand, before the fetch instrumentation is installed.
const TRACES = '%PARALLAX%/v1/traces';
const hex = n => [...crypto.getRandomValues(new Uint8Array(n))].map(b => b.toString(16).padStart(2, '0')).join('');
const nanos = () => (BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n).toString();
const str = (key, v) => ({key, value: {stringValue: v}});
const int = (key, v) => ({key, value: {intValue: v}});
const resource = {attributes: [str('service.name', 'web-frontend'), str('telemetry.sdk.language', 'webjs')]};
const body = spans => JSON.stringify({resourceSpans: [{resource, scopeSpans: [{scope: {name: 'by-hand'}, spans}]}]});
async function tracedFetch(path) {
  const traceId = hex(16), client = hex(8), t0 = nanos();
  const r = await fetch(path, {headers: {traceparent: `00-${traceId}-${client}-01`}});
  await r.text();
  return {traceId, spanId: client, name: 'HTTP GET', kind: 3, startTimeUnixNano: t0, endTimeUnixNano: nanos(),
          attributes: [str('http.request.method', 'GET'), str('url.full', location.origin + path),
                       str('server.address', location.hostname), int('server.port', Number(location.port)),
                       int('http.response.status_code', r.status)], status: {}};
}
window.run = async (perGroup, withSDK) => {
  const byHand = [[], []];
  for (let g = 0; g < 2; g++)
    for (let i = 0; i < perGroup; i++) byHand[g].push(await tracedFetch(`/api/price?by-hand=${g}&i=${i}`));
  const stringBeacon = navigator.sendBeacon(TRACES, body(byHand[0]));
  const onHide = body(byHand[1]);
  addEventListener('pagehide', () => navigator.sendBeacon(TRACES, new Blob([onHide], {type: 'application/json'})));
  if (!withSDK) return {stringBeacon};
  const {packages: P} = await import('/otel-web.mjs');
  const {WebTracerProvider} = P['@opentelemetry/sdk-trace-web'];
  const {BatchSpanProcessor} = P['@opentelemetry/sdk-trace-base'];
  const {OTLPTraceExporter} = P['@opentelemetry/exporter-trace-otlp-http'];
  const {resourceFromAttributes} = P['@opentelemetry/resources'];
  const {registerInstrumentations} = P['@opentelemetry/instrumentation'];
  const {FetchInstrumentation} = P['@opentelemetry/instrumentation-fetch'];
  const provider = new WebTracerProvider({
    resource: resourceFromAttributes({'service.name': 'web-frontend'}),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({url: TRACES}), {scheduledDelayMillis: 200})],
  });
  provider.register();
  registerInstrumentations({instrumentations: [new FetchInstrumentation()]});
  for (let i = 0; i < perGroup; i++) await (await fetch(`/api/price?sdk=${i}`)).text();
  return {stringBeacon};
};
</script></body></html>"""


def web_front_end(args, page, checks):
    """A page on its own origin (another loopback port) with a small traced back end (the
    OpenTelemetry Python SDK, OTLP/HTTP protobuf) sends its CLIENT spans to a Parallax started with
    --cors-origin: through the OpenTelemetry web SDK (../shared/otel-js; skipped when absent), by
    sendBeacon with a JSON Blob on page hide and by sendBeacon with a string. The browser node and
    its edge into the back end must have every call."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    per_group = 6
    otel_web = ROOT.parent / "shared" / "otel-js" / "otel-web.mjs"
    with_sdk = otel_web.is_file()
    if not with_sdk:
        print(f"  (no {otel_web}: the OpenTelemetry web SDK part is skipped)")
    calls = (3 if with_sdk else 2) * per_group
    app_port = free_port()
    app_origin = f"http://127.0.0.1:{app_port}"
    data_dir = tempfile.mkdtemp(prefix="parallax-web-")
    try:
        server, base = start_server(args.bin, data_dir, ["--cors-origin", app_origin])
    except BaseException:
        shutil.rmtree(data_dir, ignore_errors=True)
        raise
    provider = TracerProvider(resource=Resource.create({"service.name": "web-backend"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=base + "/v1/traces", timeout=10), schedule_delay_millis=200))
    tracer = provider.get_tracer("web-backend")
    propagator = TraceContextTextMapPropagator()
    html = WEB_APP_PAGE.replace("%PARALLAX%", base).encode()
    seen_traceparent = []

    class App(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            if self.path.startswith("/api/price"):
                seen_traceparent.append(self.headers.get("traceparent"))
                ctx = propagator.extract({k.lower(): v for k, v in self.headers.items()})
                with tracer.start_as_current_span("GET /api/price", context=ctx, kind=trace.SpanKind.SERVER,
                                                  attributes={"http.request.method": "GET", "http.route": "/api/price",
                                                              "http.response.status_code": 200}):
                    payload, ctype = b"42", "text/plain"
            elif self.path == "/":
                payload, ctype = html, "text/html; charset=utf-8"
            elif self.path == "/otel-web.mjs" and with_sdk:
                payload, ctype = otel_web.read_bytes(), "text/javascript; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    app = None
    try:
        app = ThreadingHTTPServer(("127.0.0.1", app_port), App)
        threading.Thread(target=app.serve_forever, daemon=True).start()
        page.events.clear()
        page.call("Page.navigate", url=app_origin + "/")
        page.wait("document.readyState === 'complete' && typeof window.run === 'function'", what="the web app page")
        result = page.eval(f"window.run({per_group}, {'true' if with_sdk else 'false'})")
        checks.check("web app: string sendBeacon queued", result["stringBeacon"] is True, result)
        checks.check("web app: every back-end call carried traceparent",
                     len(seen_traceparent) == calls and all(t and t.startswith("00-") for t in seen_traceparent), seen_traceparent[:3])
        page.pump(0.5)
        page.call("Page.navigate", url="about:blank")  # page hide: the JSON Blob beacon goes out
        page.pump(1.0)
        provider.force_flush(10_000)
        provider.shutdown()

        posts = [e["params"]["request"] for e in page.events
                 if e["method"] == "Network.requestWillBeSent" and e["params"]["request"]["url"] == base + "/v1/traces"]
        sent = sorted({(r["method"], r.get("headers", {}).get("Content-Type", "")) for r in posts})
        print(f"  Chromium sent to /v1/traces: {sent}")
        cors_errors = [e["params"]["entry"]["text"] for e in page.events
                       if e["method"] == "Log.entryAdded" and "CORS" in e["params"]["entry"]["text"]]
        checks.check("web app: no CORS errors in the console", not cors_errors, cors_errors)

        edge = doc = None
        deadline = time.time() + 20
        while time.time() < deadline:
            doc = json.loads(http("GET", base + "/api/v1/graph?window=1h")[1])
            edge = next((e for e in doc["edges"] if (e["source"], e["target"]) == ("web-frontend", "web-backend")), None)
            if edge and edge["traced"]["calls"] >= calls:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        doc = json.loads(http("GET", base + "/api/v1/graph?window=1h")[1])
        edge = next((e for e in doc["edges"] if (e["source"], e["target"]) == ("web-frontend", "web-backend")), None)
        nodes = {n["id"]: n for n in doc["nodes"]}
        checks.check("web app: browser service node", "web-frontend" in nodes and nodes["web-frontend"].get("kind") == "service",
                     sorted(nodes))
        checks.check(f"web app: web-frontend -> web-backend has all {calls} calls "
                     f"({'web SDK fetch, ' if with_sdk else ''}string beacon, Blob beacon on page hide)",
                     edge is not None and edge["traced"]["calls"] == calls and edge["traced"]["errors"] == 0, edge and edge["traced"])
        stray = [(e["source"], e["target"]) for e in doc["edges"] if e["source"] == "web-frontend" and e["target"] != "web-backend"]
        checks.check("web app: no unpaired browser calls", not stray, stray)
        metrics = http("GET", base + "/metrics")[1].decode()
        rejected = [l for l in metrics.splitlines() if l.startswith("parallax_receiver_spans_rejected_total ")]
        checks.check("web app: no span rejected", rejected == ["parallax_receiver_spans_rejected_total 0"], rejected)
    finally:
        if app:
            app.shutdown()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", default=os.environ.get("PARALLAX_BIN", str(ROOT / ".build" / "debug" / "parallax")))
    parser.add_argument("--out", default=os.environ.get("PARALLAX_TEST_OUTPUT", str(ROOT / ".build" / "test-output")))
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
