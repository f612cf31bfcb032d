'use strict';
// Turns results.json into the peers section of bench/RESULTS.md and the chart bench/peers-chart.svg.
const { execFileSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { median } = require('../stats');

const RESULTS_MD = join(__dirname, '..', 'RESULTS.md');
const CHART = join(__dirname, '..', 'peers-chart.svg');
const START = '<!-- peers:start -->';
const END = '<!-- peers:end -->';
const PEERS = ['@opentelemetry/sdk-node', '@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-express',
  'aws-xray-sdk-core', 'aws-xray-sdk-express', '@aws/aws-distro-opentelemetry-node-autoinstrumentation', 'express', 'autocannon'];
const COLORS = { untraced: '#9e9e9e', 'vanilla-otel': '#5c6bc0', 'otel-xray': '#2e7d32', 'aws-xray-sdk': '#ef6c00', adot: '#8e24aa' };

const version = (name) => JSON.parse(readFileSync(join(__dirname, 'node_modules', name, 'package.json'), 'utf8')).version;
const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');

function commit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../../src', '../../register.js'], { cwd: __dirname, encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
}

function loadTable(load) {
  const lines = ['| app | route | variant | req/s | × untraced | × vanilla OTel | p50 ms | p99 ms | CPU µs/req | peak RSS MB | traced/req | rounds (req/s) |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|'];
  for (const row of load) {
    const base = (variant) => load.find((r) => r.framework === row.framework && r.route === row.route && r.variant === variant);
    // Each round runs every variant back to back: the median of the per-round ratios cancels the machine's drift.
    const ratio = (other) => {
      if (!other) return '–';
      const paired = row.rounds.length === other.rounds.length ? row.rounds.map((r, i) => r / other.rounds[i]) : [row.requestsPerSecond / other.requestsPerSecond];
      return fmt(median(paired), 2);
    };
    lines.push(`| ${row.framework} | ${row.route} | ${row.label} | ${fmt(row.requestsPerSecond)} | ${ratio(base('untraced'))} | ${ratio(base('vanilla-otel'))} | ` +
      `${fmt(row.p50Ms)} | ${fmt(row.p99Ms)} | ${fmt(row.cpuMicrosPerRequest, 1)} | ${fmt(row.peakRssMb)} | ${row.variant === 'untraced' ? '' : fmt(row.tracedPerRequest, 2)} | ${row.rounds.join(', ')} |`);
  }
  return lines.join('\n');
}

/** otel-xray against each peer, per app and route: paired per-round ratios of req/s and of CPU per request. */
function versusTable(load) {
  const peers = ['untraced', 'vanilla-otel', 'adot', 'aws-xray-sdk'];
  const scenarios = [...new Set(load.map((r) => `${r.framework} ${r.route}`))];
  const head = peers.map((p) => (load.find((r) => r.variant === p) || { label: p }).label);
  const lines = [`| app route | ${head.map((h) => `req/s × ${h}`).join(' | ')} | CPU/req vs vanilla OTel |`, `|---|${peers.map(() => '---:').join('|')}|---:|`];
  for (const scenario of scenarios) {
    const row = (variant) => load.find((r) => `${r.framework} ${r.route}` === scenario && r.variant === variant);
    const ours = row('otel-xray');
    if (!ours) continue;
    const cells = peers.map((p) => {
      const other = row(p);
      if (!other) return '–';
      return fmt(median(ours.rounds.map((r, i) => r / other.rounds[i])), 2);
    });
    const vanilla = row('vanilla-otel');
    const cpu = vanilla ? `${fmt(ours.cpuMicrosPerRequest - vanilla.cpuMicrosPerRequest, 1)} µs` : '–';
    lines.push(`| ${scenario} | ${cells.join(' | ')} | ${cpu} |`);
  }
  return lines.join('\n');
}

