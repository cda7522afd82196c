// The sensorflow dashboard: one page, five views (overview, sensor, alerts, rules, sources), every figure from the
// HTTP API and the live stream. No build step and no inline script or style (the server's CSP forbids both); every
// name that comes from a payload is put in the page as text, never as HTML.

const PAGE_SIZE = 100;
const RANGES = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3 };
const state = { csrf: null, who: null, stream: null, cleanups: [], seenAlertIds: new Set() };

// ---------- DOM and formatting ----------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's children; null, undefined and false are left out (replaceChildren would print them). */
function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

function fmtValue(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const abs = Math.abs(v);
  const text = abs !== 0 && (abs >= 1e6 || abs < 1e-3) ? v.toExponential(3)
    : Number.isInteger(v) ? String(v) : v.toFixed(abs >= 100 ? 1 : 2);
  return unit ? text + ' ' + unit : text;
}

function fmtAge(ms) {
  if (ms < 0) ms = 0;
  const s = Math.round(ms / 1000);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min';
  if (s < 86400) return (s / 3600).toFixed(1) + ' h';
  return (s / 86400).toFixed(1) + ' d';
}

function fmtTime(ms) {
  return new Date(ms).toLocaleString(undefined, { hour12: false });
}

function globRegex(glob) {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp('^' + escaped + '$');
}

function severityRank(severity) {
  return { critical: 3, warning: 2, info: 1 }[severity] || 0;
}

// ---------- API, session and stream ----------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (response.status === 401 && !path.endsWith('/session')) {
    showSignIn('Your session ended; sign in again.');
    throw new ApiError(401, 'not signed in');
  }
  if (!response.ok) throw new ApiError(response.status, (json && json.message) || text || response.statusText);
  return json;
}

function stream(params, handlers) {
  closeStream();
  const query = new URLSearchParams();
  for (const [key, value] of params) query.append(key, value);
  const source = new EventSource('/api/v1/stream?' + query.toString());
  source.addEventListener('readings', (e) => handlers.readings && handlers.readings(JSON.parse(e.data)));
  source.addEventListener('alert', (e) => {
    // A resume replays the transitions of the millisecond it stopped in; one seen already is dropped here.
    if (e.lastEventId && state.seenAlertIds.has(e.lastEventId)) return;
    if (e.lastEventId) {
      state.seenAlertIds.add(e.lastEventId);
      if (state.seenAlertIds.size > 5000) state.seenAlertIds = new Set([...state.seenAlertIds].slice(-2500));
    }
    const alert = JSON.parse(e.data);
    refreshFiringCount();
    if (handlers.alert) handlers.alert(alert);
  });
  source.addEventListener('resync', () => handlers.resync && handlers.resync());
  source.onopen = () => document.getElementById('live').classList.add('on');
  source.onerror = () => document.getElementById('live').classList.remove('on');
  state.stream = source;
}

function closeStream() {
  if (state.stream) state.stream.close();
  state.stream = null;
  document.getElementById('live').classList.remove('on');
}

function every(ms, fn) {
  const id = setInterval(fn, ms);
  state.cleanups.push(() => clearInterval(id));
}

async function signIn(token) {
  const who = await api('/api/v1/session', { method: 'POST', body: { token } });
  setWho(who);
}

function setWho(who) {
  state.who = who;
  state.csrf = who.csrf || null;
  document.getElementById('who-name').textContent = who.auth === 'open' ? '' : who.name;
  document.getElementById('sign-out').hidden = who.auth !== 'token' || !who.csrf;
}

function can(scope) {
  return state.who && state.who.scopes.includes(scope);
}

function showSignIn(message) {
  cleanup();
  const main = document.getElementById('main');
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', required: true,
    placeholder: 'token', 'aria-label': 'token' });
  const error = h('p', { class: 'error', text: message || '' });
  fill(main, h('div', { class: 'signin panel' },
    h('h1', { text: 'Sign in' }),
    h('p', { class: 'muted', text: 'Paste one of the tokens from http.auth.tokens. The browser keeps only a session '
      + 'cookie that scripts cannot read; the token itself is not stored.' }),
    h('form', { id: 'signin', onsubmit: async (e) => {
      e.preventDefault();
      try {
        await signIn(input.value.trim());
        route();
        refreshFiringCount();
      } catch (err) {
        error.textContent = err.status === 401 ? 'Unknown token.' : err.message;
      }
    } }, input, h('button', { class: 'primary', type: 'submit', text: 'Sign in' }), error)));
  input.focus();
}

// ---------- router ----------

function cleanup() {
  closeStream();
  for (const fn of state.cleanups.splice(0)) fn();
}

async function route() {
  cleanup();
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, queryText] = hash.split('?');
  const query = new URLSearchParams(queryText || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const main = document.getElementById('main');
  const page = parts[0] || 'overview';
  for (const link of document.querySelectorAll('#nav a')) {
    link.classList.toggle('active', link.dataset.page === page);
  }
  const views = { overview, sensor, alerts: alertsPage, rules: rulesPage, sources: sourcesPage };
  const view = views[page] || overview;
  fill(main, h('p', { class: 'muted', text: 'Loading…' }));
  try {
    await view(main, parts.slice(1), query);
  } catch (err) {
    if (err.status !== 401) fill(main, h('p', { class: 'error', text: 'Could not load: ' + err.message }));
  }
}

// ---------- shared pieces ----------

