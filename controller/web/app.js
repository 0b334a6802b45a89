/*  HMS live page: polls GET /containers every second and renders every host
    and its containers; the forms and buttons call the REST API.
    Every string from the API goes into the page as text (textContent),
    never as HTML. */
'use strict';

const POLL_MS = 1000;       // period of GET /containers
const TIMEOUT_MS = 4000;    // a call not answered by then has failed
const STALE_MS = 3500;      // data older than this is shown as stale
const CONFIG_MS = 10000;    // period of GET /config
const TOKEN_KEY = 'hms.token';
const STATUS_ORDER = ['down', 'backoff', 'restarting', 'active', 'stopped', 'ignored'];

const $ = (id) => document.getElementById(id);

// Creates an element: el('td', {className: 'num', title: 'x'}, 'text', child...).
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key in node && !key.startsWith('aria') && key !== 'role') node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function setText(node, text) {
  text = String(text);
  if (node.textContent !== text) node.textContent = text;
}

// Formatting.

function fmtTime(ms) {
  return ms ? new Date(ms).toLocaleString() : '';
}

function fmtClock(ms) {
  return new Date(ms).toLocaleTimeString();
}

function fmtAgo(ms, now = Date.now()) {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 2) return 'just now';
  if (s < 90) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 36) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

function fmtLoss(loss) {
  if (typeof loss !== 'number') return '—';
  return `${Number.isInteger(loss) ? loss : loss.toFixed(1)} %`;
}

function fmtRtt(ms) {
  if (typeof ms !== 'number') return '—';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
}

function fmtThreshold(t) {
  return typeof t === 'number' ? `${t} %` : 'unknown';
}

const statusClass = (s) => `st-${/^[a-z]+$/.test(s) ? s : 'unknown'}`;

// The API.

class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function token() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

// Calls the API; resolves with the parsed JSON body (null when empty),
// rejects with an ApiError carrying the API's error message.
async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  // Changes need the token; reads too when the controller runs with
  // --token-reads: send it whenever there is one.
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  let response, text;
  try {
    response = await fetch(path, {
      method, headers, cache: 'no-store', signal: abort.signal,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    text = await response.text();
  } catch (e) {
    throw new ApiError(0, e.name === 'AbortError'
      ? `no answer within ${TIMEOUT_MS / 1000} s` : 'the controller cannot be reached');
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    const error = data && data.error;
    let message = error && typeof error.message === 'string' ? error.message
      : (text.trim().slice(0, 200) || response.statusText || 'request failed');
    if (response.status === 401) message += ' (set the API token)';
    throw new ApiError(response.status, message, data);
  }
  if (text && data === null) throw new ApiError(response.status, 'the answer is not JSON');
  return data;
}

const hostPath = (address) => `/containers/${encodeURIComponent(address)}`;
const containerPath = (address, id) => `${hostPath(address)}/${encodeURIComponent(id)}`;

// Notices: results and errors of the user's actions.

function notify(kind, message) {
  const box = $('notices');
  const close = el('button', { type: 'button', className: 'quiet close', 'aria-label': 'Dismiss' }, '×');
  const item = el('div', { className: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    el('span', {}, message), close);
  close.addEventListener('click', () => item.remove());
  box.append(item);
  while (box.children.length > 4) box.firstElementChild.remove();
  setTimeout(() => item.remove(), kind === 'error' ? 20000 : 5000);
}

function failed(what, e) {
  notify('error', `${what} failed${e.status ? ` (HTTP ${e.status})` : ''}: ${e.message}`);
}

// Runs an action with its control disabled; on success reports and polls.
async function act(control, what, call, done) {
  if (control) control.disabled = true;
  try {
    const result = await call();
    notify('ok', typeof done === 'function' ? done(result) : done);
    poll(true);
    return true;
  } catch (e) {
    failed(what, e);
    return false;
  } finally {
    if (control) control.disabled = false;
  }
}

// State.

const view = {
  data: null,       // last GET /containers answer
  lastOk: 0,        // when it came
  error: null,      // the last poll's error, null when it succeeded
  config: null,     // last GET /config answer
  alerts: null,     // last GET /alerts list; null when unknown
  timeline: [],     // last GET /events list: heals, attacks, alerts
  security: null,   // last GET /security report
  forecasts: [],    // last GET /forecasts?within=3600 containers
  securityShown: false, // the panel was opened once for a critical finding
  timelineAt: 0,    // when it was asked
  hosts: new Map(), // address -> rendered host
  timer: 0,
  polling: false,   // a GET /containers is under way
  again: false,     // poll again as soon as it ends
};

// Rendering of one host.

let uid = 0;

function createHost(address) {
  const node = $('tpl-host').content.firstElementChild.cloneNode(true);
  const id = `h${++uid}`;
  const q = (sel) => node.querySelector(sel);
  const host = {
    address, node,
    title: q('.host-address'),
    badge: q('.host-status'),
    facts: q('.host-facts'),
    note: q('.host-note'),
    caption: q('caption'),
    tbody: q('tbody'),
    thresholdInput: q('.host-threshold input'),
    rows: new Map(),
    factNodes: new Map(),
  };
  node.setAttribute('aria-labelledby', `${id}-title`);
  host.title.id = `${id}-title`;
  setText(host.title, address);
  const label = q('.host-threshold label');
  label.htmlFor = `${id}-threshold`;
  host.thresholdInput.id = `${id}-threshold`;
  q('.host-threshold').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = host.thresholdInput;
    const threshold = Number(input.value);
    const ok = await act(event.submitter, `Setting the threshold of ${address}`,
      () => api('POST', hostPath(address), { threshold }),
      (r) => `Threshold of ${address} set to ${r && typeof r.threshold === 'number' ? r.threshold : threshold} %.`);
    if (ok) input.value = '';
  });
  q('.host-remove').addEventListener('click', (event) => {
    if (!confirm(`Stop following the manager ${address}?`)) return;
    act(event.currentTarget, `Removing ${address}`, () => api('DELETE', hostPath(address)),
      `${address} is no longer followed.`);
  });
  return host;
}