function adaptiveTable(rows) {
  const lines = ['| app route | off: req/s | on: req/s | on ÷ off (req/s) | rounds on ÷ off | off: CPU µs/req | on: CPU µs/req | added CPU µs/req | off: p99 ms | on: p99 ms | peak RSS MB off / on |',
    '|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|'];
  for (const scenario of [...new Set(rows.map((r) => `${r.framework} ${r.route}`))]) {
    const off = rows.find((r) => `${r.framework} ${r.route}` === scenario && r.variant === 'otel-xray-5pct');
    const on = rows.find((r) => `${r.framework} ${r.route}` === scenario && r.variant === 'otel-xray-5pct-capture');
    if (!off || !on) continue;
    const ratios = on.rounds.map((r, i) => r / off.rounds[i]);
    const added = on.cpuRounds && off.cpuRounds ? median(on.cpuRounds.map((c, i) => c - off.cpuRounds[i])) : on.cpuMicrosPerRequest - off.cpuMicrosPerRequest;
    lines.push(`| ${scenario} | ${fmt(off.requestsPerSecond)} | ${fmt(on.requestsPerSecond)} | ${fmt(median(ratios), 2)} | ${ratios.map((r) => fmt(r, 2)).join(', ')} | ` +
      `${fmt(off.cpuMicrosPerRequest, 1)} | ${fmt(on.cpuMicrosPerRequest, 1)} | ${fmt(added, 1)} | ${fmt(off.p99Ms)} | ${fmt(on.p99Ms)} | ${fmt(off.peakRssMb)} / ${fmt(on.peakRssMb)} |`);
  }
  return lines.join('\n');
}

function chart(load) {
  const scenarios = [...new Set(load.map((r) => `${r.framework} ${r.route}`))];
  const variants = [...new Set(load.map((r) => r.variant))];
  const bar = 16;
  const groupWidth = variants.length * bar + 30;
  const panel = (title, field, y0, height, unit) => {
    const max = Math.max(...load.map((r) => r[field]).filter(Number.isFinite)) * 1.15;
    let svg = `<text x="60" y="${y0 - 8}" font-size="13" font-weight="bold">${title}</text>`;
    svg += `<line x1="60" y1="${y0 + height}" x2="${60 + scenarios.length * groupWidth}" y2="${y0 + height}" stroke="#333"/>`;
    scenarios.forEach((scenario, g) => {
      const x0 = 70 + g * groupWidth;
      variants.forEach((variant, v) => {
        const row = load.find((r) => `${r.framework} ${r.route}` === scenario && r.variant === variant);
        if (!row || !Number.isFinite(row[field])) return;
        const h = (row[field] / max) * height;
        const x = x0 + v * bar;
        svg += `<rect x="${x}" y="${(y0 + height - h).toFixed(1)}" width="${bar - 2}" height="${h.toFixed(1)}" fill="${COLORS[variant] || '#333'}"/>`;
        svg += `<text x="${x + (bar - 2) / 2}" y="${(y0 + height - h - 3).toFixed(1)}" font-size="8" text-anchor="middle">${field === 'requestsPerSecond' ? `${(row[field] / 1000).toFixed(1)}k` : fmt(row[field])}</text>`;
      });
      svg += `<text x="${x0 + (variants.length * bar) / 2}" y="${y0 + height + 14}" font-size="11" text-anchor="middle">${scenario}</text>`;
    });
    svg += `<text x="52" y="${y0 + 4}" font-size="10" text-anchor="end">${unit}</text>`;
    return svg;
  };
  const width = 80 + scenarios.length * groupWidth + 180;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="470" font-family="sans-serif">`;
  svg += '<rect width="100%" height="100%" fill="white"/>';
  svg += panel('Requests per second (higher is better)', 'requestsPerSecond', 30, 170, 'req/s');
  svg += panel('p99 latency, ms (lower is better)', 'p99Ms', 260, 170, 'ms');
  variants.forEach((variant, i) => {
    const y = 40 + i * 18;
    const x = width - 170;
    const label = load.find((r) => r.variant === variant).label;
    svg += `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${COLORS[variant] || '#333'}"/><text x="${x + 18}" y="${y}" font-size="11">${label}</text>`;
  });
  return `${svg}</svg>\n`;
}

