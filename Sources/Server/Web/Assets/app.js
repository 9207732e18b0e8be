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