function setFact(host, key, label, value, title) {
  let fact = host.factNodes.get(key);
  if (!fact) {
    const dd = el('dd');
    host.facts.append(el('div', {}, el('dt', {}, label), dd));
    fact = dd;
    host.factNodes.set(key, fact);
  }
  setText(fact, value);
  if (title !== undefined && fact.title !== title) fact.title = title;
}

function renderHost(host, data, now) {
  const online = data.status === 'online';
  host.node.classList.toggle('offline', !online);
  setText(host.badge, online ? 'online' : (data.status || 'unknown'));
  host.badge.className = `badge host-status ${online ? 'st-online' : 'st-offline'}`;
  const containers = Array.isArray(data.containers) ? data.containers : [];
  const active = containers.filter((c) => c.status === 'active').length;
  const manager = data.manager || {};
  setFact(host, 'since', online ? 'Online since' : 'Offline since', fmtAgo(data.since_ms, now), fmtTime(data.since_ms));
  setFact(host, 'seen', 'Last seen', fmtAgo(data.last_seen_ms, now), fmtTime(data.last_seen_ms));
  setFact(host, 'transport', 'Transport', data.public_key ? 'CURVE' : 'plaintext',
    data.public_key ? `manager key ${data.public_key}` : 'no key: a manager on loopback');
  setFact(host, 'threshold', 'Threshold', fmtThreshold(data.threshold));
  setFact(host, 'containers', 'Containers', `${active} active / ${containers.length}`);
  setFact(host, 'seq', 'Update seq', data.update_seq ?? '—');
  setFact(host, 'started', 'Manager started', manager.started_ms ? fmtAgo(manager.started_ms, now) : 'not seen',
    fmtTime(manager.started_ms));
  setFact(host, 'restarts', 'Manager restarts', manager.restarts ?? '—');
  setFact(host, 'snapshots', 'Snapshots', manager.snapshots ?? '—',
    manager.pending ? 'an update is being fetched' : 'in step with the manager');
  if (typeof data.threshold === 'number') host.thresholdInput.placeholder = String(data.threshold);

  let note = '';
  if (!online) {
    note = data.last_seen_ms
      ? `This manager is not answering: it was last heard ${fmtAgo(data.last_seen_ms, now)}. The containers below are as it last reported them.`
      : 'This manager has not been heard yet: is it running, and is the address right?';
  } else if (!containers.length) {
    note = 'This manager watches no container.';
  }
  host.node.querySelector('.table-wrap').hidden = !containers.length;
  host.note.hidden = !note;
  setText(host.note, note);
  setText(host.caption, `Containers of ${host.address}`);
  renderRows(host, containers, data.threshold, now);
}