function alertIndex(alerts) {
  // sensor -> worst alert; sensor + metric -> worst alert on that metric (or the whole sensor)
  const index = new Map();
  for (const a of alerts) {
    for (const key of [a.sensor, a.sensor + '\u0000' + a.metric]) {
      const before = index.get(key);
      if (!before || worse(a, before)) index.set(key, a);
    }
  }
  return index;
}

function worse(a, b) {
  const rank = (x) => (x.state === 'firing' || x.state === 'FIRING' ? 10 : 0) + severityRank(x.severity);
  return rank(a) > rank(b);
}

function statusClass(alert) {
  if (!alert) return 'dot';
  const s = String(alert.state).toLowerCase();
  if (s === 'pending') return 'dot pending';
  return 'dot ' + (alert.severity || 'critical');
}

/** A canvas sized to its box in device pixels, and its context drawing in CSS pixels. */
function sharpCanvas(canvas, fallbackWidth, fallbackHeight) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || fallbackWidth;
  const height = canvas.clientHeight || fallbackHeight;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const ctx = canvas.getContext('2d');
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
}

function drawSpark(canvas, values) {
  const { ctx, width, height } = sharpCanvas(canvas, 120, 28);
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 2) return;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min || 1;
  ctx.strokeStyle = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#2a7ae2';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  let started = false;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    const x = (i / (values.length - 1)) * (width - 2) + 1;
    const y = height - 2 - ((v - min) / span) * (height - 4);
    if (started) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    started = true;
  });
  ctx.stroke();
}

/** Runs tasks with at most `limit` at once, so a page of sparklines never floods the query threads. */
function limiter(limit) {
  let running = 0;
  const queue = [];
  const next = () => {
    if (running >= limit || queue.length === 0) return;
    running++;
    const task = queue.shift();
    task().finally(() => {
      running--;
      next();
    });
  };
  return (task) => {
    queue.push(task);
    next();
  };
}

function seriesPath(sensorName, metric) {
  return '/api/v1/sensors/' + encodeURIComponent(sensorName) + '/' + encodeURIComponent(metric) + '/readings';
}

async function refreshFiringCount() {
  try {
    const firing = await api('/api/v1/alerts?state=firing');
    const badge = document.getElementById('firing-count');
    badge.textContent = String(firing.length);
    badge.hidden = firing.length === 0;
  } catch (e) {
    // The badge is a convenience; the pages say what failed.
  }
}

// ---------- overview ----------

async function overview(main, _parts, query) {
  const [sensors, current] = await Promise.all([api('/api/v1/sensors'), api('/api/v1/alerts')]);
  let alerts = alertIndex(current);
  let page = Number(query.get('page') || 0);
  const globInput = h('input', { type: 'search', placeholder: 'sensor glob, e.g. greenhouse-*', value: query.get('q') || '',
    'aria-label': 'filter by sensor glob' });
  const tagInput = h('input', { type: 'search', placeholder: 'tag, e.g. room=lab', value: query.get('tag') || '',
    'aria-label': 'filter by tag' });
  const summary = h('span', { class: 'muted' });
  const body = h('tbody');
  const pager = h('div', { class: 'pager' });
  const rows = new Map();
  const sparkQueue = limiter(4);

  const filtered = () => {
    const glob = globInput.value.trim();
    const regex = glob ? globRegex(glob.includes('*') || glob.includes('?') ? glob : '*' + glob + '*') : null;
    const tag = tagInput.value.trim();
    const [tagName, tagValue] = tag.includes('=') ? tag.split(/=(.*)/s) : [tag, null];
    return sensors.filter((s) => (!regex || regex.test(s.sensor))
      && (!tag || (tagValue === null ? tagName in (s.tags || {}) : (s.tags || {})[tagName] === tagValue)));
  };

  const render = () => {
    const list = filtered();
    const pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    const visible = list.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    summary.textContent = list.length + ' of ' + sensors.length + ' series';
    rows.clear();
    body.replaceChildren(...visible.map((s) => {
      const key = s.sensor + '\u0000' + s.metric;
      const dot = h('span', { class: statusClass(alerts.get(key) || alerts.get(s.sensor)) });
      const value = h('td', { class: 'num', text: s.state !== undefined ? s.state : fmtValue(s.value, s.unit) });
      const age = h('td', { class: 'num muted' });
      const spark = h('canvas', { class: 'spark' });
      const row = h('tr', { class: 'link', dataset: { sensor: s.sensor, metric: s.metric },
        onclick: () => { location.hash = '#/sensor/' + encodeURIComponent(s.sensor) + '/' + encodeURIComponent(s.metric); } },
      h('td', {}, dot), h('td', { text: s.sensor }), h('td', { text: s.metric }), value, age,
      h('td', { class: 'hide-narrow' }, spark));
      const entry = { s, row, dot, value, age, spark, values: [] };
      rows.set(key, entry);
      if (s.state === undefined) {
        sparkQueue(() => api(seriesPath(s.sensor, s.metric) + '?step=1m&from=' + (Date.now() - 3600e3))
          .then((r) => {
            entry.values = r.points.map((p) => p.avg);
            drawSpark(spark, entry.values);
          }).catch(() => {}));
      }
      return row;
    }));
    updateAges();
    pager.replaceChildren(
      h('button', { type: 'button', text: '‹ Prev', disabled: page === 0, onclick: () => { page--; render(); } }),
      h('span', { class: 'muted', text: 'page ' + (page + 1) + ' of ' + pages }),
      h('button', { type: 'button', text: 'Next ›', disabled: page >= pages - 1, onclick: () => { page++; render(); } }));
    // Live values for the rows on screen only: a page of 100 asks the server for 100 series, not 10,000.
    const names = [...new Set(visible.map((s) => s.sensor))];
    stream([...names.map((n) => ['sensor', n]), ['events', 'readings,alerts']], {
      readings: (readings) => {
        for (const r of readings) {
          const entry = rows.get(r.sensor + '\u0000' + r.metric);
          if (!entry) continue;
          entry.s.value = r.value;
          entry.s.state = r.state;
          entry.s.timestamp = r.timestamp;
          entry.value.textContent = r.state !== undefined ? r.state : fmtValue(r.value, r.unit || entry.s.unit);
          entry.row.classList.remove('flash');
          void entry.row.offsetWidth;
          entry.row.classList.add('flash');
          if (Number.isFinite(r.value) && entry.values.length) {
            entry.values.push(r.value);
            if (entry.values.length > 120) entry.values.shift();
            drawSpark(entry.spark, entry.values);
          }
        }
        updateAges();
      },
      alert: () => reloadAlerts(),
      resync: () => reloadAlerts(),
    });
  };

  const updateAges = () => {
    const now = Date.now();
    for (const entry of rows.values()) entry.age.textContent = fmtAge(now - entry.s.timestamp);
  };

  const reloadAlerts = async () => {
    alerts = alertIndex(await api('/api/v1/alerts'));
    for (const [key, entry] of rows) {
      entry.dot.className = statusClass(alerts.get(key) || alerts.get(entry.s.sensor));
    }
  };

  globInput.addEventListener('input', () => { page = 0; render(); });
  tagInput.addEventListener('input', () => { page = 0; render(); });
  every(1000, updateAges);
  every(15000, reloadAlerts);

  fill(main, 
    h('h1', { text: 'Overview' }),
    h('div', { class: 'toolbar' }, globInput, tagInput, h('span', { class: 'grow' }), summary),
    sensors.length === 0 ? h('p', { class: 'muted', text: 'No readings yet. Point a source at this daemon '
      + '(README: "Pointing it at your own broker") and they appear here live.' }) : null,
    h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: '' }), h('th', { text: 'Sensor' }),
      h('th', { text: 'Metric' }), h('th', { class: 'num', text: 'Value' }), h('th', { class: 'num', text: 'Age' }),
      h('th', { class: 'hide-narrow', text: 'Last hour' }))), body),
    pager);
  render();
}

