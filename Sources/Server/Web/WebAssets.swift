// The web view's static files, kept as string literals so the binary carries them (no resource
// bundle to install) and the page never loads anything from another host.

struct WebAsset: Sendable {
    let contentType: String
    let text: String
    /// A strong validator derived from the content (FNV-1a), for `If-None-Match`.
    let etag: String

    init(contentType: String, text: String) {
        self.contentType = contentType
        self.text = text
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        self.etag = "\"\(String(hash, radix: 16))\""
    }
}

enum WebAssets {
    static let byName: [String: WebAsset] = [
        "app.css": WebAsset(contentType: "text/css; charset=utf-8", text: css),
        "app.js": WebAsset(contentType: "text/javascript; charset=utf-8", text: js),
        "favicon.svg": WebAsset(contentType: "image/svg+xml", text: favicon),
    ]

    /// The mark in the top bar: two partial pictures, one measured (solid) one inferred (dashed).
    static let logo: HTML = ##"<svg class="logo" width="22" height="22" viewBox="0 0 22 22" aria-hidden="true" focusable="false"><circle cx="8" cy="11" r="6.5" fill="none" stroke="#56B4E9" stroke-width="2.2"/><circle cx="14" cy="11" r="6.5" fill="none" stroke="#E69F00" stroke-width="2.2" stroke-dasharray="3,2"/></svg>"##

    static let favicon = #"""
    <svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 22 22"><rect width="22" height="22" rx="4" fill="#1B2A38"/><circle cx="8" cy="11" r="6" fill="none" stroke="#56B4E9" stroke-width="2.2"/><circle cx="14" cy="11" r="6" fill="none" stroke="#E69F00" stroke-width="2.2" stroke-dasharray="3,2"/></svg>
    """#

    static let css = #"""
    /* Parallax web view. Colors: Okabe–Ito (colorblind-safe); statuses also differ by line style. */
    :root {
      --fg: #1c1e21; --muted: #55595f; --line: #d6d9dd; --bg: #ffffff; --panel: #f4f6f8;
      --top: #1b2a38; --accent: #0072b2; --alert: #d55e00;
      --confirmed: #0072b2; --traced: #7f7f7f; --inferred: #e69f00; --conflict: #cc79a7;
      font-size: 15px;
    }
    * { box-sizing: border-box; }
    html, body { margin: 0; padding: 0; }
    body {
      font-family: system-ui, -apple-system, "Segoe UI", "Liberation Sans", "DejaVu Sans", Arial, sans-serif;
      color: var(--fg); background: var(--bg); line-height: 1.4;
    }
    a { color: var(--accent); }
    a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible {
      outline: 3px solid #f0b429; outline-offset: 1px;
    }
    code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85em; background: #eef1f4; padding: 0 .2em; border-radius: 3px; }