function renderRows(host, containers, threshold, now) {
  const sorted = [...containers].sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const seen = new Set();
  let previous = null;
  for (const c of sorted) {
    const key = c.name || c.id;
    seen.add(key);
    let row = host.rows.get(key);
    if (!row) {
      row = createRow(host);
      host.rows.set(key, row);
    }
    updateRow(row, c, threshold, now, host);
    const expected = previous ? previous.tr.nextSibling : host.tbody.firstChild;
    if (expected !== row.tr) host.tbody.insertBefore(row.tr, expected);
    previous = row;
  }
  for (const [key, row] of host.rows) {
    if (!seen.has(key)) {
      row.tr.remove();
      host.rows.delete(key);
    }
  }
}

function createRow(host) {
  const cells = {
    name: el('th', { scope: 'row' }),
    status: el('td'),
    loss: el('td', { className: 'num' }),
    rtt: el('td', { className: 'num' }),
    spark: el('td', { className: 'spark' }),
    restarts: el('td', { className: 'num' }),
    since: el('td', { className: 'since' }),
    ip: el('td', { className: 'mono' }),
    id: el('td', { className: 'mono' }),
    image: el('td', { className: 'image' }),
    action: el('td', { className: 'action' }),
  };
  const badge = el('span', { className: 'badge' });
  const state = el('span', { className: 'state' });
  cells.status.append(badge, state);
  const button = el('button', { type: 'button', className: 'small' });
  const chartsButton = el('button', { type: 'button', className: 'small quiet' }, 'Charts');
  cells.action.append(chartsButton, button);
  const tr = el('tr', {}, ...Object.values(cells));
  const row = { tr, cells, badge, state, button, charts: chartsButton, container: null };
  chartsButton.addEventListener('click', () => openCharts(host.address, row.container.name || row.container.id));
  button.addEventListener('click', () => {
    const c = row.container;
    const ref = c.id || c.name;
    const label = c.name || c.id;
    if (c.status === 'ignored') {
      act(button, `Watching ${label} again`, () => api('PUT', containerPath(host.address, ref)),
        `${label} on ${host.address} is watched again.`);
    } else {
      act(button, `Ignoring ${label}`, () => api('DELETE', containerPath(host.address, ref)),
        `${label} on ${host.address} is ignored: HMS will neither probe nor heal it.`);
    }
  });
  return row;
}

function updateRow(row, c, threshold, now, host) {
  row.container = c;
  const status = String(c.status || 'unknown');
  row.tr.className = statusClass(status);
  const id = String(c.id || '');
  setText(row.cells.name, c.name || '—');
  setText(row.cells.id, id.slice(0, 12) || '—');
  row.cells.id.title = id;
  setText(row.badge, status);
  row.badge.className = `badge ${statusClass(status)}`;
  setText(row.state, c.state && status !== 'active' && c.state !== status ? c.state : '');
  setText(row.cells.loss, fmtLoss(c.loss));
  const lossy = typeof c.loss === 'number' && c.loss > 0;
  row.cells.loss.classList.toggle('warn', lossy && !(c.loss > threshold));
  row.cells.loss.classList.toggle('bad', lossy && c.loss > threshold);
  setText(row.cells.rtt, fmtRtt(c.rtt_ms));
  setText(row.cells.ip, c.ip || '—');
  setText(row.cells.image, c.image || '—');
  row.cells.image.title = c.image || '';
  setText(row.cells.restarts, c.restarts ?? '—');
  setText(row.cells.since, c.since_ms ? fmtAgo(c.since_ms, now) : '—');
  row.cells.since.title = fmtTime(c.since_ms);
  const ignored = status === 'ignored';
  setText(row.button, ignored ? 'Watch' : 'Ignore');
  row.button.title = ignored ? 'Monitor and heal this container again' : 'Stop monitoring and healing this container';
  row.button.setAttribute('aria-label', `${ignored ? 'Watch' : 'Ignore'} ${c.name || id}`);
  row.charts.hidden = ignored;
  row.key = `${host.address}/${c.name || id}`;
  drawSpark(row);
  row.charts.setAttribute('aria-label', `Charts of ${c.name || id}`);
}