// ---------- sensor ----------

function pickStep(span) {
  // About 500 to 1,000 points whatever the range; whole minutes and hours come from the rollups.
  const steps = [['1m', 60e3], ['2m', 120e3], ['5m', 300e3], ['15m', 900e3], ['30m', 1800e3], ['1h', 3600e3],
    ['3h', 10800e3], ['6h', 21600e3], ['1d', 86400e3]];
  for (const [name, ms] of steps) if (span / ms <= 1000) return name;
  return '1d';
}

async function loadSeries(sensorName, metric, from, to) {
  const span = to - from;
  const raw = span <= 2 * 3600e3;
  const query = '?from=' + Math.floor(from) + '&to=' + Math.ceil(to)
    + (raw ? '&limit=20000' : '&step=' + pickStep(span) + '&agg=avg,min,max');
  return api(seriesPath(sensorName, metric) + query);
}

function chartData(result) {
  const xs = [];
  const avg = [];
  const min = [];
  const max = [];
  for (const p of result.points) {
    xs.push(p.t);
    if (result.step) {
      avg.push(p.avg);
      min.push(p.min);
      max.push(p.max);
    } else {
      avg.push(p.value);
      min.push(null);
      max.push(null);
    }
  }
  return [xs, avg, min, max];
}

function makeChart(container, title, unit, data, onZoom) {
  const css = getComputedStyle(document.documentElement);
  const accent = css.getPropertyValue('--accent').trim();
  const muted = css.getPropertyValue('--muted').trim();
  const line = css.getPropertyValue('--line').trim();
  const axis = { stroke: muted, grid: { stroke: line, width: 1 }, ticks: { stroke: line } };
  const opts = {
    width: Math.max(280, container.clientWidth - 4),
    height: 260,
    ms: 1,
    cursor: { drag: { x: true, y: false, setScale: false } },
    scales: { x: { time: true } },
    axes: [axis, { ...axis, label: unit || '', size: 60 }],
    series: [
      {},
      { label: title, stroke: accent, width: 2, spanGaps: false, value: (u, v) => fmtValue(v, unit) },
      { label: 'min', stroke: muted, width: 1, dash: [4, 4], value: (u, v) => fmtValue(v, unit) },
      { label: 'max', stroke: muted, width: 1, dash: [4, 4], value: (u, v) => fmtValue(v, unit) },
    ],
    hooks: {
      setSelect: [(u) => {
        if (u.select.width < 5) return;
        const from = u.posToVal(u.select.left, 'x');
        const to = u.posToVal(u.select.left + u.select.width, 'x');
        u.setSelect({ left: 0, width: 0 }, false);
        onZoom(from, to);
      }],
    },
  };
  return new window.uPlot(opts, data, container);
}

