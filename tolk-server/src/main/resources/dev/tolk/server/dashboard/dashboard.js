// Tolk's dashboard: renders /dashboard/events (one JSON state a second) with DOM calls only. Every value that came
// from a client (session ids, models, messages) goes in as text, never as markup.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function td(text, cls) { return el('td', cls, text === null || text === undefined ? '–' : text); }

  function int(n) { return n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US'); }

  function tokens(n) {
    if (n === null || n === undefined) return '–';
    if (n >= 1e9) return (n / 1e9).toFixed(2) + ' G';
    if (n >= 1e6) return (n / 1e6).toFixed(2) + ' M';
    if (n >= 1e4) return (n / 1e3).toFixed(1) + ' k';
    return int(n);
  }

  function pct(x) { return x === null || x === undefined ? '–' : (x * 100).toFixed(1) + ' %'; }

  function ms(x) {
    if (x === null || x === undefined || x < 0) return '–';
    if (x >= 10000) return (x / 1000).toFixed(1) + ' s';
    if (x >= 1000) return (x / 1000).toFixed(2) + ' s';
    return Math.round(x) + ' ms';
  }

  function duration(msec) {
    var s = Math.floor(msec / 1000);
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + (s % 60) + ' s';
    var h = Math.floor(m / 60);
    if (h < 48) return h + ' h ' + (m % 60) + ' min';
    return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
  }

  function ago(now, t) {
    if (!t) return '–';
    var d = now - t;
    return d < 1000 ? 'now' : duration(d) + ' ago';
  }

  function clock(t) {
    var d = new Date(t);
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
  }

  function short(s, n) {
    if (s === null || s === undefined) return '–';
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }

  function replaceRows(tableId, emptyId, rows) {
    var body = $(tableId).tBodies[0];
    while (body.firstChild) body.removeChild(body.firstChild);
    rows.forEach(function (r) { body.appendChild(r); });
    $(tableId).hidden = rows.length === 0;
    $(emptyId).hidden = rows.length !== 0;
  }

  // A sixty-minute chart: requests per minute as bars, TTFT p50 per minute as a line (its own scale).
  function chart(hour) {
    var w = 300, h = 56, n = hour.requests_by_minute.length;
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'chart');
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    svg.setAttribute('preserveAspectRatio', 'none');
    var maxReq = Math.max.apply(null, hour.requests_by_minute.concat([1]));
    var bars = document.createElementNS(SVG, 'g');
    bars.setAttribute('class', 'bars');
    var step = w / n;
    hour.requests_by_minute.forEach(function (c, i) {
      if (!c) return;
      var bh = Math.max(1, (c / maxReq) * (h * 0.45));
      var r = document.createElementNS(SVG, 'rect');
      r.setAttribute('x', (i * step + 0.5).toFixed(1));
      r.setAttribute('y', (h - bh).toFixed(1));
      r.setAttribute('width', Math.max(1, step - 1).toFixed(1));
      r.setAttribute('height', bh.toFixed(1));
      bars.appendChild(r);
    });
    svg.appendChild(bars);
    var ttft = hour.ttft_p50_by_minute;
    var maxT = Math.max.apply(null, ttft.concat([1]));
    var pts = [];
    ttft.forEach(function (v, i) {
      if (v >= 0) pts.push([(i + 0.5) * step, h - 3 - (v / maxT) * (h - 8)]);
    });
    if (pts.length) {
      var d = pts.map(function (p, i) { return (i ? 'L' : 'M') + p[0].toFixed(1) + ' ' + p[1].toFixed(1); }).join(' ');
      if (pts.length === 1) d += ' L' + (pts[0][0] + 2).toFixed(1) + ' ' + pts[0][1].toFixed(1);
      var area = document.createElementNS(SVG, 'path');
      area.setAttribute('class', 'area');
      area.setAttribute('d', d + ' L' + pts[pts.length - 1][0].toFixed(1) + ' ' + h + ' L' + pts[0][0].toFixed(1) + ' ' + h + ' Z');
      svg.appendChild(area);
      var line = document.createElementNS(SVG, 'path');
      line.setAttribute('class', 'line');
      line.setAttribute('d', d);
      svg.appendChild(line);
    }
    var title = document.createElementNS(SVG, 'title');
    title.textContent = 'Last 60 minutes: bars = requests per minute (max ' + maxReq + '), line = TTFT p50 per minute (max ' + ms(maxT) + ')';
    svg.appendChild(title);
    return svg;
  }

  function stat(k, v, id) {
    var s = el('div', 'stat');
    s.appendChild(el('div', 'k', k));
    var val = el('div', 'v', v);
    if (id) val.setAttribute('data-stat', id);
    s.appendChild(val);
    return s;
  }

  function barStat(k, fraction, text) {
    var s = stat(k, text);
    var bar = el('div', 'bar');
    var fill = el('span');
    fill.style.width = Math.max(0, Math.min(100, fraction * 100)).toFixed(1) + '%';
    bar.appendChild(fill);
    s.appendChild(bar);
    return s;
  }

  function renderUpstreams(state) {
    var box = $('upstreams');
    while (box.firstChild) box.removeChild(box.firstChild);
    state.upstreams.forEach(function (u) {
      var c = el('div', 'card upstream' + (u.up ? '' : ' ejected'));
      c.setAttribute('data-name', u.name);
      var head = el('div', 'head');
      head.appendChild(el('span', 'name', u.name));
      var badge = el('span', 'badge ' + (u.up ? 'up' : 'ejected'), u.up ? 'up' : 'ejected');
      if (!u.up) badge.title = u.failures_in_a_row + ' failures in a row; next probe in ' + ms(u.retry_in_ms);
      head.appendChild(badge);
      c.appendChild(head);
      c.appendChild(el('div', 'url', u.url + (u.protocol === 'anthropic' ? '  (Anthropic protocol)' : '')));
      c.appendChild(el('div', 'models', u.models.length ? u.models.join(', ') : 'models not listed yet'));
      var stats = el('div', 'stats');
      stats.appendChild(stat('In flight', int(u.in_flight), 'in_flight'));
      if (u.vllm) {
        stats.appendChild(stat('vLLM running / waiting', int(u.vllm.running) + ' / ' + int(u.vllm.waiting), 'queue'));
        stats.appendChild(barStat('KV cache', u.vllm.kv_cache_usage, pct(u.vllm.kv_cache_usage)));
      } else {
        stats.appendChild(stat('vLLM queue', 'not scraped'));
        stats.appendChild(stat('KV cache', '–'));
      }
      stats.appendChild(stat('Requests (hour)', int(u.hour.requests) + (u.hour.errors ? ' (' + int(u.hour.errors) + ' err)' : ''), 'requests'));
      stats.appendChild(barStat('Prompt from cache', u.hour.cache_share, u.hour.prompt_tokens ? pct(u.hour.cache_share) : '–'));
      stats.appendChild(stat('TTFT p50 / p90', ms(u.hour.ttft_p50_ms) + ' / ' + ms(u.hour.ttft_p90_ms), 'ttft'));
      c.appendChild(stats);
      c.appendChild(chart(u.hour));
      var lbl = el('div', 'chart-label');
      lbl.appendChild(el('span', null, '60 min ago'));
      lbl.appendChild(el('span', null, 'requests/min · TTFT p50'));
      lbl.appendChild(el('span', null, 'now'));
      c.appendChild(lbl);
      box.appendChild(c);
    });
  }

  function renderTotals(state) {
    var t = state.totals, h = t.hour;
    $('total-requests').textContent = int(t.requests);
    $('total-requests-hour').textContent = int(h.requests) + ' in the last hour';
    $('total-errors').textContent = int(t.errors);
    $('total-errors-hour').textContent = int(h.errors) + ' in the last hour';
    $('total-streams').textContent = int(state.streams.length);
    $('total-tokens').textContent = tokens(t.input_tokens + t.cached_tokens) + ' / ' + tokens(t.output_tokens);
    $('total-tokens-hint').textContent = tokens(t.cached_tokens) + ' of the prompt tokens from cache';
    $('total-cache').textContent = t.input_tokens + t.cached_tokens ? pct(t.cache_share) : '–';
    $('total-cache-hour').textContent = h.prompt_tokens ? pct(h.cache_share) + ' in the last hour' : 'since start';
    $('total-ttft').textContent = ms(h.ttft_p50_ms) + ' / ' + ms(h.ttft_p90_ms);
    $('uptime').textContent = 'up ' + duration(state.now - state.started_at);
    $('logout').hidden = !state.login;
  }

  function renderStreams(state) {
    replaceRows('streams', 'streams-empty', state.streams.map(function (s) {
      var tr = el('tr', 'stream');
      tr.setAttribute('data-request-id', s.request_id);
      tr.appendChild(td(short(s.session, 24), 'mono'));
      tr.appendChild(td(s.key));
      tr.appendChild(td((s.client_model || '–') + ' → ' + (s.upstream_model || '–')));
      tr.appendChild(td(s.upstream));
      tr.appendChild(td(s.elapsed_ms < 10000 ? (s.elapsed_ms / 1000).toFixed(1) + ' s' : duration(s.elapsed_ms), 'num'));
      tr.appendChild(td(s.content_started ? int(s.output_chunks) : 'prefill', 'num tokens-so-far'));
      tr.appendChild(td(s.request_id, 'mono'));
      return tr;
    }));
  }

  function renderUsage(state) {
    $('usage-source').textContent = '(' + state.usage.source + ')';
    $('sessions-source').textContent = '(' + state.usage.source + ', latest ' + state.usage.sessions.length + ')';
    replaceRows('keys', 'keys-empty', state.usage.keys.map(function (k) {
      var tr = el('tr');
      tr.appendChild(td(k.key, 'mono'));
      tr.appendChild(td(int(k.requests), 'num'));
      tr.appendChild(td(int(k.errors), 'num'));
      tr.appendChild(td(tokens(k.input_tokens), 'num'));
      tr.appendChild(td(tokens(k.cached_tokens), 'num'));
      tr.appendChild(td(tokens(k.output_tokens), 'num'));
      tr.appendChild(td(pct(k.cache_share), 'num'));
      tr.appendChild(td(ago(state.now, k.last_seen)));
      return tr;
    }));
    replaceRows('sessions', 'sessions-empty', state.usage.sessions.map(function (s) {
      var tr = el('tr');
      var id = td(short(s.session, 24), 'mono');
      id.title = s.session;
      tr.appendChild(id);
      tr.appendChild(td(s.key, 'mono'));
      tr.appendChild(td(int(s.turns), 'num'));
      tr.appendChild(td(tokens(s.input_tokens), 'num'));
      tr.appendChild(td(tokens(s.cached_tokens), 'num'));
      tr.appendChild(td(tokens(s.output_tokens), 'num'));
      tr.appendChild(td(pct(s.cache_share), 'num'));
      tr.appendChild(td(ms(s.ttft_p50_ms), 'num'));
      tr.appendChild(td(s.client_models.join(', ') + (s.upstream_models.length ? ' → ' + s.upstream_models.join(', ') : '')));
      tr.appendChild(td(ago(state.now, s.first_seen)));
      tr.appendChild(td(ago(state.now, s.last_seen)));
      return tr;
    }));
  }

  function renderErrors(state) {
    replaceRows('errors', 'errors-empty', state.errors.map(function (e) {
      var tr = el('tr', 'error');
      tr.setAttribute('data-request-id', e.request_id);
      var when = td(clock(e.at));
      when.title = new Date(e.at).toISOString();
      tr.appendChild(when);
      tr.appendChild(td(e.status, 'num status-' + String(e.status).charAt(0)));
      tr.appendChild(td(e.type));
      var msg = td(short(e.message || '', 160), 'wrap');
      msg.title = [e.route, e.upstream && 'upstream ' + e.upstream, e.model && 'model ' + e.model,
        e.session && 'session ' + e.session, e.key && e.key !== '-' && 'key ' + e.key].filter(Boolean).join(' · ');
      tr.appendChild(msg);
      tr.appendChild(td(e.request_id, 'mono request-id'));
      return tr;
    }));
  }

  function render(state) {
    renderTotals(state);
    renderUpstreams(state);
    renderStreams(state);
    renderUsage(state);
    renderErrors(state);
    document.body.setAttribute('data-updated', String(state.now));
  }

  function connected(ok, text) {
    $('conn').className = 'dot ' + (ok ? 'live' : 'down');
    $('conn-text').textContent = text;
  }

  function poll() {
    fetch('/dashboard/state.json', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        if (r.redirected || !r.ok) throw new Error('status ' + r.status);
        return r.json();
      })
      .then(function (s) { render(s); connected(true, 'live (polling)'); })
      .catch(function () { connected(false, 'disconnected'); })
      .then(function () { setTimeout(poll, 2000); });
  }

  function start() {
    if (!window.EventSource) { poll(); return; }
    var es = new EventSource('/dashboard/events');
    es.onmessage = function (m) {
      render(JSON.parse(m.data));
      connected(true, 'live');
    };
    es.onerror = function () {
      connected(false, es.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting…');
      if (es.readyState === EventSource.CLOSED) {
        // the session cookie may have expired: the page itself then goes to the login form
        setTimeout(function () { window.location.reload(); }, 3000);
      }
    };
  }

  document.addEventListener('DOMContentLoaded', start);
})();