// Rendering of the page.

function render() {
  const now = Date.now();
  const data = view.data;
  const box = $('hosts');
  box.setAttribute('aria-busy', 'false');
  const hosts = data && Array.isArray(data.hosts) ? data.hosts : [];
  const seen = new Set();
  let previous = null;
  for (const h of hosts) {
    const address = String(h.address);
    seen.add(address);
    let host = view.hosts.get(address);
    if (!host) {
      host = createHost(address);
      view.hosts.set(address, host);
    }
    renderHost(host, h, now);
    const expected = previous ? previous.node.nextElementSibling : $('empty').nextElementSibling;
    if (expected !== host.node) box.insertBefore(host.node, expected);
    previous = host;
  }
  for (const [address, host] of view.hosts) {
    if (!seen.has(address)) {
      host.node.remove();
      view.hosts.delete(address);
    }
  }
  const empty = $('empty');
  empty.hidden = hosts.length > 0;
  if (!hosts.length) setText(empty, data ? 'No manager is followed yet: add one with its address above.' : 'Loading…');
  box.classList.toggle('no-data', !data);

  const all = hosts.flatMap((h) => (Array.isArray(h.containers) ? h.containers : []));
  const online = hosts.filter((h) => h.status === 'online').length;
  const active = all.filter((c) => c.status === 'active').length;
  const trouble = all.filter((c) => ['down', 'restarting', 'backoff'].includes(c.status)).length;
  if (data) {
    setText($('sum-hosts'), `${online} / ${hosts.length}`);
    setText($('sum-containers'), `${active} / ${all.length}`);
    const byStatus = STATUS_ORDER.map((s) => [s, all.filter((c) => c.status === s).length])
      .filter(([, n]) => n).map(([s, n]) => `${n} ${s}`).join(', ');
    $('sum-containers').title = byStatus;
    const offline = hosts.length - online;
    $('sum-attention').replaceChildren(String(trouble),
      offline ? el('small', {}, `and ${offline} host${offline > 1 ? 's' : ''} offline`) : '');
    $('sum-attention').title = 'containers down, restarting or in backoff';
    $('sum-hosts').parentElement.className = online < hosts.length ? 'bad' : hosts.length ? 'good' : '';
    $('sum-attention').parentElement.className = trouble || online < hosts.length ? 'warn' : 'good';
    const watched = all.filter((c) => !['ignored', 'stopped'].includes(c.status)).length;
    $('sum-containers').parentElement.className = active < watched ? 'warn' : all.length ? 'good' : '';
    document.title = `${trouble || online < hosts.length ? '⚠ ' : ''}HMS · ${active}/${all.length} active`;
  }
  renderClock();
}

// Alerts pending or firing (GET /alerts), most severe first.
const SEVERITY_ORDER = ['critical', 'warning', 'info'];

function renderAlerts(now = Date.now()) {
  const alerts = Array.isArray(view.alerts) ? view.alerts.slice() : null;
  const changes = Array.isArray(view.timeline) ? view.timeline : [];
  const section = $('alerts');
  section.hidden = (!alerts || alerts.length === 0) && changes.length === 0;
  $('timeline').hidden = changes.length === 0;
  $('timeline-list').replaceChildren(...changes.map((e) => el('li', { className: `event-${e.kind}` },
    el('time', { dateTime: new Date(e.ts_ms).toISOString() }, fmtClock(e.ts_ms)), ' ',
    el('strong', {}, e.kind), ` ${e.name || e.address}: ${e.detail}`)));
  const firing = alerts ? alerts.filter((a) => a.state === 'firing') : [];
  setText($('sum-alerts'), alerts ? String(firing.length) : '–');
  $('sum-alerts').parentElement.className = !alerts ? '' : firing.some((a) => a.severity === 'critical') ? 'bad'
    : firing.length ? 'warn' : 'good';
  if (!alerts) return;
  alerts.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity)
    || a.since_ms - b.since_ms);
  $('alert-list').replaceChildren(...alerts.map((a) => {
    const what = a.container ? `${a.name || a.container.slice(0, 12)} on ${a.address}` : a.address;
    const value = a.value === null || a.value === undefined ? '' : ` = ${Number(a.value).toPrecision(4)}`;
    return el('li', { className: `alert alert-${a.severity} alert-${a.state}` },
      el('span', { className: 'badge' }, `${a.severity} · ${a.state}`), ' ',
      el('strong', {}, a.rule), ` ${what}: ${a.metric}${value} (threshold ${a.threshold}) `,
      el('small', { title: fmtTime(a.since_ms) }, `since ${fmtAgo(a.since_ms, now)}`),
      a.summary ? el('span', { className: 'alert-summary' }, ` — ${a.summary}`) : '');
  }));
}