function drawTimeline(canvas, points, from, to) {
  const { ctx, width, height } = sharpCanvas(canvas, 600, 44);
  const palette = ['#2a7ae2', '#2da44e', '#bf8700', '#cf222e', '#8250df', '#1b7c83', '#bc4c00'];
  const colours = new Map();
  const x = (t) => ((t - from) / (to - from)) * width;
  points.forEach((p, i) => {
    if (!colours.has(p.state)) colours.set(p.state, palette[colours.size % palette.length]);
    const end = i + 1 < points.length ? points[i + 1].t : Math.min(Date.now(), to);
    ctx.fillStyle = colours.get(p.state);
    ctx.fillRect(x(p.t), 0, Math.max(1, x(end) - x(p.t)), height - 16);
  });
  ctx.font = '12px system-ui';
  let lx = 0;
  for (const [name, colour] of colours) {
    ctx.fillStyle = colour;
    ctx.fillRect(lx, height - 12, 10, 10);
    ctx.fillStyle = getComputedStyle(document.documentElement).getPropertyValue('--fg').trim();
    ctx.fillText(name, lx + 14, height - 3);
    lx += ctx.measureText(name).width + 30;
  }
}

async function sensor(main, parts, query) {
  const [sensorName, chosen] = parts;
  const all = await api('/api/v1/sensors');
  const metrics = all.filter((s) => s.sensor === sensorName);
  if (metrics.length === 0) {
    fill(main, h('p', { class: 'error', text: 'No readings of sensor ' + sensorName + ' are stored.' }));
    return;
  }
  metrics.sort((a, b) => (a.metric === chosen ? -1 : b.metric === chosen ? 1 : a.metric.localeCompare(b.metric)));
  const preset = query.get('range') || (query.get('from') ? null : '24h');
  let to = preset ? Date.now() : Number(query.get('to'));
  let from = preset ? to - RANGES[preset] : Number(query.get('from'));
  const setRange = (f, t) => {
    location.hash = '#/sensor/' + encodeURIComponent(sensorName) + '/' + encodeURIComponent(chosen || metrics[0].metric)
      + '?from=' + Math.floor(f) + '&to=' + Math.ceil(t);
  };
  const isoLocal = (ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60e3).toISOString().slice(0, 16);
  const fromInput = h('input', { type: 'datetime-local', value: isoLocal(from), 'aria-label': 'from' });
  const toInput = h('input', { type: 'datetime-local', value: isoLocal(to), 'aria-label': 'to' });
  const span = to - from;
  const toolbar = h('div', { class: 'toolbar' },
    ...Object.keys(RANGES).map((r) => h('button', { type: 'button', class: r === preset ? 'primary' : '', text: r,
      onclick: () => { location.hash = '#/sensor/' + encodeURIComponent(sensorName) + '/'
        + encodeURIComponent(chosen || metrics[0].metric) + '?range=' + r; } })),
    h('button', { type: 'button', text: '◀', title: 'earlier', onclick: () => setRange(from - span / 2, to - span / 2) }),
    h('button', { type: 'button', text: '▶', title: 'later', onclick: () => setRange(from + span / 2, to + span / 2) }),
    fromInput, toInput,
    h('button', { type: 'button', text: 'Apply', onclick: () => setRange(new Date(fromInput.value).getTime(),
      new Date(toInput.value).getTime()) }),
    h('span', { class: 'muted', text: 'drag across a chart to zoom' }));

  const tags = metrics[0].tags || {};
  fill(main, 
    h('h1', { text: sensorName }),
    Object.keys(tags).length ? h('p', { class: 'muted', text: Object.entries(tags).map(([k, v]) => k + '=' + v).join('  ') })
      : null,
    toolbar);

  const charts = new Map();
  for (const m of metrics) {
    const panel = h('div', { class: 'panel' });
    const head = h('h2', {}, m.metric, ' ', h('span', { class: 'muted', text: m.state !== undefined ? m.state
      : fmtValue(m.value, m.unit) }));
    const holder = h('div', { class: m.state !== undefined ? '' : 'chart' });
    panel.append(head, holder);
    main.append(panel);
    const result = await loadSeries(sensorName, m.metric, from, to);
    if (result.source === 'states') {
      const canvas = h('canvas', { class: 'timeline' });
      holder.append(canvas);
      drawTimeline(canvas, result.points, from, to);
      charts.set(m.metric, { state: true, canvas, points: result.points, head });
    } else {
      const data = chartData(result);
      const plot = makeChart(holder, m.metric, m.unit, data, setRange);
      charts.set(m.metric, { plot, data, head, unit: m.unit, step: result.step });
      if (result.truncated) holder.append(h('p', { class: 'muted', text: 'More readings than shown; zoom in.' }));
    }
  }

  // Raw readings of the chosen metric, newest first, with the whole range as CSV or JSON.
  const metric = chosen || metrics[0].metric;
  const rawFrom = Math.max(from, to - 3600e3);
  const raw = await api(seriesPath(sensorName, metric) + '?from=' + Math.floor(rawFrom) + '&to=' + Math.ceil(to)
    + '&limit=100000');
  const newest = raw.points.slice(-100).reverse();
  const download = seriesPath(sensorName, metric) + '?from=' + Math.floor(from) + '&to=' + Math.ceil(to)
    + '&limit=100000';
  main.append(h('div', { class: 'panel' },
    h('h2', { text: 'Raw readings of ' + metric }),
    h('div', { class: 'toolbar' },
      h('a', { href: download + '&format=csv', download: sensorName + '-' + metric + '.csv', text: 'Download CSV' }),
      h('a', { href: download, download: sensorName + '-' + metric + '.json', text: 'Download JSON' }),
      h('span', { class: 'muted', text: 'newest 100 of the last hour of the range shown' })),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: 'Time' }), h('th', { class: 'num', text: 'Value' }))),
      h('tbody', {}, ...newest.map((p) => h('tr', {}, h('td', { text: fmtTime(p.t) }),
        h('td', { class: 'num', text: p.state !== undefined ? p.state : fmtValue(p.value) })))))));

  const history = await api('/api/v1/alerts/history?sensor=' + encodeURIComponent(sensorName) + '&from='
    + Math.floor(from) + '&to=' + Math.ceil(to) + '&limit=50');
  main.append(h('div', { class: 'panel' }, h('h2', { text: 'Alerts of ' + sensorName }), transitionsTable(history)));

  if (preset) {
    // A preset follows the present: new readings are appended as they are committed.
    stream([['sensor', sensorName], ['events', 'readings']], {
      readings: (readings) => {
        for (const r of readings) {
          const chart = charts.get(r.metric);
          if (!chart) continue;
          chart.head.lastChild.textContent = r.state !== undefined ? r.state : fmtValue(r.value, r.unit || chart.unit);
          if (chart.state) {
            chart.points.push({ t: r.timestamp, state: r.state });
            drawTimeline(chart.canvas, chart.points, Date.now() - RANGES[preset], Date.now());
            continue;
          }
          const [xs, avg, min, max] = chart.data;
          if (xs.length && r.timestamp <= xs[xs.length - 1]) continue;
          xs.push(r.timestamp);
          avg.push(r.value);
          min.push(null);
          max.push(null);
          const start = Date.now() - RANGES[preset];
          while (xs.length && xs[0] < start) {
            xs.shift(); avg.shift(); min.shift(); max.shift();
          }
          chart.plot.setData(chart.data);
        }
      },
    });
  }
}