    .topbar { display: flex; align-items: center; gap: 1.2rem; padding: .45rem 1.2rem; background: var(--top); color: #fff; }
    .topbar .brand { display: inline-flex; align-items: center; gap: .45rem; color: #fff; text-decoration: none; font-weight: 700; font-size: 1.1rem; }
    .topbar .tagline { color: #c5d0da; font-size: .85rem; }
    .topbar nav { margin-left: auto; display: flex; gap: 1rem; }
    .topbar nav a { color: #e8eef3; text-decoration: none; font-size: .9rem; }
    .topbar nav a:hover { text-decoration: underline; }

    .controls { display: flex; flex-wrap: wrap; gap: .6rem 1.1rem; align-items: flex-end; padding: .55rem 1.2rem .65rem;
      background: var(--panel); border-bottom: 1px solid var(--line); }
    .controls .group { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .2rem .6rem; align-items: flex-end; min-width: 0; }
    .controls legend { font-size: .72rem; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); padding: 0; margin-bottom: .2rem; }
    .controls .group.inactive .field:not(:first-of-type) { opacity: .55; }
    .field { display: flex; flex-direction: column; gap: .12rem; font-size: .78rem; color: var(--muted); }
    input, select, button { font: inherit; font-size: .9rem; color: var(--fg); padding: .22rem .4rem;
      border: 1px solid #a9afb6; border-radius: 4px; background: #fff; }
    input[type=number] { width: 4.2em; }
    button { cursor: pointer; background: #fff; }
    .status-choice { display: inline-flex; align-items: center; gap: .3rem; font-size: .88rem; padding: .18rem .45rem;
      border: 1px solid var(--line); border-radius: 4px; background: #fff; cursor: pointer; }
    .status-choice input { margin: 0; }
    .status-choice:has(input:not(:checked)) { opacity: .6; background: transparent; }
    .actions { display: flex; gap: .6rem; align-items: center; font-size: .88rem; }
    .js .actions button { display: none; }

    .content { padding: .7rem 1.2rem 2.5rem; }
    body[aria-busy=true] .content { opacity: .6; transition: opacity .15s ease .1s; }
    .summary { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; font-size: .85rem; color: var(--muted); margin-bottom: .45rem; }
    .notice { padding: .55rem .8rem; border-radius: 5px; border: 1px solid var(--line); background: var(--panel); margin: .5rem 0; }
    .notice.error { border-color: #d55e00; background: #fdf0e8; color: #6b2a00; font-weight: 600; }
    .notice.warning { border-color: #e69f00; background: #fff7e6; color: #5c3d00; }
    .notice.empty { color: var(--muted); }

    .legend { display: flex; flex-wrap: wrap; gap: .35rem 2rem; align-items: flex-start; margin: .2rem 0 .5rem; font-size: .85rem; }
    .legend ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem 1.1rem; }
    .legend li { display: inline-flex; align-items: center; gap: .35rem; }
    .legend .count { display: inline-block; min-width: 1.5em; text-align: center; background: #e9edf1; border-radius: 9px; padding: 0 .35em; font-size: .8rem; font-weight: 600; }
    .legend .meaning { color: var(--muted); }
    .legend-kinds { color: var(--muted); }
    .legend-slo { flex-basis: 100%; margin: 0; color: var(--muted); }
    table.slos td.slo-status { white-space: nowrap; font-weight: 600; }
    table.slos td.slo-page { color: #a33f00; text-transform: none; }
    table.slos td.slo-ticket { color: #6b4a00; }
    table.slos td.slo-ok { color: #1f5e3a; font-weight: 400; }
    table.slos tr.slo-finding td { color: #6b2a00; background: #fdf0e8; }
    table.slos tr.slo-chart td { border-top: none; }
    .swatch, .glyph { flex: none; vertical-align: middle; }

    .graph { margin: 0; border: 1px solid var(--line); border-radius: 6px; background: #fff; padding: .4rem; overflow: auto; max-height: 78vh; }
    .graph { position: relative; }
    .graph svg.graph-svg { display: block; margin: 0 auto; max-width: 100%; height: auto; }
    .graph.natural svg.graph-svg { max-width: none; }
    .graph .zoom { position: sticky; float: right; top: 0; right: 0; z-index: 1; font-size: .8rem; padding: .1rem .5rem; opacity: .85; }
    .graph svg a { cursor: pointer; }
    .graph g.node:hover polygon, .graph g.node:hover path, .graph g.node:hover ellipse { stroke-width: 2.4; }
    .graph g.edge.highlight path { stroke-width: 5; }
    .graph g.edge.highlight text { font-weight: 700; }
    .graph .notice { margin: 1rem; }

    .panel { margin-top: 1.2rem; }
    h2 { font-size: 1.1rem; margin: 1.1rem 0 .4rem; }
    h2 small { font-weight: 400; color: var(--muted); font-size: .8rem; }
    h2 .count, .count { font-variant-numeric: tabular-nums; }
    .hint { color: var(--muted); font-size: .85rem; margin: .2rem 0 .5rem; }
    table { border-collapse: collapse; width: 100%; font-size: .88rem; }
    th { text-align: left; font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); border-bottom: 2px solid var(--line); padding: .3rem .5rem; }
    td { border-bottom: 1px solid var(--line); padding: .4rem .5rem; vertical-align: top; }
    td p { margin: 0 0 .25rem; }
    td ul { margin: .1rem 0 .3rem 1.1rem; padding: 0; color: var(--muted); }
    td.confidence { white-space: nowrap; font-variant-numeric: tabular-nums; font-weight: 600; }
    td.status { white-space: nowrap; }
    td.edge { white-space: nowrap; }
    td.edge .conn { color: var(--muted); font-size: .8rem; margin-left: .3rem; }
    tr:target { background: #fff4d6; }
    tr.highlight { background: #eef5fb; }
    details.alerts summary { cursor: pointer; color: var(--accent); }
    details.alerts ul { list-style: none; margin-left: 0; }
    details.alerts time { font-variant-numeric: tabular-nums; color: var(--fg); }
    .explained { color: #174a6e; }
    .unexplained { color: #6b2a00; }

    .crumbs { font-size: .85rem; color: var(--muted); margin-bottom: .3rem; }
    .service-head { display: flex; flex-wrap: wrap; align-items: flex-end; gap: .5rem 2rem; }
    .service-head h1 { font-size: 1.5rem; margin: 0; }
    .window-form { display: flex; align-items: flex-end; gap: .4rem; }
    .badge { display: inline-block; font-size: .75rem; font-weight: 600; vertical-align: middle; padding: .1em .5em; border-radius: 9px; background: #e3f0f9; color: #174a6e; }
    .badge.alert-only { background: #fdf0e8; color: #6b2a00; border: 1px dashed var(--alert); }
    .badge.catalog-only { background: #e6f5ef; color: #00573f; border: 1px dotted #009E73; }
    section.front-door { border-left: 4px solid #0072B2; padding: .2rem 0 .2rem .8rem; margin: .8rem 0; }
    dl.front-door { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
    dl.front-door dt { font-weight: 600; }
    dl.front-door dd { margin: 0; }
    dl.front-door ul { margin: 0; padding-left: 0; list-style: none; }
    dl.front-door .source { color: #555; }
    button.action-run { margin: 0 .4rem .3rem 0; }
    button.action-run.kind-mitigate { border-color: #D55E00; }
    table.action-runs td { padding: .1rem .5rem; }
    .meta { margin: .35rem 0; }
    .window-range { color: var(--muted); font-size: .85rem; margin: .2rem 0; }
    .cards { display: flex; flex-wrap: wrap; gap: .6rem; margin: .3rem 0 .6rem; }
    .card { border: 1px solid var(--line); border-radius: 6px; padding: .45rem .8rem; min-width: 8.5rem; background: var(--panel); }
    .card dt { font-size: .72rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
    .card dd { margin: 0; font-size: 1.35rem; font-weight: 650; font-variant-numeric: tabular-nums; }
    .card dd small { display: block; font-size: .78rem; font-weight: 400; color: var(--muted); }
    .charts { display: flex; flex-wrap: wrap; gap: 1rem; }
    .chart-box { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: .4rem .5rem .3rem; }
    .chart-box figcaption { font-size: .8rem; font-weight: 600; color: var(--muted); }
    .chart { display: block; }
    .chart-legend { margin: .1rem 0 0; font-size: .78rem; color: var(--muted); display: flex; gap: .8rem; }
    .columns { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 0 2rem; }
    .neighborhood .graph { max-height: 60vh; }

    @media (max-width: 900px) {
      .columns { grid-template-columns: 1fr; }
      .topbar .tagline { display: none; }
    }
    """#

    static let js = #"""
    // Parallax web view: the controls' state lives in the URL query. A change rewrites the address
    // (history.replaceState, so the link is shareable) and swaps in the page the server renders
    // for it. Without JavaScript the controls are a plain GET form.
    (function () {
      'use strict';
      document.documentElement.classList.add('js');

      function enc(v) {
        return encodeURIComponent(v).replace(/%2C/gi, ',').replace(/%2F/gi, '/').replace(/%3A/gi, ':');
      }

      // The same canonical query the server writes (WebView.WebQuery.string).
      function queryOf(form) {
        var parts = [];
        var service = form.elements.service.value.trim();
        if (service) {
          parts.push('service=' + enc(service));
          parts.push('hops=' + enc(form.elements.hops.value || '3'));
          parts.push('direction=' + enc(form.elements.direction.value || 'both'));
        }
        var team = form.elements.team.value;
        if (team) parts.push('team=' + enc(team));
        var boxes = form.querySelectorAll('input[name="status"]');
        var on = [];
        for (var i = 0; i < boxes.length; i++) if (boxes[i].checked) on.push(boxes[i].value);
        if (on.length > 0 && on.length < boxes.length) parts.push('status=' + on.map(enc).join(','));
        parts.push('window=' + enc(form.elements.window.value || '1h'));
        return parts.join('&');
      }

      var generation = 0;

      function setGeneration(n) { document.body.setAttribute('data-generation', String(n)); }

      function replaceById(doc, id) {
        var fresh = doc.getElementById(id), current = document.getElementById(id);
        if (fresh && current) current.replaceWith(document.importNode(fresh, true));
      }

      function swap(form, text) {
        var doc = new DOMParser().parseFromString(text, 'text/html');
        replaceById(doc, 'content');
        replaceById(doc, 'service-options');
        var freshTeam = doc.querySelector('#controls select[name="team"]');
        var team = form.elements.team;
        if (freshTeam && team) {
          var value = team.value;
          team.replaceChildren.apply(team, Array.prototype.map.call(freshTeam.options, function (o) { return document.importNode(o, true); }));
          team.value = value;
        }
        if (doc.title) document.title = doc.title;
        wireContent();
      }

      function showError(message) {
        var content = document.getElementById('content');
        if (!content) return;
        var p = document.createElement('p');
        p.className = 'notice error';
        p.setAttribute('role', 'alert');
        p.textContent = message;
        content.insertBefore(p, content.firstChild);
      }

      function update(form) {
        var q = queryOf(form);
        var url = location.pathname + (q ? '?' + q : '');
        history.replaceState(null, '', url);
        var mine = ++generation;
        document.body.setAttribute('aria-busy', 'true');
        fetch(url, { headers: { 'Accept': 'text/html' }, credentials: 'same-origin' })
          .then(function (r) { return r.text(); })
          .then(function (text) { if (mine === generation) swap(form, text); })
          .catch(function (err) { if (mine === generation) showError('Could not load the graph: ' + err.message); })
          .then(function () {
            if (mine !== generation) return;
            document.body.removeAttribute('aria-busy');
            setGeneration(mine);
          });
      }

      function syncInactive(form) {
        var group = form.querySelector('.focus-group');
        if (group) group.classList.toggle('inactive', !form.elements.service.value.trim());
      }

      // Fit to the width (default) or Graphviz's own size, scrolled.
      function addZoom() {
        var figure = document.getElementById('graph');
        if (!figure || !figure.querySelector('svg.graph-svg') || figure.querySelector('button.zoom')) return;
        var button = document.createElement('button');
        button.type = 'button';
        button.className = 'zoom';
        button.textContent = 'Actual size';
        button.setAttribute('aria-pressed', 'false');
        button.addEventListener('click', function () {
          var natural = figure.classList.toggle('natural');
          button.textContent = natural ? 'Fit to width' : 'Actual size';
          button.setAttribute('aria-pressed', natural ? 'true' : 'false');
        });
        figure.insertBefore(button, figure.firstChild);
      }

      // Rows of the disagreements panel highlight their edge in the picture.
      function wireContent() {
        addZoom();
        var rows = document.querySelectorAll('#disagreements tr[data-edge]');
        Array.prototype.forEach.call(rows, function (row) {
          function toggle(on) {
            var edge = document.getElementById(row.getAttribute('data-edge'));
            if (edge) edge.classList.toggle('highlight', on);
            row.classList.toggle('highlight', on);
          }
          row.addEventListener('mouseenter', function () { toggle(true); });
          row.addEventListener('mouseleave', function () { toggle(false); });
          row.addEventListener('focusin', function () { toggle(true); });
          row.addEventListener('focusout', function () { toggle(false); });
        });
      }

      function init() {
        setGeneration(0);
        var form = document.getElementById('controls');
        if (form) {
          syncInactive(form);
          form.addEventListener('change', function () { syncInactive(form); update(form); });
          form.addEventListener('submit', function (e) { e.preventDefault(); syncInactive(form); update(form); });
        }
        Array.prototype.forEach.call(document.querySelectorAll('form.autosubmit'), function (f) {
          f.addEventListener('change', function () { f.submit(); });
        });
        wireContent();
        wireActions();
        document.body.setAttribute('data-ready', 'true');
      }

      // Action buttons on the service page: POST JSON (never a form: a JSON body cannot be sent
      // cross-site without a preflight), asking first when the action needs confirmation.
      function wireActions() {
        Array.prototype.forEach.call(document.querySelectorAll('button.action-run'), function (b) {
          b.addEventListener('click', function () {
            var needs = b.getAttribute('data-confirm') === 'true';
            if (needs && !window.confirm('Run ' + b.getAttribute('data-action') + ' on ' + b.getAttribute('data-service') + '?')) return;
            var out = document.getElementById('action-result');
            b.disabled = true;
            fetch(b.getAttribute('data-url'), {method: 'POST', headers: {'Content-Type': 'application/json'},
                                               body: JSON.stringify({confirm: needs})})
              .then(function (r) { return r.json().then(function (j) { return {status: r.status, body: j}; }); })
              .then(function (res) {
                var run = res.body.run;
                if (out) out.textContent = run ? (b.getAttribute('data-action') + ': ' + (run.responseStatus !== null ? 'HTTP ' + run.responseStatus : run.error))
                                               : (res.body.error || ('HTTP ' + res.status));
                if (run) setTimeout(function () { window.location.reload(); }, 800);
              })
              .catch(function (e) { if (out) out.textContent = String(e); })
              .then(function () { b.disabled = false; });
          });
        });
      }

      if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
      else init();
    })();
    """#
}