function writeReport(results) {
  const cpu = os.cpus();
  const s = results.settings || {};
  const parts = [START, '## Side by side with the peers (`npm run bench:peers`)', '',
    `Machine: ${cpu.length} × ${cpu[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Linux ${os.release()}. Node ${process.version}. ` +
    `otel-xray commit ${results.meta?.commit ?? commit()}, ${results.meta?.date ?? new Date().toISOString().slice(0, 10)}.`, '',
    `Peers: ${PEERS.map((name) => `${name} ${version(name)}`).join(', ')}.`, '',
    'The app runs pinned to core 0; autocannon, the receivers (a UDP daemon stand-in and an OTLP/HTTP sink) and the ' +
    '/call backend share core 1. Every tracer samples 100% of requests. otel-xray is started with `--require ./register` ' +
    'and sends real segment documents over UDP; aws-xray-sdk-core is wired with its express middleware (and the same ' +
    'middleware around the plain http handler) and `captureHTTPsGlobal`; vanilla OTel is NodeSDK with the http and express ' +
    'instrumentations and an exporter that drops spans; ADOT JS exports OTLP/HTTP protobuf to the local sink. ' +
    '"traced/req" is what the receivers got per request: X-Ray documents (UDP), OTLP spans (ADOT), or spans handed to ' +
    'the no-op exporter (vanilla).', ''];
  if (results.load.length) {
    parts.push(`### Request overhead (${s.connections} connections, ${s.rounds} interleaved rounds of ${s.seconds} s after ${s.warmupSeconds} s of warm-up; medians)`, '',
      loadTable(results.load), '',
      '"× untraced" and "× vanilla OTel" are medians of the per-round ratios (each round runs the variants back to back, so a machine that speeds up or slows down between rounds does not skew them). otel-xray against each peer:', '',
      versusTable(results.load), '', '![req/s and p99 per variant](peers-chart.svg)', '');
    writeFileSync(CHART, chart(results.load));
  }
  if (results.startup.length) {
    const at = results.phaseMeta?.startup;
    parts.push(`### Start-up: spawn to first 200 on express /hello (medians${at ? `; commit ${at.commit}, ${at.date}, Node ${at.node}` : ''})`, '',
      '"added" is the median of the per-round differences to the untraced app (each round starts every variant once, back to back). CPU is the app\'s, all threads, up to its first 200: steadier than wall time on this VM.', '',
      '| variant | ms | added ms | CPU ms | added CPU ms | runs (ms) |', '|---|---:|---:|---:|---:|---|');
    for (const row of results.startup) parts.push(`| ${row.label} | ${fmt(row.medianMs, 1)} | ${row.addedMs === undefined ? '' : fmt(row.addedMs, 1)} | ${row.cpuMs === undefined ? '' : fmt(row.cpuMs, 1)} | ${row.addedCpuMs === undefined ? '' : fmt(row.addedCpuMs, 1)} | ${row.runs.join(', ')} |`);
    parts.push('');
  }
  if (results.memory.length) {
    parts.push('### Memory under load (express)', '', '| case | seconds | req/s | idle RSS MB | RSS at 5 s | RSS at end | growth since 5 s | peak RSS MB |', '|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of results.memory) {
      parts.push(`| ${row.label} | ${row.seconds} | ${fmt(row.requestsPerSecond)} | ${fmt(row.idleRssMb)} | ${fmt(row.rssAt5sMb)} | ${fmt(row.endRssMb)} | ${fmt(row.growthSince5sMb, 1)} | ${fmt(row.peakRssMb)} |`);
    }
    parts.push('');
  }
  if (results.adaptive?.length) {
    const a = results.adaptiveSettings || {};
    parts.push(`### Adaptive sampling: what anomaly trace capture costs (${a.rounds} interleaved rounds of ${a.seconds} s; medians)`, '',
      'otel-xray under a 5% local sampling rule, with anomaly trace capture off and on (`AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG`). ' +
      'With capture on, the spans of the 95% of requests that are not sampled are recorded (never sent unless anomalous): ' +
      'this is the price of that. "on ÷ off" is the median of the per-round ratios.', '',
      adaptiveTable(results.adaptive), '');
  }
  parts.push(END);
  replaceResultsSection(START, END, parts.join('\n'));
}

/** Puts `section` (which starts with `start` and ends with `end`) in place of that section of RESULTS.md, else at its end. */
function replaceResultsSection(start, end, section) {
  let markdown = readFileSync(RESULTS_MD, 'utf8');
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  markdown = from >= 0 && to > from ? markdown.slice(0, from) + section + markdown.slice(to + end.length) : `${markdown.trimEnd()}\n\n${section}\n`;
  writeFileSync(RESULTS_MD, markdown);
}

module.exports = { writeReport, commit, replaceResultsSection };