// ---------- alerts ----------

function transitionsTable(events) {
  if (!events.length) return h('p', { class: 'muted', text: 'No transitions in this range.' });
  return h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: 'Time' }), h('th', { text: 'State' }),
    h('th', { text: 'Rule' }), h('th', { text: 'Sensor' }), h('th', { class: 'num', text: 'Value' }),
    h('th', { class: 'hide-narrow', text: 'Why' }))),
  h('tbody', {}, ...events.map((e) => h('tr', { class: 'link', onclick: () => { location.hash = '#/alerts/' + e.id; } },
    h('td', { text: fmtTime(e.timestamp) }),
    h('td', { class: 'state-' + (e.repeat ? 'firing' : e.state), text: e.repeat ? 'repeat' : e.state }),
    h('td', { text: e.rule }), h('td', { text: [e.sensor, e.metric, e.group].filter(Boolean).join(' / ') }),
    h('td', { class: 'num', text: fmtValue(e.value) }),
    h('td', { class: 'hide-narrow muted', text: explain(e) })))));
}

function explain(event) {
  const inputs = event.inputs || {};
  return Object.entries(inputs).filter(([k, v]) => v !== '' && !['sensor', 'metric', 'group', 'tags'].includes(k)
    && typeof v !== 'object').map(([k, v]) => k + '=' + (typeof v === 'number' ? fmtValue(v) : v)).join(', ');
}

