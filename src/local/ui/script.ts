/**
 * The viewer's script (inlined into the page by page.ts): plain ES2020 for the browser, no dependencies, no build
 * step. Hash routes: #/traces (the live list, with a filter expression), #/trace/<id> (the waterfall and the selected
 * entity's details), #/map (the service map). It reads the JSON API of src/local/server.ts.
 *
 * Every piece of data reaches the DOM through textContent or setAttribute (the h() and s() helpers), never as markup.
 *
 * Written inside String.raw so that its escapes (`\n`, `\u0000`) reach the browser as written. It must contain no
 * backtick and no dollar-brace: string concatenation only. Only ASCII, other characters as `\u2026` escapes inside
 * quotes: the bundle stays ASCII, which the preload decodes without UTF-8 (load-bundle.js).
 */
export const VIEWER_SCRIPT = String.raw`
'use strict';
(() => {
  const POLL_MS = 2000;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const STATUSES = ['ok', 'error', 'throttle', 'fault'];

  // ---------------------------------------------------------------- DOM helpers

  /** An HTML element: props are attributes (text: its text, on<event>: listeners, style: an object), then children. */
  function h(tag, props, ...children) {
    return build(document.createElement(tag), props, children);
  }

  /** An SVG element, the same way. */
  function s(tag, props, ...children) {
    return build(document.createElementNS(SVG_NS, tag), props, children);
  }

  function build(node, props, children) {
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'style') Object.assign(node.style, value);
      else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    appendAll(node, children);
    return node;
  }

  function appendAll(node, children) {
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      if (Array.isArray(child)) appendAll(node, child);
      else node.append(child instanceof Node ? child : String(child)); // a string becomes a text node
    }
  }

  /** Replaces a node's children (arrays flattened, null and undefined left out). */
  function fill(node, ...children) {
    node.replaceChildren();
    appendAll(node, children);
    return node;
  }

  const byId = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- formatting

  const pad = (n, width) => String(n).padStart(width || 2, '0');
  const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

  /** Epoch seconds as local time with milliseconds; the date too when it is not today. */
  function formatTime(seconds) {
    if (!isNumber(seconds)) return '';
    const d = new Date(Math.round(seconds * 1000));
    const time = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
    if (d.toDateString() === new Date().toDateString()) return time;
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + time;
  }

  function isoTime(seconds) {
    return isNumber(seconds) ? new Date(Math.round(seconds * 1000)).toISOString() : '';
  }

  /** A duration in milliseconds: "0.42 ms", "12.3 ms", "1.25 s". */
  function formatMs(ms) {
    if (!isNumber(ms)) return '\u2026';
    if (ms < 1000) return (ms < 10 ? ms.toFixed(2) : ms.toFixed(1)) + ' ms';
    return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
  }

  const formatSeconds = (seconds) => (isNumber(seconds) ? formatMs(seconds * 1000) : '\u2026');

  /** The colour of an entity (or a trace's root): its flags, as the X-Ray console reads them. */
  function statusOf(flags) {
    if (!flags) return 'ok';
    if (flags.fault === true) return 'fault';
    if (flags.throttle === true) return 'throttle';
    if (flags.error === true) return 'error';
    return 'ok';
  }

  function badges(flags, inProgress) {
    const out = [];
    for (const flag of ['fault', 'error', 'throttle']) if (flags && flags[flag] === true) out.push(h('span', { class: 'badge ' + flag, text: flag }));
    if (inProgress) out.push(h('span', { class: 'badge pending', text: 'in progress' }));
    return out;
  }

  function scalarText(value) {
    if (typeof value === 'string') return value;
    if (value === undefined) return '';
    return JSON.stringify(value);
  }

  // ---------------------------------------------------------------- the API

  /** GET a JSON path: { status, body } (body undefined when it is not JSON). Rejects when the server is unreachable. */
  async function getJson(path) {
    const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
    let body;
    try {
      body = await res.json();
    } catch (err) {
      body = undefined;
    }
    return { status: res.status, ok: res.ok, body };
  }

  const problemText = (res) => 'HTTP ' + res.status + (res.body && typeof res.body.error === 'string' ? ': ' + res.body.error : '');

  // ---------------------------------------------------------------- state and routing

  const state = {
    view: '',
    /** The filter of the list: the one last applied (not what is being typed). */
    filter: '',
    filterInvalid: false,
    listSeq: 0,
    /** Rows of the list by trace id, kept between refreshes: { row, signature }. */
    rows: new Map(),
    traceId: '',
    traceSeq: 0,
    traceText: '',
    trace: null,
    selected: '',
    mapSeq: 0,
    mapText: '',
    timer: 0,
  };

  function parseRoute() {
    const hash = location.hash || '#/traces';
    const match = /^#\/trace\/([^?#]+)/.exec(hash);
    if (match) {
      let id = match[1];
      try {
        id = decodeURIComponent(id);
      } catch (err) {
        // a malformed escape: the text as it is
      }
      return { view: 'trace', id };
    }
    if (/^#\/map(\?|$)/.test(hash)) return { view: 'map' };
    const query = hash.indexOf('?') >= 0 ? new URLSearchParams(hash.slice(hash.indexOf('?') + 1)) : new URLSearchParams();
    return { view: 'traces', filter: query.get('filter') || '' };
  }

  function tracesHref() {
    return '#/traces' + (state.filter ? '?filter=' + encodeURIComponent(state.filter) : '');
  }

  function route() {
    const r = parseRoute();
    state.view = r.view;
    document.body.dataset.view = r.view;
    for (const name of ['traces', 'trace', 'map']) byId('view-' + name).hidden = name !== r.view;
    for (const link of document.querySelectorAll('nav a[data-nav]')) {
      const current = link.dataset.nav === (r.view === 'map' ? 'map' : 'traces');
      if (current) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    if (r.view === 'traces') {
      document.title = 'Traces \u00b7 otel-xray local';
      if (r.filter !== state.filter) {
        state.filter = r.filter;
        byId('filter').value = r.filter;
        state.filterInvalid = false;
      }
      updateTracesLinks();
    } else if (r.view === 'trace') {
      document.title = 'Trace ' + r.id + ' \u00b7 otel-xray local';
      if (r.id !== state.traceId) {
        state.traceId = r.id;
        state.traceText = '';
        state.trace = null;
        state.selected = '';
        clearTrace();
      }
    } else {
      document.title = 'Service map \u00b7 otel-xray local';
    }
    refresh();
  }

  function updateTracesLinks() {
    const href = tracesHref();
    byId('nav-traces').setAttribute('href', href);
    byId('back-to-traces').setAttribute('href', href);
  }

  /** Loads what the current view shows, and the stats; again every POLL_MS. */
  function refresh() {
    clearTimeout(state.timer);
    const work = [loadStats()];
    if (state.view === 'traces' && !state.filterInvalid) work.push(loadTraces());
    if (state.view === 'trace') work.push(loadTrace());
    if (state.view === 'map') work.push(loadMap());
    Promise.allSettled(work).then(() => {
      clearTimeout(state.timer);
      state.timer = setTimeout(refresh, POLL_MS);
    });
  }

  // ---------------------------------------------------------------- stats (the header line)

  async function loadStats() {
    const line = byId('stats');
    let res;
    try {
      res = await getJson('/api/stats');
    } catch (err) {
      line.className = 'stats offline';
      line.textContent = 'the viewer is not reachable (is otel-xray local still running?)';
      return;
    }
    const stats = res.body;
    if (!res.ok || !isObject(stats)) {
      line.className = 'stats offline';
      line.textContent = 'stats: ' + problemText(res);
      return;
    }
    line.className = 'stats';
    const parts = [h('span', { 'data-stat': 'received', text: 'received ' + (stats.received || 0) }), ' \u00b7 ',
      h('span', { 'data-stat': 'accepted', text: 'accepted ' + (stats.accepted || 0) })];
    const rejected = isObject(stats.rejected) ? Object.entries(stats.rejected).filter(([, n]) => isNumber(n) && n > 0) : [];
    if (rejected.length > 0) {
      const total = rejected.reduce((sum, [, n]) => sum + n, 0);
      parts.push(' \u00b7 ', h('span', { class: 'rejected', 'data-stat': 'rejected',
        text: 'rejected ' + total + ' (' + rejected.map(([reason, n]) => reason + ' ' + n).join(', ') + ')' }));
    }
    if (isNumber(stats.dropped) && stats.dropped > 0) {
      parts.push(' \u00b7 ', h('span', { class: 'rejected', 'data-stat': 'dropped', text: 'dropped ' + stats.dropped,
        title: 'datagrams the system discarded before the daemon read them: its receive buffer was full' }));
    }
    fill(line, ...parts);
    line.title = 'datagrams the daemon received since it started';
  }

  // ---------------------------------------------------------------- #/traces

  /** One trace of GET /api/traces, as the list shows it. */
  function summaryOf(t) {
    const http = isObject(t.http) ? t.http : {};
    const request = isObject(http.request) ? http.request : {};
    const response = isObject(http.response) ? http.response : {};
    return {
      id: String(t.id),
      name: typeof t.name === 'string' ? t.name : '',
      start: isNumber(t.start_time) ? t.start_time : undefined,
      duration: isNumber(t.duration) ? t.duration : undefined,
      method: typeof request.method === 'string' ? request.method : '',
      url: typeof request.url === 'string' ? request.url : '',
      status: isNumber(response.status) ? response.status : undefined,
      fault: t.fault === true,
      error: t.error === true,
      throttle: t.throttle === true,
      annotations: isObject(t.annotations) ? t.annotations : {},
    };
  }

  async function loadTraces() {
    const seq = ++state.listSeq;
    const filter = state.filter;
    const path = '/api/traces?' + (filter ? 'filter=' + encodeURIComponent(filter) + '&' : '') + 'limit=100';
    const table = byId('traces-table');
    let res;
    try {
      res = await getJson(path);
    } catch (err) {
      if (seq === state.listSeq) showListProblem('Cannot reach the viewer: ' + err.message);
      return;
    }
    // A newer request (another filter, or a later refresh) has the say.
    if (seq !== state.listSeq || filter !== state.filter) return;
    if (res.status === 400 && res.body && typeof res.body.error === 'string') {
      state.filterInvalid = true;
      showFilterError(filter, res.body.error, res.body.position);
      renderRows([]);
      table.dataset.state = 'invalid';
      table.dataset.filter = filter;
      byId('list-status').textContent = '';
      return;
    }
    if (!res.ok || !isObject(res.body) || !Array.isArray(res.body.traces)) {
      showListProblem('The trace list did not load: ' + problemText(res));
      return;
    }
    hideFilterError();
    showListProblem('');
    const traces = res.body.traces.filter(isObject).map(summaryOf);
    traces.sort((a, b) => (b.start || 0) - (a.start || 0));
    renderRows(traces);
    table.dataset.state = 'ok';
    table.dataset.filter = filter;
    const count = traces.length + (traces.length === 1 ? ' trace' : ' traces');
    byId('list-status').textContent = (filter ? count + ' match the filter' : count) + (traces.length >= 100 ? ' (the newest 100 shown)' : '');
    byId('traces-empty').hidden = traces.length > 0;
    byId('traces-empty').textContent = filter ? 'No trace matches this filter.' :
      'No traces yet. Run your app with node --require otel-xray/register and AWS_XRAY_DAEMON_ADDRESS set to this daemon\u2019s address.';
  }

  function showListProblem(text) {
    const el = byId('list-problem');
    el.textContent = text;
    el.hidden = text === '';
  }

  /** Applies what is in the filter box (Enter or Apply). */
  function applyFilter(event) {
    if (event) event.preventDefault();
    state.filter = byId('filter').value.trim();
    state.filterInvalid = false;
    history.replaceState(null, '', tracesHref());
    updateTracesLinks();
    hideFilterError();
    byId('traces-table').dataset.state = 'loading';
    refresh();
  }

  /** The message, and the expression with the bad part marked and a caret under its first character. */
  function showFilterError(expression, message, position) {
    const box = byId('filter-error');
    const pos = Number.isInteger(position) ? Math.max(0, Math.min(position, expression.length)) : -1;
    box.dataset.position = String(pos);
    byId('filter').classList.add('invalid');
    const lines = [];
    if (pos >= 0) {
      // The bad part: from the position to the end of that word (one character at least; a space past the end).
      let end = pos + 1;
      while (end < expression.length && !/\s/.test(expression[end]) && /\w/.test(expression[pos] || '')) end++;
      const shown = expression.replace(/\t/g, ' ');
      lines.push(h('span', { class: 'expression' }, shown.slice(0, pos), h('mark', { text: shown.slice(pos, end) || ' ' }), shown.slice(end)));
      lines.push('\n', h('span', { class: 'caret', text: ' '.repeat(pos) + '^' }));
    }
    fill(box,
      h('div', { class: 'message', text: 'Invalid filter' + (pos >= 0 ? ' at position ' + pos : '') + ': ' + message }),
      pos >= 0 ? h('pre', {}, lines) : null,
    );
    box.hidden = false;
    // Enter in the box: the cursor goes where the problem is.
    const input = byId('filter');
    if (pos >= 0 && document.activeElement === input && input.value.trim() === expression) {
      const offset = input.value.indexOf(expression);
      input.setSelectionRange(offset + pos, offset + pos);
    }
  }

  function hideFilterError() {
    byId('filter-error').hidden = true;
    byId('filter').classList.remove('invalid');
  }

  /** The rows, newest first. A row whose trace did not change is kept as it is (focus, selection, hover stay). */
  function renderRows(traces) {
    const body = byId('trace-rows');
    const next = new Map();
    const ordered = [];
    for (const t of traces) {
      const signature = JSON.stringify(t);
      const kept = state.rows.get(t.id);
      const row = kept && kept.signature === signature ? kept.row : traceRow(t);
      next.set(t.id, { row, signature });
      ordered.push(row);
    }
    for (const [id, { row }] of state.rows) if (!next.has(id) || next.get(id).row !== row) row.remove();
    ordered.forEach((row, i) => {
      if (body.children[i] !== row) body.insertBefore(row, body.children[i] || null);
    });
    state.rows = next;
  }

  function traceRow(t) {
    const href = '#/trace/' + encodeURIComponent(t.id);
    const status = statusOf(t);
    const chips = Object.entries(t.annotations).map(([key, value]) => {
      const text = key + '=' + (Array.isArray(value) ? value.map(scalarText).join('|') : scalarText(value));
      return h('span', { class: 'chip', title: text, text });
    });
    const row = h('tr', { class: 'trace-row status-' + status, 'data-trace-id': t.id, 'data-status': status },
      h('td', { class: 'time', title: isoTime(t.start) }, h('a', { href, text: formatTime(t.start) || '\u2014' })),
      h('td', { class: 'name' }, h('a', { href, title: 'trace ' + t.id, text: t.name || '(no root segment yet)' })),
      h('td', { class: 'num duration', text: formatSeconds(t.duration) }),
      h('td', { class: 'method', text: t.method }),
      h('td', { class: 'url', title: t.url, text: t.url }),
      h('td', { class: 'num http-status', text: t.status === undefined ? '' : t.status }),
      h('td', { class: 'flags' }, badges(t)),
      h('td', { class: 'annotations' }, chips));
    row.addEventListener('click', (event) => {
      if (event.target.closest('a')) return; // the link navigates by itself
      if (String(window.getSelection() || '') !== '') return; // selecting text is not a click
      location.hash = href;
    });
    return row;
  }

  // ---------------------------------------------------------------- #/trace/<id>

  function clearTrace() {
    byId('trace-title').textContent = state.traceId;
    byId('trace-summary').textContent = 'loading\u2026';
    byId('trace-problem').hidden = true;
    fill(byId('timeline-rows'));
    fill(byId('timeline-axis'));
    fill(byId('details'), h('p', { class: 'muted', text: 'Select a row to see its details.' }));
  }

  async function loadTrace() {
    const seq = ++state.traceSeq;
    const id = state.traceId;
    let res;
    try {
      res = await getJson('/api/traces/' + encodeURIComponent(id));
    } catch (err) {
      if (seq === state.traceSeq) showTraceProblem('Cannot reach the viewer: ' + err.message);
      return;
    }
    if (seq !== state.traceSeq || id !== state.traceId || state.view !== 'trace') return;
    if (res.status === 404) {
      showTraceProblem('No trace ' + id + ' here (never received, or dropped to keep the newest traces).');
      return;
    }
    if (!res.ok || !isObject(res.body) || !Array.isArray(res.body.entities)) {
      showTraceProblem('The trace did not load: ' + problemText(res));
      return;
    }
    byId('trace-problem').hidden = true;
    const text = JSON.stringify(res.body);
    if (text === state.traceText) return; // nothing new arrived
    state.traceText = text;
    renderTrace(res.body);
  }

  function showTraceProblem(text) {
    const el = byId('trace-problem');
    el.textContent = text;
    el.hidden = false;
    byId('trace-summary').textContent = '';
  }

  /** The raw JSON of every entity in the documents by id: the segments, and the subsegments embedded in them. */
  function rawEntities(documents) {
    const byEntity = new Map();
    const walk = (entity) => {
      if (!isObject(entity)) return;
      if (typeof entity.id === 'string') {
        const known = byEntity.get(entity.id);
        if (!known || (known.in_progress === true && entity.in_progress !== true)) byEntity.set(entity.id, entity);
      }
      if (Array.isArray(entity.subsegments)) entity.subsegments.forEach(walk);
    };
    (Array.isArray(documents) ? documents : []).forEach(walk);
    return byEntity;
  }

  /** Tick marks for a span of ms: every 1, 2 or 5 times a power of ten, at most 7 steps. */
  function ticks(spanMs) {
    if (!(spanMs > 0)) return { values: [0], step: 1 };
    const power = Math.pow(10, Math.floor(Math.log10(spanMs / 5)));
    const step = [1, 2, 5, 10].map((m) => m * power).find((m) => spanMs / m <= 7) || power * 10;
    const values = [];
    for (let i = 0; i * step <= spanMs * 1.0001; i++) values.push(i * step);
    return { values, step };
  }

  /** A tick's label, with as many decimals as the step needs: "0", "10 ms", "0.5 ms", "2 s". */
  function tickLabel(ms, step) {
    if (ms === 0) return '0';
    const decimals = (unit) => Math.max(0, -Math.floor(Math.log10(step / unit) + 1e-9));
    return step >= 1000 ? (ms / 1000).toFixed(decimals(1000)) + ' s' : ms.toFixed(decimals(1)) + ' ms';
  }

  function renderTrace(trace) {
    const raws = rawEntities(trace.documents);
    const entities = trace.entities.filter(isObject).map((e) => ({
      id: String(e.id),
      parent_id: e.parent_id,
      name: typeof e.name === 'string' ? e.name : '',
      namespace: typeof e.namespace === 'string' ? e.namespace : '',
      start: isNumber(e.start_time) ? e.start_time : undefined,
      end: isNumber(e.end_time) ? e.end_time : undefined,
      kind: e.kind === 'segment' ? 'segment' : 'subsegment',
      service: typeof e.service === 'string' ? e.service : '',
      depth: isNumber(e.depth) ? e.depth : 0,
      raw: raws.get(String(e.id)) || {},
    }));
    state.trace = { id: trace.id, entities };

    let start = Infinity;
    let end = -Infinity;
    for (const e of entities) {
      if (e.start !== undefined) start = Math.min(start, e.start);
      const last = e.end !== undefined ? e.end : e.start;
      if (last !== undefined) end = Math.max(end, last);
    }
    if (!Number.isFinite(start)) start = end = 0;
    const span = Math.max(end - start, 1e-6);
    state.trace.start = start;

    // The summary line: the root segment's request, the whole trace's time.
    const root = entities.find((e) => e.kind === 'segment') || entities[0];
    const rootHttp = root && isObject(root.raw.http) ? root.raw.http : {};
    const request = isObject(rootHttp.request) ? rootHttp.request : {};
    const response = isObject(rootHttp.response) ? rootHttp.response : {};
    const services = new Set(entities.filter((e) => e.kind === 'segment').map((e) => e.service));
    byId('trace-title').textContent = trace.id;
    fill(byId('trace-summary'),
      [root ? root.name : '', request.method, request.url, isNumber(response.status) ? '\u2192 ' + response.status : '']
        .filter(Boolean).join(' ') +
      ' \u00b7 ' + formatMs((end - start) * 1000) + ' \u00b7 started ' + formatTime(start) +
      ' \u00b7 ' + services.size + (services.size === 1 ? ' service' : ' services') +
      ' \u00b7 ' + entities.length + (entities.length === 1 ? ' entity' : ' entities'),
      ' ', root ? badges(root.raw) : null);

    // The time axis.
    const spanMs = span * 1000;
    const axis = ticks(spanMs);
    const at = (ms) => (ms / spanMs) * 100 + '%';
    // Labels start at their line; none in the last tenth, where they would run out of the column.
    fill(byId('timeline-axis'), axis.values.filter((ms) => ms / spanMs <= 0.9)
      .map((ms) => h('span', { class: 'tick', style: { left: at(ms) }, text: tickLabel(ms, axis.step) })));
    const gridLines = () => axis.values.slice(1).map((ms) => h('span', { class: 'grid', style: { left: at(ms) } }));

    const rows = entities.map((e) => {
      const status = statusOf(e.raw);
      const inProgress = e.end === undefined;
      const from = e.start === undefined ? 0 : e.start - start;
      const to = (inProgress ? end : e.end) - start;
      const left = (from / span) * 100;
      const width = Math.max(((to - from) / span) * 100, 0);
      const http = isObject(e.raw.http) ? e.raw.http : {};
      const code = isObject(http.response) && isNumber(http.response.status) ? http.response.status : '';
      const duration = inProgress ? 'in progress' : formatSeconds(e.end - e.start);
      const row = h('div', {
        class: 'timeline-row ' + e.kind + ' status-' + status + (inProgress ? ' in-progress' : ''),
        role: 'row', tabindex: '-1', 'aria-selected': 'false',
        'data-entity-id': e.id, 'data-kind': e.kind, 'data-depth': e.depth, 'data-status': status,
        title: e.name + ' (' + e.kind + ' ' + e.id + ')',
      },
        h('div', { class: 'service', text: e.service }),
        h('div', { class: 'name', style: { paddingLeft: 8 + e.depth * 16 + 'px' } },
          e.depth > 0 ? h('span', { class: 'twig', text: '\u2514' }) : null, e.name),
        h('div', { class: 'namespace muted', text: e.namespace }),
        h('div', { class: 'num http-status status-' + status, text: code }),
        h('div', { class: 'num offset', text: '+' + formatSeconds(from) }),
        h('div', { class: 'num duration', text: duration }),
        h('div', { class: 'track' }, gridLines(), h('div', { class: 'bar', style: { left: left + '%', width: width + '%' },
          title: '+' + formatSeconds(from) + ', ' + duration })));
      row.addEventListener('click', () => select(e.id, false));
      return row;
    });
    fill(byId('timeline-rows'), ...rows);
    byId('waterfall').dataset.entities = String(entities.length);

    const keep = entities.some((e) => e.id === state.selected) ? state.selected : (root ? root.id : '');
    if (keep) select(keep, false);
  }

  function select(entityId, focus) {
    if (!state.trace) return;
    const entity = state.trace.entities.find((e) => e.id === entityId);
    if (!entity) return;
    state.selected = entityId;
    for (const row of byId('timeline-rows').children) {
      const on = row.dataset.entityId === entityId;
      row.classList.toggle('selected', on);
      row.setAttribute('aria-selected', String(on));
      row.tabIndex = on ? 0 : -1;
      if (on && focus) {
        row.focus();
        row.scrollIntoView({ block: 'nearest' });
      }
    }
    renderDetails(entity);
  }

  /** Up and down arrows move the selection through the rows. */
  function onTimelineKey(event) {
    if (!state.trace || !['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) return;
    const ids = state.trace.entities.map((e) => e.id);
    const at = ids.indexOf(state.selected);
    let next = at;
    if (event.key === 'ArrowDown') next = Math.min(ids.length - 1, at + 1);
    if (event.key === 'ArrowUp') next = Math.max(0, at - 1);
    if (event.key === 'Home') next = 0;
    if (event.key === 'End') next = ids.length - 1;
    event.preventDefault();
    if (next >= 0) select(ids[next], true);
  }

  /** Nested objects as dotted keys: { request: { method } } is request.method. Arrays stay whole. */
  function flatten(value, prefix, out) {
    for (const [key, inner] of Object.entries(value)) {
      const name = prefix ? prefix + '.' + key : key;
      if (isObject(inner) && Object.keys(inner).length > 0) flatten(inner, name, out);
      else out.push([name, inner]);
    }
    return out;
  }

  function kvTable(value) {
    const rows = flatten(value, '', []).map(([key, inner]) => h('tr', {},
      h('th', { text: key }),
      h('td', {}, typeof inner === 'string' ? inner : isObject(inner) || Array.isArray(inner)
        ? h('pre', { text: JSON.stringify(inner, null, 2) }) : String(inner))));
    return h('table', { class: 'kv' }, h('tbody', {}, rows));
  }

  function section(name, title, wide, ...content) {
    return h('section', { class: 'detail-section' + (wide ? ' wide' : ''), 'data-section': name }, h('h4', { text: title }), content);
  }

  function causeView(cause) {
    if (typeof cause === 'string') {
      return h('p', { text: 'Exception ' + cause + ', recorded in full on another entity of the trace.' });
    }
    if (!isObject(cause)) return h('pre', { text: JSON.stringify(cause, null, 2) });
    const parts = [];
    if (typeof cause.working_directory === 'string') parts.push(h('p', { class: 'muted' }, 'working directory ', h('code', { text: cause.working_directory })));
    for (const ex of Array.isArray(cause.exceptions) ? cause.exceptions.filter(isObject) : []) {
      const frames = Array.isArray(ex.stack) ? ex.stack.filter(isObject) : [];
      const more = [];
      if (isNumber(ex.truncated) && ex.truncated > 0) more.push(ex.truncated + ' more frames not recorded');
      if (isNumber(ex.skipped) && ex.skipped > 0) more.push(ex.skipped + ' frames skipped');
      parts.push(h('div', { class: 'exception', 'data-exception-id': typeof ex.id === 'string' ? ex.id : null },
        h('div', { class: 'exception-head' },
          h('span', { class: 'type', text: typeof ex.type === 'string' ? ex.type : 'Exception' }),
          typeof ex.message === 'string' ? h('span', { class: 'message', text: ': ' + ex.message }) : null,
          ex.remote === true ? h('span', { class: 'badge plain', style: { marginLeft: '6px' }, text: 'remote' }) : null),
        typeof ex.cause === 'string' ? h('div', { class: 'muted', text: 'caused by exception ' + ex.cause }) : null,
        frames.length > 0 ? h('ol', { class: 'stack' }, frames.map((f) => h('li', { class: 'frame' },
          h('code', { text: (typeof f.path === 'string' ? f.path : '?') + (f.line !== undefined ? ':' + f.line : '') }),
          typeof f.label === 'string' ? h('span', { class: 'label', text: f.label }) : null))) : null,
        more.length > 0 ? h('div', { class: 'muted', text: more.join(', ') }) : null));
    }
    const rest = Object.fromEntries(Object.entries(cause).filter(([key]) => !['exceptions', 'working_directory'].includes(key)));
    if (Object.keys(rest).length > 0) parts.push(kvTable(rest));
    return h('div', {}, parts);
  }

  function renderDetails(e) {
    const raw = e.raw;
    const inProgress = e.end === undefined;
    const overview = {
      kind: e.kind,
      id: e.id,
      parent: typeof e.parent_id === 'string' ? e.parent_id : '',
      service: e.service,
      namespace: e.namespace,
      origin: typeof raw.origin === 'string' ? raw.origin : '',
      user: typeof raw.user === 'string' ? raw.user : '',
      start: formatTime(e.start) + '  (+' + formatSeconds(e.start - state.trace.start) + ' into the trace)',
      duration: inProgress ? 'in progress' : formatSeconds(e.end - e.start),
    };
    const sections = [section('overview', 'Overview', false,
      kvTable(Object.fromEntries(Object.entries(overview).filter(([, v]) => v !== ''))))];
    if (isObject(raw.http)) sections.push(section('http', 'HTTP', false, kvTable(raw.http)));
    if (isObject(raw.sql)) sections.push(section('sql', 'SQL', false, kvTable(raw.sql)));
    if (isObject(raw.aws)) sections.push(section('aws', 'AWS', false, kvTable(raw.aws)));
    if (isObject(raw.annotations) && Object.keys(raw.annotations).length > 0) {
      sections.push(section('annotations', 'Annotations', false, kvTable(raw.annotations)));
    }
    if (isObject(raw.metadata) && Object.keys(raw.metadata).length > 0) {
      sections.push(section('metadata', 'Metadata', false, Object.entries(raw.metadata).map(([namespace, values]) =>
        h('div', { class: 'metadata-namespace', 'data-namespace': namespace },
          h('div', { class: 'muted', text: namespace }),
          isObject(values) ? kvTable(values) : h('pre', { text: JSON.stringify(values, null, 2) })))));
    }
    if (raw.cause !== undefined) sections.push(section('cause', 'Cause', true, causeView(raw.cause)));
    sections.push(section('raw', 'Raw JSON' + (e.kind === 'segment' ? ' (the document as received)' : ''), true,
      h('pre', { class: 'json', text: JSON.stringify(raw, null, 2) })));
    fill(byId('details'),
      h('div', { class: 'details-head' }, h('h3', { text: e.name }), h('span', { class: 'muted', text: e.kind + ' ' + e.id }),
        badges(raw, inProgress)),
      h('div', { class: 'detail-sections' }, sections));
    byId('details').dataset.entityId = e.id;
  }

  // ---------------------------------------------------------------- #/map

  async function loadMap() {
    const seq = ++state.mapSeq;
    let res;
    try {
      res = await getJson('/api/service-map');
    } catch (err) {
      if (seq === state.mapSeq) showMapProblem('Cannot reach the viewer: ' + err.message);
      return;
    }
    if (seq !== state.mapSeq || state.view !== 'map') return;
    if (!res.ok || !isObject(res.body) || !Array.isArray(res.body.nodes) || !Array.isArray(res.body.edges)) {
      showMapProblem('The service map did not load: ' + problemText(res));
      return;
    }
    showMapProblem('');
    const text = JSON.stringify(res.body);
    if (text === state.mapText) return;
    state.mapText = text;
    renderMap(res.body);
  }

  function showMapProblem(text) {
    byId('map-problem').textContent = text;
    byId('map-problem').hidden = text === '';
  }

  /** Counts as the ring shows them: faults, throttles, the other errors, the rest ok (a 429 is error and throttle). */
  function shares(stats) {
    const n = (v) => (isNumber(v) && v > 0 ? v : 0);
    const fault = n(stats.faults);
    const throttle = n(stats.throttles);
    const error = Math.max(0, n(stats.errors) - throttle);
    const ok = Math.max(0, n(stats.requests) - fault - throttle - error);
    return { ok, error, throttle, fault };
  }

  function worst(counts) {
    return counts.fault > 0 ? 'fault' : counts.throttle > 0 ? 'throttle' : counts.error > 0 ? 'error' : 'ok';
  }

  /**
   * A layered layout: each node's layer is its longest path from a node nothing calls (callers left of callees),
   * after setting aside the edges that close a cycle; within a layer, nodes near their callers' rows.
   */
  function layout(nodes, edges) {
    const names = nodes.map((n) => n.name);
    const out = new Map(names.map((n) => [n, []]));
    const incoming = new Map(names.map((n) => [n, 0]));
    for (const e of edges) {
      if (e.source === e.target) continue;
      out.get(e.source).push(e.target);
      incoming.set(e.target, incoming.get(e.target) + 1);
    }
    // Depth-first from the nodes nothing calls, then from any left: an edge back to a node on the path closes a cycle.
    const colour = new Map();
    const back = new Set();
    const visit = (n) => {
      colour.set(n, 'open');
      for (const m of out.get(n)) {
        if (colour.get(m) === 'open') back.add(n + '\n' + m);
        else if (!colour.has(m)) visit(m);
      }
      colour.set(n, 'done');
    };
    for (const n of names) if (incoming.get(n) === 0 && !colour.has(n)) visit(n);
    // What is left is in cycles: enter each from the node that calls most for how much it is called, then the busiest.
    const requests = new Map(nodes.map((n) => [n.name, isNumber(n.requests) ? n.requests : 0]));
    const entry = (n) => incoming.get(n) - out.get(n).length;
    const rest = names.filter((n) => !colour.has(n))
      .sort((a, b) => entry(a) - entry(b) || requests.get(b) - requests.get(a) || (a < b ? -1 : a > b ? 1 : 0));
    for (const n of rest) if (!colour.has(n)) visit(n);
    const callers = new Map(names.map((n) => [n, []]));
    for (const e of edges) if (e.source !== e.target && !back.has(e.source + '\n' + e.target)) callers.get(e.target).push(e.source);
    const layer = new Map();
    const layerOf = (n) => {
      if (layer.has(n)) return layer.get(n);
      layer.set(n, 0); // guards against what is left of a cycle
      const d = callers.get(n).reduce((max, c) => Math.max(max, layerOf(c) + 1), 0);
      layer.set(n, d);
      return d;
    };
    names.forEach(layerOf);
    const layers = [];
    for (const n of names) (layers[layer.get(n)] = layers[layer.get(n)] || []).push(n);
    // Heights, in rows: the first layer one under the other; each later node at the mean height of its callers,
    // then moved apart where they would overlap, the layer kept centred on where its nodes wanted to be.
    const y = new Map();
    const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
    layers.forEach((members, i) => {
      const wanted = new Map(members.map((n) => {
        const ys = callers.get(n).map((c) => y.get(c)).filter((v) => v !== undefined);
        return [n, i === 0 || ys.length === 0 ? 0 : ys.reduce((a, b) => a + b, 0) / ys.length];
      }));
      if (i > 0) members.sort((a, b) => wanted.get(a) - wanted.get(b) || byName(a, b));
      let previous = -Infinity;
      for (const n of members) {
        const at = i === 0 ? (previous === -Infinity ? 0 : previous + 1) : Math.max(wanted.get(n), previous + 1);
        y.set(n, at);
        previous = at;
      }
      if (i > 0) {
        const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
        const shift = mean(members.map((n) => wanted.get(n))) - mean(members.map((n) => y.get(n)));
        for (const n of members) y.set(n, y.get(n) + shift);
      }
    });
    const top = Math.min(...y.values());
    for (const [n, v] of y) y.set(n, v - top);
    return { layer, y, layers };
  }

  function renderMap(map) {
    const nodes = map.nodes.filter(isObject).map((n) => Object.assign({}, n, { name: String(n.name) }));
    const seen = new Set(nodes.map((n) => n.name));
    const edges = map.edges.filter(isObject).map((e) => Object.assign({}, e, { source: String(e.source), target: String(e.target) }));
    for (const e of edges) {
      for (const end of [e.source, e.target]) {
        if (!seen.has(end)) {
          seen.add(end);
          nodes.push({ name: end, type: '', requests: 0 });
        }
      }
    }
    const svg = byId('map');
    byId('map-empty').hidden = nodes.length > 0;
    byId('map-scroll').hidden = nodes.length === 0;
    if (nodes.length === 0) {
      fill(svg);
      return;
    }
    const { layer, y, layers } = layout(nodes, edges);
    const R = 34;
    const GAP_X = 250;
    const GAP_Y = 150;
    const pos = new Map(nodes.map((n) => [n.name, { x: 110 + layer.get(n.name) * GAP_X, y: 80 + y.get(n.name) * GAP_Y }]));
    const width = 220 + (layers.length - 1) * GAP_X;
    const height = 170 + Math.max(...y.values()) * GAP_Y;
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);

    const defs = s('defs', {}, STATUSES.map((status) => s('marker', {
      id: 'arrow-' + status, viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '8', markerHeight: '8', orient: 'auto-start-reverse',
    }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead arrowhead-' + status }))));

    const pairs = new Set(edges.map((e) => e.source + '\n' + e.target));
    const edgeViews = edges.map((e) => {
      const a = pos.get(e.source);
      const b = pos.get(e.target);
      const status = worst(shares(e));
      let d;
      let label;
      if (e.source === e.target) {
        d = 'M' + (a.x - 12) + ',' + (a.y - R) + ' C' + (a.x - 60) + ',' + (a.y - R - 80) + ' ' + (a.x + 60) + ',' + (a.y - R - 80) + ' ' + (a.x + 12) + ',' + (a.y - R - 2);
        label = { x: a.x, y: a.y - R - 66 };
      } else {
        const dx = b.x - a.x;
        const dy = b.y - a.y;
        const len = Math.hypot(dx, dy) || 1;
        const ux = dx / len;
        const uy = dy / len;
        const x1 = a.x + ux * (R + 5);
        const y1 = a.y + uy * (R + 5);
        const x2 = b.x - ux * (R + 7);
        const y2 = b.y - uy * (R + 7);
        // Curved when it goes back or sideways, or when the reverse edge exists too; straight otherwise.
        const curved = layer.get(e.target) <= layer.get(e.source) || pairs.has(e.target + '\n' + e.source);
        if (curved) {
          const bend = 45;
          const cx = (x1 + x2) / 2 - uy * bend;
          const cy = (y1 + y2) / 2 + ux * bend;
          d = 'M' + x1 + ',' + y1 + ' Q' + cx + ',' + cy + ' ' + x2 + ',' + y2;
          label = { x: (x1 + 2 * cx + x2) / 4, y: (y1 + 2 * cy + y2) / 4 };
        } else {
          d = 'M' + x1 + ',' + y1 + ' L' + x2 + ',' + y2;
          label = { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 6 };
        }
      }
      const text = (e.requests || 0) + ' req \u00b7 ' + formatMs(e.mean_ms);
      return s('g', { class: 'map-edge status-' + status, 'data-source': e.source, 'data-target': e.target },
        s('title', { text: e.source + ' \u2192 ' + e.target + ': ' + edgeStatsText(e) }),
        s('path', { d, 'marker-end': 'url(#arrow-' + status + ')' }),
        s('rect', { class: 'label-bg', rx: 3 }),
        s('text', { x: label.x, y: label.y, text }));
    });

    const circumference = 2 * Math.PI * R;
    const nodeViews = nodes.map((n) => {
      const { x, y } = pos.get(n.name);
      const counts = shares(n);
      const total = STATUSES.reduce((sum, k) => sum + counts[k], 0);
      const arcs = [];
      let offset = 0;
      for (const status of STATUSES) {
        if (counts[status] === 0 || total === 0) continue;
        const length = (counts[status] / total) * circumference;
        arcs.push(s('circle', {
          class: 'arc arc-' + status, r: R, 'data-count': counts[status],
          'stroke-dasharray': length + ' ' + (circumference - length), 'stroke-dashoffset': -offset,
          transform: 'rotate(-90)',
        }));
        offset += length;
      }
      const name = n.name.length > 28 ? n.name.slice(0, 27) + '\u2026' : n.name;
      const type = typeof n.type === 'string' ? n.type : '';
      const go = () => {
        location.hash = '#/traces?filter=' + encodeURIComponent('service("' + n.name.replace(/["\\]/g, '\\$&') + '")');
      };
      return s('g', {
        class: 'map-node', 'data-name': n.name, 'data-type': type, 'data-status': worst(counts), transform: 'translate(' + x + ',' + y + ')',
        tabindex: '0', role: 'link', 'aria-label': n.name + ': traces through it',
        onclick: go, onkeydown: (event) => { if (event.key === 'Enter') go(); },
      },
        s('title', { text: n.name + (type ? ' (' + type + ')' : '') + '\n' + edgeStatsText(n) + '\nclick: the traces through it' }),
        s('circle', { class: 'disc', r: R }),
        s('circle', { class: 'ring-bg', r: R }),
        arcs,
        s('text', { class: 'inside', y: -3, text: formatMs(n.mean_ms) }),
        s('text', { class: 'inside', y: 12, text: (n.requests || 0) + ' req' }),
        s('text', { class: 'node-name', y: R + 18, text: name }),
        s('text', { class: 'node-type', y: R + 33, text: type }));
    });
    fill(svg, defs, ...edgeViews, ...nodeViews);
    // Each edge label on a patch of background, sized to the text now that it is laid out.
    for (const g of svg.querySelectorAll('.map-edge')) {
      const box = g.querySelector('text').getBBox();
      const rect = g.querySelector('rect.label-bg');
      rect.setAttribute('x', String(box.x - 3));
      rect.setAttribute('y', String(box.y - 1));
      rect.setAttribute('width', String(box.width + 6));
      rect.setAttribute('height', String(box.height + 2));
    }
    svg.dataset.nodes = String(nodes.length);
    svg.dataset.edges = String(edges.length);
  }

  function edgeStatsText(stats) {
    const c = shares(stats);
    return (stats.requests || 0) + ' requests, mean ' + formatMs(stats.mean_ms) + '; ' +
      c.ok + ' ok, ' + c.error + ' errors (4xx), ' + c.throttle + ' throttled (429), ' + c.fault + ' faults (5xx)';
  }

  // ---------------------------------------------------------------- start

  byId('filter-form').addEventListener('submit', applyFilter);
  byId('filter-clear').addEventListener('click', () => {
    byId('filter').value = '';
    applyFilter();
  });
  byId('timeline-rows').addEventListener('keydown', onTimelineKey);
  window.addEventListener('hashchange', route);
  route();
})();
`;