// The escape-risk audit (GET /security): every container with a finding,
// the most severe first; critical ones open the panel.
function renderSecurity() {
  const report = view.security;
  const containers = report && Array.isArray(report.containers) ? report.containers : [];
  $('security').hidden = containers.length === 0;
  const counts = report && report.findings ? report.findings : {};
  setText($('security-counts'), ['critical', 'high', 'medium', 'low']
    .filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`).join(' · '));
  $('security-list').replaceChildren(...containers.map((c) => el('li',
    { className: `alert ${c.risk === 'critical' ? 'alert-critical' : `risk-${c.risk}`}` },
    el('span', { className: 'badge' }, c.risk), ' ',
    el('strong', {}, c.name || c.id.slice(0, 12)), ` on ${c.address}: `,
    el('span', { className: 'finding' }, c.findings.map((f) => `${f.check} (CIS ${f.cis}, ${f.technique})`)
      .join(', ')))));
  if (counts.critical && !view.securityShown) $('security').querySelector('details').open = true;
  view.securityShown = view.securityShown || Boolean(counts.critical);
}

// Early warning (GET /forecasts?within=3600): the containers whose memory
// or tasks reach their limit within the hour at the rate of the last
// minutes, the soonest first; under 15 minutes, as a warning.
function renderForecasts() {
  const soon = view.forecasts;
  $('forecasts').hidden = soon.length === 0;
  const left = (f) => (f && f.linear_s !== null ? f.linear_s : Infinity);
  $('forecasts-list').replaceChildren(...soon.map((c) => {
    const [what, f] = left(c.memory) <= left(c.pids) ? ['memory', c.memory] : ['tasks', c.pids];
    const seconds = left(f);
    return el('li', { className: `alert ${seconds < 900 ? 'alert-warning' : ''}` },
      el('strong', {}, c.name || c.id.slice(0, 12)), ` on ${c.address}: ${what} at its limit in `,
      el('span', { className: 'badge' }, `${Math.round(seconds / 60)} min`),
      f.holt_s !== null ? ` (damped trend: ${Math.round(f.holt_s / 60)} min)` : ' (damped trend: never)');
  }));
}

// Sparklines: each container's CPU over the last 15 minutes, from the
// history, fetched again every 30 s for at most SPARKS_MAX containers.
const SPARKS_MAX = 50;
const SPARK_MS = 30000;
const sparks = new Map(); // "address/container" -> { values, at }

function drawSpark(row) {
  const spark = sparks.get(row.key);
  const cell = row.cells.spark;
  const values = spark ? spark.values : [];
  const known = values.filter((v) => v !== null);
  if (known.length < 2) {
    cell.replaceChildren('—');
    return;
  }
  const max = Math.max(...known, 0.01);
  const w = 90;
  const h = 22;
  const step = w / (values.length - 1);
  const d = values.map((v, i) => (v === null ? null : `${(i * step).toFixed(1)},${(h - 1 - (v / max) * (h - 2)).toFixed(1)}`))
    .filter(Boolean).join(' ');
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('width', String(w));
  svg.setAttribute('height', String(h));
  svg.setAttribute('role', 'img');
  const last = known[known.length - 1];
  svg.setAttribute('aria-label', `CPU over 15 minutes, now ${last.toFixed(1)} %, at most ${max.toFixed(1)} %`);
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', d);
  line.setAttribute('class', 'spark-line');
  svg.append(line);
  cell.replaceChildren(svg);
  cell.title = `CPU now ${last.toFixed(1)} %, at most ${max.toFixed(1)} % in 15 min`;
}

async function loadSparks() {
  const now = Date.now();
  const rows = [...view.hosts.values()].flatMap((host) => [...host.rows.values()]
    .filter((row) => row.container && row.container.status !== 'ignored')
    .map((row) => ({ host, row }))).slice(0, SPARKS_MAX);
  for (const { host, row } of rows) {
    const spark = sparks.get(row.key);
    if (spark && now - spark.at < SPARK_MS) continue;
    const c = row.container;
    try {
      const answer = await api('GET', `${containerPath(host.address, c.name || c.id)}/metrics?metric=cpu&from=${now - 15 * 60e3}&to=${now}&step=${SPARK_MS}`);
      const mean = answer && Array.isArray(answer.mean) ? answer.mean : [];
      sparks.set(row.key, { values: mean.map((v) => (typeof v === 'number' ? v * 100 : null)), at: now });
    } catch (e) {
      sparks.set(row.key, { values: [], at: now }); // no history: tried again later
    }
    drawSpark(row);
  }
}

// Charts of one container (uPlot), from the controller's history:
// GET /containers/{address}/{container}/metrics, one series a request.
const RANGES = { '15m': 15 * 60e3, '1h': 3600e3, '24h': 24 * 3600e3 };
const CHARTS = [
  { key: 'cpu', title: 'CPU', unit: '%', series: [['cpu', 'CPU', 100]] },
  { key: 'memory', title: 'Memory', unit: 'MiB',
    series: [['memory', 'working set', 1 / 1048576], ['memory_limit', 'limit', 1 / 1048576]] },
  { key: 'network', title: 'Network', unit: 'KiB/s',
    series: [['net_rx', 'received', 1 / 1024], ['net_tx', 'sent', 1 / 1024]] },
  { key: 'probe', title: 'Probe', unit: '% lost · ms',
    series: [['loss', 'loss %', 1], ['rtt', 'RTT ms', 1]] },
];
const COLORS = ['#2563eb', '#b91c1c', '#15803d', '#a16207'];

const charts = { address: '', container: '', range: '15m', timer: 0, plots: new Map() };

function openCharts(address, container, range) {
  charts.address = address;
  charts.container = container;
  if (range && RANGES[range]) charts.range = range;
  history.replaceState(null, '', `#charts=${encodeURIComponent(address)}/${encodeURIComponent(container)}&range=${charts.range}`);
  const section = $('charts');
  section.hidden = false;
  setText($('charts-title'), `${container} on ${address}`);
  for (const b of section.querySelectorAll('[data-range]')) {
    b.setAttribute('aria-pressed', String(b.dataset.range === charts.range));
  }
  loadCharts();
  section.scrollIntoView({ block: 'nearest' });
}

function closeCharts() {
  clearTimeout(charts.timer);
  charts.address = '';
  for (const plot of charts.plots.values()) plot.destroy();
  charts.plots.clear();
  $('charts').hidden = true;
  history.replaceState(null, '', location.pathname);
}

async function loadCharts() {
  clearTimeout(charts.timer);
  if (!charts.address) return;
  const { address, container, range } = charts;
  const to = Date.now();
  const from = to - RANGES[range];
  const step = Math.floor(RANGES[range] / 300);
  const names = CHARTS.flatMap((c) => c.series.map(([m]) => m));
  let answers;
  try {
    answers = await Promise.all(names.map((metric) => api('GET',
      `${containerPath(address, container)}/metrics?metric=${metric}&from=${from}&to=${to}&step=${step}`)));
  } catch (e) {
    setText($('charts-note'), `No history: ${e.message}`);
    $('charts-note').hidden = false;
    charts.timer = setTimeout(loadCharts, 10000);
    return;
  }
  if (charts.address !== address || charts.container !== container || charts.range !== range) return;
  $('charts-note').hidden = true;
  const byMetric = new Map(names.map((m, i) => [m, answers[i]]));
  for (const chart of CHARTS) drawChart(chart, byMetric);
  charts.timer = setTimeout(loadCharts, 10000);
}

function drawChart(chart, byMetric) {
  const box = $(`chart-${chart.key}`);
  const first = byMetric.get(chart.series[0][0]) || {};
  const xs = (Array.isArray(first.t) ? first.t : []).map((t) => t / 1000);
  const ys = chart.series.map(([metric, , scale]) => {
    const answer = byMetric.get(metric) || {};
    const mean = Array.isArray(answer.mean) ? answer.mean : [];
    return xs.map((_, i) => (typeof mean[i] === 'number' ? mean[i] * scale : null));
  });
  box.dataset.points = String(ys[0].filter((v) => v !== null).length);
  const old = charts.plots.get(chart.key);
  if (old) old.destroy();
  const opts = {
    title: `${chart.title} (${chart.unit})`,
    width: Math.max(280, box.clientWidth || 560),
    height: 180,
    scales: { x: { time: true } },
    series: [{}, ...chart.series.map(([, label], i) => ({
      label, stroke: COLORS[i], width: 1.5, spanGaps: false,
      value: (u, v) => (v === null || v === undefined ? '—' : Number(v).toPrecision(3)),
    }))],
    axes: [{}, { size: 56 }],
  };
  charts.plots.set(chart.key, new uPlot(opts, [xs, ...ys], box));
}

// The parts that change with time alone: connection state, ages.
function renderClock() {
  const now = Date.now();
  const stale = !view.lastOk || now - view.lastOk > STALE_MS;
  const down = view.error && stale;
  const conn = $('conn');
  conn.className = `conn ${!view.lastOk && !view.error ? 'conn-wait' : down ? 'conn-down' : stale ? 'conn-wait' : 'conn-ok'}`;
  setText($('conn-text'), !view.lastOk && !view.error ? 'Connecting…'
    : down ? 'API not answering' : stale ? 'Waiting for the API…' : 'Live');
  setText($('sum-refresh'), view.lastOk ? `${fmtClock(view.lastOk)} (${fmtAgo(view.lastOk, now)})` : 'never');
  $('sum-refresh').parentElement.className = stale && view.lastOk ? 'bad' : '';
  document.body.classList.toggle('stale', Boolean(view.lastOk) && stale);
  const banner = $('banner');
  if (down) {
    const since = view.lastOk
      ? `The data below is from ${fmtClock(view.lastOk)} (${fmtAgo(view.lastOk, now)}) and may be out of date.`
      : 'No data yet.';
    setText(banner, `GET /containers failed: ${view.error.message}${view.error.status ? ` (HTTP ${view.error.status})` : ''}. ${since} Retrying every second…`);
    banner.hidden = false;
    if (!view.data) setText($('empty'), 'No data: the API is not answering.');
  } else {
    banner.hidden = true;
  }
}

// Polling.

async function poll(now = false) {
  if (now) {
    clearTimeout(view.timer);
    view.timer = 0;
  }
  if (view.polling) {
    view.again = true;
    return;
  }
  view.polling = true;
  try {
    const data = await api('GET', '/containers');
    if (!data || !Array.isArray(data.hosts)) throw new ApiError(200, 'the answer has no "hosts" list');
    view.data = data;
    view.lastOk = Date.now();
    view.error = null;
    render();
    try {
      const alerts = await api('GET', '/alerts');
      view.alerts = alerts && Array.isArray(alerts.alerts) ? alerts.alerts : null;
    } catch (e) {
      view.alerts = null;
    }
    if (Date.now() - view.timelineAt > 10000) {
      view.timelineAt = Date.now();
      try {
        view.security = await api('GET', '/security');
      } catch (e) {
        view.security = null;
      }
      renderSecurity();
      try {
        const forecasts = await api('GET', '/forecasts?within=3600');
        view.forecasts = forecasts && Array.isArray(forecasts.containers) ? forecasts.containers : [];
      } catch (e) {
        view.forecasts = [];
      }
      renderForecasts();
      try {
        const history = await api('GET', '/events?limit=30');
        view.timeline = history && Array.isArray(history.events) ? history.events : [];
      } catch (e) {
        view.timeline = []; // no history kept (501)
      }
    }
    renderAlerts();
  } catch (e) {
    view.error = e;
    renderClock();
  } finally {
    view.polling = false;
    clearTimeout(view.timer);
    view.timer = setTimeout(poll, view.again ? 0 : POLL_MS);
    view.again = false;
  }
}

async function loadConfig() {
  try {
    view.config = await api('GET', '/config');
  } catch {
    view.config = null;
  }
  const ms = view.config && view.config.aggregation_ms;
  setText($('sum-aggregation'), typeof ms === 'number' ? `${ms} ms` : '–');
  if (typeof ms === 'number') $('aggregation').placeholder = String(ms);
}

// Forms.

function renderToken() {
  const set = Boolean(token());
  setText($('token-state'), set ? 'A token is set for this tab (sessionStorage) and sent with every request.'
    : 'No token set: needed only if the controller has one (--token-file).');
  $('token').placeholder = set ? '•••• saved' : 'bearer token';
  $('form-token').classList.toggle('has-token', set);
}

function setup() {
  $('form-add').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('add-address');
    const keyInput = $('add-key');
    const address = input.value.trim();
    const key = keyInput.value.trim();
    if (!address) return;
    const body = key ? { public_key: key } : undefined;
    const ok = await act(event.submitter, `Adding ${address}`,
      () => api('PUT', hostPath(address), body),
      `${address} added: it shows as online once its manager is heard.`);
    if (ok) {
      input.value = '';
      keyInput.value = '';
    }
  });

  $('form-threshold-all').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('threshold-all');
    const threshold = Number(input.value);
    const ok = await act(event.submitter, 'Setting the threshold of every host',
      () => api('POST', '/containers', { threshold }).catch((e) => {
        // Some hosts may have taken it: say which did not.
        const outcomes = e.body && Array.isArray(e.body.hosts) ? e.body.hosts : null;
        if (!outcomes) throw e;
        const failures = outcomes.filter((h) => h && h.error);
        const list = failures.map((h) => `${h.address}: ${h.error.message}`).join('; ');
        throw new ApiError(e.status, `set on ${outcomes.length - failures.length} of ${outcomes.length} hosts; not on ${list}`, e.body);
      }),
      (r) => {
        const n = r && Array.isArray(r.hosts) ? r.hosts.length : 0;
        return n ? `Threshold set to ${threshold} % on ${n} host${n > 1 ? 's' : ''}.` : 'No host is followed: nothing to set.';
      });
    if (ok) input.value = '';
  });

  $('form-aggregation').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('aggregation');
    const aggregation_ms = Number(input.value);
    const ok = await act(event.submitter, 'Changing the aggregation window',
      () => api('PUT', '/config', { aggregation_ms }),
      (r) => `Aggregation window set to ${r && typeof r.aggregation_ms === 'number' ? r.aggregation_ms : aggregation_ms} ms.`);
    if (ok) input.value = '';
    loadConfig();
  });

  $('form-token').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('token').value.trim();
    try {
      if (value) sessionStorage.setItem(TOKEN_KEY, value);
    } catch {
      notify('error', 'This browser does not allow sessionStorage: the token cannot be kept.');
    }
    $('token').value = '';
    renderToken();
    if (value) notify('ok', 'Token saved for this tab.');
  });
  $('token-clear').addEventListener('click', () => {
    try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing kept */ }
    $('token').value = '';
    renderToken();
    notify('ok', 'Token forgotten.');
  });

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) poll(true);
  });

  for (const b of $('charts').querySelectorAll('[data-range]')) {
    b.addEventListener('click', () => openCharts(charts.address, charts.container, b.dataset.range));
  }
  $('charts-close').addEventListener('click', closeCharts);
  // A link to a container's charts: #charts=ADDRESS/CONTAINER&range=1h
  const link = /^#charts=([^/&]+)\/([^&]+)(?:&range=(\w+))?$/.exec(location.hash);
  if (link) openCharts(decodeURIComponent(link[1]), decodeURIComponent(link[2]), link[3]);

  renderToken();
  poll();
  setTimeout(loadSparks, 2000);
  setInterval(loadSparks, SPARK_MS);
  loadConfig();
  setInterval(loadConfig, CONFIG_MS);
  setInterval(() => (view.data ? render() : renderClock()), 1000);
}

setup();