function dialog(title, fields, submitText, onSubmit) {
  const error = h('p', { class: 'error' });
  const form = h('form', { method: 'dialog' }, h('h2', { text: title }), ...fields, error,
    h('div', { class: 'toolbar' }, h('button', { class: 'primary', type: 'submit', text: submitText }),
      h('button', { type: 'button', text: 'Cancel', onclick: () => dlg.close() })));
  const dlg = h('dialog', {}, form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await onSubmit();
      dlg.close();
      dlg.remove();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  document.body.append(dlg);
  dlg.showModal();
  return dlg;
}

function acknowledge(alert, done) {
  const comment = h('input', { name: 'comment', placeholder: 'comment (optional)', 'aria-label': 'comment' });
  dialog('Acknowledge ' + alert.rule + ' on ' + (alert.sensor || alert.group), [comment], 'Acknowledge', async () => {
    await api('/api/v1/alerts/' + encodeURIComponent(alert.id) + '/ack', { method: 'POST',
      body: { by: state.who && state.who.name ? state.who.name : 'dashboard', comment: comment.value } });
    done();
  });
}

// Every acknowledgement, oldest first, one a line; the comment shows on hover, and the time only where there is room.
function ackLines(acks) {
  return acks.map((a) => h('div', { title: a.comment || '' },
    'acked by ' + (a.by || 'someone') + ' ', h('span', { class: 'muted hide-narrow', text: fmtTime(a.at) })));
}

function silence(alert, done) {
  const duration = h('select', { name: 'duration', 'aria-label': 'duration' },
    ...['15m', '1h', '4h', '12h', '1d', '7d'].map((d) => h('option', { value: d, text: d, selected: d === '1h' })));
  const comment = h('input', { name: 'comment', required: true, placeholder: 'why (required)', 'aria-label': 'why' });
  const body = () => {
    const b = { rule: alert.rule, duration: duration.value, comment: comment.value,
      createdBy: state.who && state.who.name ? state.who.name : 'dashboard' };
    if (alert.sensor) b.sensor = alert.sensor;
    if (alert.metric) b.metric = alert.metric;
    if (alert.group) b.group = alert.group;
    return b;
  };
  dialog('Silence ' + alert.rule + ' on ' + (alert.sensor || alert.group),
    [h('label', {}, 'For ', duration), comment], 'Silence', async () => {
      await api('/api/v1/silences', { method: 'POST', body: body() });
      done();
    });
}

async function alertsPage(main, parts, query) {
  const episodeId = parts[0];
  const currentBody = h('tbody');
  const resolvedHolder = h('div');
  const silencesHolder = h('div');
  const detail = h('div');
  const ruleInput = h('input', { type: 'search', placeholder: 'rule', value: query.get('rule') || '', 'aria-label': 'rule' });
  const sensorInput = h('input', { type: 'search', placeholder: 'sensor', value: query.get('sensor') || '',
    'aria-label': 'sensor' });
  const historyHolder = h('div');

  const loadCurrent = async () => {
    const current = await api('/api/v1/alerts');
    current.sort((a, b) => (a.state === b.state ? severityRank(b.severity) - severityRank(a.severity)
      : a.state === 'firing' ? -1 : 1) || a.since - b.since);
    currentBody.replaceChildren(...(current.length ? current.map((a) => h('tr', { dataset: { id: a.id } },
      h('td', {}, h('span', { class: 'sev ' + a.severity, text: a.severity })),
      h('td', { class: 'state-' + a.state, text: a.state }),
      h('td', {}, h('a', { href: '#/alerts/' + a.id, text: a.rule })),
      h('td', {}, a.sensor ? h('a', { href: '#/sensor/' + encodeURIComponent(a.sensor) + '/'
        + encodeURIComponent(a.metric || ''), text: [a.sensor, a.metric].filter(Boolean).join(' / ') }) : a.group),
      h('td', { class: 'num', text: fmtValue(a.value) }),
      h('td', { class: 'hide-narrow', text: fmtTime(a.since) }),
      h('td', {}, ackLines(a.acknowledgements)),
      // Acknowledging again adds to the episode's acknowledgements: the next shift can say it has seen it too.
      h('td', {}, can('operate') ? h('div', { class: 'toolbar' },
        h('button', { type: 'button', text: 'Acknowledge', onclick: () => acknowledge(a, loadCurrent) }),
        h('button', { type: 'button', text: 'Silence', onclick: () => silence(a, () => { loadCurrent(); loadSilences(); }) }))
        : null))) : [h('tr', {}, h('td', { colspan: 8, class: 'muted', text: 'Nothing pending or firing.' }))]));
    refreshFiringCount();
  };

  const loadResolved = async () => {
    const events = await api('/api/v1/alerts/history?limit=200');
    resolvedHolder.replaceChildren(transitionsTable(events.filter((e) => e.state === 'resolved').slice(0, 50)));
  };

  const loadSilences = async () => {
    const silences = await api('/api/v1/silences');
    silencesHolder.replaceChildren(silences.length ? h('table', {}, h('tbody', {}, ...silences.map((s) => h('tr', {},
      h('td', { text: [s.rule, s.sensor, s.metric, s.group].filter(Boolean).join(' / ') || '*' }),
      h('td', { text: 'until ' + fmtTime(s.endsAt) }), h('td', { class: 'muted', text: s.comment }),
      h('td', {}, can('operate') ? h('button', { type: 'button', text: 'End', onclick: async () => {
        await api('/api/v1/silences/' + encodeURIComponent(s.id), { method: 'DELETE' });
        loadSilences();
      } }) : null)))))
      : h('p', { class: 'muted', text: 'No active silences.' }));
  };

  const loadHistory = async () => {
    const q = new URLSearchParams({ limit: '200', from: String(Date.now() - 7 * 86400e3) });
    if (ruleInput.value.trim()) q.set('rule', ruleInput.value.trim());
    if (sensorInput.value.trim()) q.set('sensor', sensorInput.value.trim());
    historyHolder.replaceChildren(transitionsTable(await api('/api/v1/alerts/history?' + q)));
  };

  if (episodeId) {
    const episode = await api('/api/v1/alerts/' + encodeURIComponent(episodeId));
    const acks = episode.acknowledgements;
    detail.append(h('div', { class: 'panel' }, h('h2', { text: 'Episode ' + episodeId }),
      h('h3', { text: 'Acknowledgements' }),
      acks.length ? h('table', { id: 'episode-acks' }, h('thead', {}, h('tr', {}, h('th', { text: 'Time' }),
        h('th', { text: 'By' }), h('th', { text: 'Comment' }))),
      h('tbody', {}, ...acks.map((a) => h('tr', {}, h('td', { text: fmtTime(a.at) }), h('td', { text: a.by }),
        h('td', { class: 'muted', text: a.comment }))))) : h('p', { class: 'muted', text: 'Not acknowledged.' }),
      h('pre', { text: JSON.stringify(episode, null, 2) })));
  }

  fill(main, 
    h('h1', { text: 'Alerts' }),
    detail,
    h('div', { class: 'panel' }, h('h2', { text: 'Firing and pending' }),
      h('table', { id: 'current-alerts' }, h('thead', {}, h('tr', {}, h('th', { text: 'Severity' }), h('th', { text: 'State' }),
        h('th', { text: 'Rule' }), h('th', { text: 'Sensor' }), h('th', { class: 'num', text: 'Value' }),
        h('th', { class: 'hide-narrow', text: 'Since' }), h('th', { text: '' }), h('th', { text: '' }))), currentBody)),
    h('div', { class: 'panel' }, h('h2', { text: 'Silences' }), silencesHolder),
    h('div', { class: 'panel' }, h('h2', { text: 'Recently resolved (24 h)' }), resolvedHolder),
    h('div', { class: 'panel' }, h('h2', { text: 'History (7 d)' }),
      h('div', { class: 'toolbar' }, ruleInput, sensorInput, h('button', { type: 'button', text: 'Show',
        onclick: loadHistory })), historyHolder));
  await Promise.all([loadCurrent(), loadResolved(), loadSilences(), loadHistory()]);

  let pending = null;
  const soon = () => {
    clearTimeout(pending);
    pending = setTimeout(() => { loadCurrent(); loadResolved(); }, 150);
  };
  stream([['events', 'alerts']], { alert: soon, resync: soon });
  // Pending alerts are not transitions and come by no event: they are polled.
  every(5000, loadCurrent);
}

// ---------- rules ----------

async function rulesPage(main) {
  const [rules, history] = await Promise.all([api('/api/v1/rules'), api('/api/v1/alerts/history?limit=2000')]);
  const byRule = new Map();
  for (const e of history) {
    if (!byRule.has(e.rule)) byRule.set(e.rule, []);
    byRule.get(e.rule).push(e);
  }
  fill(main, h('h1', { text: 'Rules' }), ...rules.map((r) => {
    const firing = r.alerts.filter((a) => a.state === 'firing').length;
    const pendingCount = r.alerts.filter((a) => a.state === 'pending').length;
    const last = (byRule.get(r.name) || []).slice(0, 5);
    return h('div', { class: 'panel' },
      h('h2', {}, r.name, ' ', h('span', { class: 'sev ' + r.severity, text: r.severity })),
      r.description ? h('p', { class: 'muted', text: r.description }) : null,
      h('div', { class: 'kv' },
        h('span', { class: 'muted', text: 'type' }), h('span', { text: r.type }),
        h('span', { class: 'muted', text: 'match' }), h('span', { text: 'sensor ' + r.match.sensor + ', metric '
          + r.match.metric }),
        h('span', { class: 'muted', text: 'when' }), h('code', { text: r.when || '(silence)' }),
        h('span', { class: 'muted', text: 'for' }), h('span', { text: fmtAge(r.forMs) }),
        h('span', { class: 'muted', text: 'actions' }), h('span', { text: r.actions.join(', ') || '—' }),
        h('span', { class: 'muted', text: 'now' }), h('span', {},
          h('span', { class: 'state-firing', text: firing + ' firing' }), ', ',
          h('span', { class: 'state-pending', text: pendingCount + ' pending' }))),
      h('h2', { text: 'Last transitions' }), transitionsTable(last));
  }));
  every(10000, () => route());
}

// ---------- sources ----------

async function sourcesPage(main) {
  const sourcesHolder = h('div');
  const healthHolder = h('div');
  const gapsHolder = h('div');
  const lettersHolder = h('div');
  const deliveriesHolder = h('div');
  let previous = new Map();

  const load = async () => {
    const [sources, health] = await Promise.all([api('/api/v1/sources'),
      fetch('/health/ready').then((r) => r.json())]);
    sourcesHolder.replaceChildren(h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: 'Source' }),
      h('th', { text: 'State' }), h('th', { class: 'num', text: 'Received' }), h('th', { class: 'num', text: 'Rate /s' }),
      h('th', { text: 'Rejected' }), h('th', { text: 'Lost upstream' }),
      h('th', { class: 'hide-narrow', text: 'Requests' }))),
    h('tbody', {}, ...sources.map((s) => {
      const before = previous.get(s.name);
      const rate = before ? ((s.received - before.received) * 1000) / Math.max(1, s.at - before.at) : null;
      return h('tr', {},
        h('td', { text: s.name }),
        h('td', {}, h('span', { class: s.ready ? 'dot' : 'dot critical' }), ' ', s.ready ? 'connected' : s.detail || 'down'),
        h('td', { class: 'num', text: String(s.received) }),
        h('td', { class: 'num', text: rate === null ? '…' : rate.toFixed(1) }),
        h('td', { text: Object.entries(s.rejected).map(([k, v]) => k + ' ' + v).join(', ') || '0' }),
        // Only a source whose readings carry sequence numbers (pipeline.sequence-tag) can tell what it lost.
        h('td', { class: s.sequence && s.sequence.missing ? 'lost' : '', text: s.sequence
          ? s.sequence.missing + ' in ' + s.sequence.gap + (s.sequence.gap === 1 ? ' gap' : ' gaps')
          : 'not numbered' }),
        h('td', { class: 'hide-narrow', text: Object.entries(s.requests).map(([k, v]) => k + ' ' + v).join(', ') }));
    }))));
    previous = new Map(sources.map((s) => [s.name, s]));
    const gapped = sources.flatMap((s) => (s.sequence ? s.sequence.sensors : [])
      .map((g) => ({ source: s.name, ...g })));
    gapsHolder.replaceChildren(gapped.length ? h('table', { id: 'sequence-gaps' }, h('thead', {}, h('tr', {},
      h('th', { text: 'Source' }), h('th', { text: 'Sensor' }), h('th', { class: 'num', text: 'Missing' }),
      h('th', { class: 'num', text: 'Gaps' }), h('th', { text: 'Last gap' }))),
    h('tbody', {}, ...gapped.map((g) => h('tr', { 'data-sensor': g.sensor },
      h('td', { text: g.source }), h('td', { text: g.sensor }), h('td', { class: 'num', text: String(g.missing) }),
      h('td', { class: 'num', text: String(g.gaps) }), h('td', { text: fmtTime(g.lastGapAt) })))))
      : h('p', { class: 'muted', text: 'No sequence gaps.' }));
    healthHolder.replaceChildren(h('table', {}, h('tbody', {}, ...health.checks.map((c) => h('tr', {},
      h('td', {}, h('span', { class: c.ready ? 'dot' : 'dot critical' })), h('td', { text: c.component }),
      h('td', { class: 'muted', text: c.detail || '' }))))));
  };

  const loadLetters = async () => {
    const letters = await api('/api/v1/dead-letters?limit=50');
    lettersHolder.replaceChildren(letters.length ? h('table', {}, h('thead', {}, h('tr', {},
      h('th', { text: 'Received' }), h('th', { text: 'Source' }), h('th', { text: 'Reason' }),
      h('th', { text: 'Detail and payload' }))),
    h('tbody', {}, ...letters.map((d) => h('tr', {},
      h('td', { text: fmtTime(Date.parse(d.receivedAt)) }), h('td', { text: d.source + (d.topic ? ' ' + d.topic : '') }),
      h('td', { text: d.reason }),
      h('td', {}, h('details', {}, h('summary', { text: d.detail || '(no detail)' }),
        h('pre', { text: d.payload }), h('span', { class: 'muted', text: d.payloadBytes + ' bytes, '
          + d.payloadEncoding }))))))) : h('p', { class: 'muted', text: 'No dead letters.' }));
  };

  // Actions the outbox gave up on, each with a button that queues it again (scope operate).
  const loadDeliveries = async () => {
    const failed = await api('/api/v1/deliveries?state=failed&limit=50');
    deliveriesHolder.replaceChildren(failed.length ? h('table', { id: 'failed-deliveries' }, h('thead', {},
      h('tr', {}, h('th', { text: 'Finished' }), h('th', { text: 'Action' }), h('th', { text: 'Alert' }),
        h('th', { class: 'num', text: 'Attempts' }), h('th', { text: 'Last error' }), h('th', { text: '' }))),
    h('tbody', {}, ...failed.map((d) => h('tr', {},
      h('td', { text: d.finishedAt ? fmtTime(Date.parse(d.finishedAt)) : '' }), h('td', { text: d.action }),
      h('td', { text: d.transition.rule + ' ' + d.transition.state + ' ' + d.transition.sensor }),
      h('td', { class: 'num', text: String(d.attempts) }), h('td', { class: 'muted', text: d.lastError || '' }),
      h('td', {}, h('button', { type: 'button', class: 'retry-delivery', text: 'Retry', onclick: async (e) => {
        const cell = e.target.parentElement;
        try {
          await api('/api/v1/deliveries/' + d.id + '/retry', { method: 'POST' });
          loadDeliveries();
        } catch (err) {
          // A read-only session gets 403: say so where the click was, not only in the console.
          cell.replaceChildren(e.target, h('p', { class: 'error', text: err.status === 403
            ? 'Not allowed: retrying needs the operate scope.' : 'Could not retry: ' + err.message }));
        }
      } })))))) : h('p', { class: 'muted', text: 'No failed deliveries.' }));
  };

  fill(main, h('h1', { text: 'Sources and health' }),
    h('div', { class: 'panel' }, h('h2', { text: 'Sources' }), sourcesHolder),
    h('div', { class: 'panel' }, h('h2', { text: 'Readiness' }), healthHolder),
    h('div', { class: 'panel' }, h('h2', { text: 'Sensors with sequence gaps (messages lost before they reached us)' }),
      gapsHolder),
    h('div', { class: 'panel' }, h('h2', { text: 'Failed action deliveries (oldest 50)' }), deliveriesHolder),
    h('div', { class: 'panel' }, h('h2', { text: 'Dead letters (newest 50)' }), lettersHolder));
  await Promise.all([load(), loadLetters(), loadDeliveries()]);
  every(5000, load);
  every(15000, loadLetters);
  every(15000, loadDeliveries);
}

// ---------- start ----------

function applyTheme(theme) {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

async function start() {
  let theme = localStorage.getItem('sensorflow-theme') || 'auto';
  applyTheme(theme);
  document.getElementById('theme').addEventListener('click', () => {
    theme = { auto: 'dark', dark: 'light', light: 'auto' }[theme];
    localStorage.setItem('sensorflow-theme', theme);
    applyTheme(theme);
    route();
  });
  document.getElementById('sign-out').addEventListener('click', async () => {
    await api('/api/v1/session', { method: 'DELETE' }).catch(() => {});
    state.who = null;
    state.csrf = null;
    showSignIn('Signed out.');
  });
  window.addEventListener('hashchange', () => {
    if (state.who) route();
  });
  // A page left for another stays in the back-forward cache with its stream open, holding one of the browser's six
  // connections to this host; a few reloads would then stall the next page for a minute. Close it on leaving.
  window.addEventListener('pagehide', () => closeStream());
  window.addEventListener('pageshow', (e) => {
    if (e.persisted && state.who) route();
  });
  try {
    const who = await api('/api/v1/session');
    if (who.auth === 'required') {
      showSignIn('');
      return;
    }
    setWho(who);
  } catch (err) {
    showSignIn(err.message);
    return;
  }
  route();
  refreshFiringCount();
  setInterval(refreshFiringCount, 15000);
}

start();
