/**
 * The viewer's stylesheet (inlined into the page by page.ts): a light theme, and a dark one when the system asks.
 * Status colours follow the X-Ray console: ok green, error (4xx) orange, throttle (429) purple, fault (5xx) red.
 */
export const VIEWER_STYLE = String.raw`
:root {
  color-scheme: light dark;
  --bg: #ffffff;
  --fg: #16191f;
  --muted: #5f6b7a;
  --line: #e1e4e8;
  --panel: #f6f8fa;
  --hover: #eef3fb;
  --selected: #dbe8fb;
  --accent: #0972d3;
  --ok: #2e9e44;
  --error: #e58a00;
  --throttle: #8a4fc9;
  --fault: #d13212;
  --pending: #8d99a8;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1419;
    --fg: #e6e9ee;
    --muted: #95a1b0;
    --line: #2b3440;
    --panel: #161d25;
    --hover: #1c2733;
    --selected: #1f3a5c;
    --accent: #5aa6f0;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--fg); }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: var(--mono); font-size: 12px; }
[hidden] { display: none !important; }

.top { position: sticky; top: 0; z-index: 5; display: flex; align-items: center; gap: 18px; padding: 8px 16px;
  background: var(--panel); border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; letter-spacing: .2px; }
.top nav { display: flex; gap: 4px; }
.top nav a { padding: 4px 10px; border-radius: 6px; color: var(--fg); }
.top nav a[aria-current="page"] { background: var(--selected); font-weight: 600; }
.stats { margin-left: auto; color: var(--muted); font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.stats .rejected { color: var(--fault); }
.stats.offline { color: var(--fault); }

main { padding: 14px 16px 40px; }
h2 { font-size: 17px; margin: 0 0 10px; font-weight: 600; }
h3 { font-size: 14px; margin: 0 0 6px; }
.muted { color: var(--muted); }
.problem { color: var(--fault); margin: 8px 0; }

/* Traces */
.filter-bar { display: flex; gap: 6px; margin-bottom: 8px; }
.filter-bar input { flex: 1; min-width: 0; padding: 6px 8px; font: 13px var(--mono); color: var(--fg); background: var(--bg);
  border: 1px solid var(--line); border-radius: 6px; }
.filter-bar input:focus { outline: 2px solid var(--accent); outline-offset: -1px; }
.filter-bar input.invalid { border-color: var(--fault); }
button { font: inherit; padding: 5px 12px; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); color: var(--fg); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.filter-error { border: 1px solid var(--fault); border-left-width: 4px; border-radius: 6px; padding: 8px 10px; margin-bottom: 10px; }
.filter-error .message { color: var(--fault); font-weight: 600; margin-bottom: 4px; }
.filter-error pre { margin: 0; white-space: pre; overflow-x: auto; }
.filter-error mark { background: color-mix(in srgb, var(--fault) 25%, transparent); color: inherit; border-bottom: 2px solid var(--fault); }
.filter-error .caret { color: var(--fault); font-weight: 700; }
.list-status { color: var(--muted); font-size: 12px; margin: 4px 0 6px; }

table.traces { width: 100%; border-collapse: collapse; table-layout: auto; }
table.traces th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; border-bottom: 1px solid var(--line); padding: 5px 8px; white-space: nowrap; }
table.traces td { border-bottom: 1px solid var(--line); padding: 5px 8px; vertical-align: top; }
table.traces td.num, table.traces th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.traces td.time { white-space: nowrap; font-family: var(--mono); font-size: 12px; }
table.traces td.url { max-width: 420px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: var(--mono); font-size: 12px; }
tr.trace-row { cursor: pointer; }
tr.trace-row:hover { background: var(--hover); }
tr.trace-row td:first-child { border-left: 3px solid var(--ok); }
tr.trace-row.status-error td:first-child { border-left-color: var(--error); }
tr.trace-row.status-throttle td:first-child { border-left-color: var(--throttle); }
tr.trace-row.status-fault td:first-child { border-left-color: var(--fault); }
.badge { display: inline-block; padding: 0 6px; margin-right: 3px; border-radius: 9px; font-size: 11px; font-weight: 600; color: #fff; line-height: 17px; }
.badge.fault { background: var(--fault); }
.badge.error { background: var(--error); }
.badge.throttle { background: var(--throttle); }
.badge.pending { background: var(--pending); }
.badge.plain { background: var(--panel); color: var(--muted); border: 1px solid var(--line); }
.chip { display: inline-block; margin: 0 4px 2px 0; padding: 0 6px; border: 1px solid var(--line); border-radius: 4px;
  background: var(--panel); font: 11px/17px var(--mono); white-space: nowrap; max-width: 260px; overflow: hidden; text-overflow: ellipsis; vertical-align: top; }
.empty { color: var(--muted); padding: 18px 4px; }

/* Trace: waterfall */
.trace-head { display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; margin-bottom: 10px; }
.trace-head h2 { margin: 0; }
.trace-head .summary { color: var(--muted); }
.waterfall { border: 1px solid var(--line); border-radius: 6px; overflow: hidden; }
.timeline-header, .timeline-row { display: grid; grid-template-columns: 150px minmax(200px, 1.3fr) 96px 60px 92px 92px minmax(240px, 2fr); align-items: center; }
.timeline-header { background: var(--panel); color: var(--muted); font-size: 12px; font-weight: 600; border-bottom: 1px solid var(--line); }
.timeline-header > div, .timeline-row > div { padding: 4px 8px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.timeline-header .num, .timeline-row .num { text-align: right; font-variant-numeric: tabular-nums; }
.timeline-row { border-bottom: 1px solid var(--line); cursor: pointer; }
.timeline-row:last-child { border-bottom: 0; }
.timeline-row:hover { background: var(--hover); }
.timeline-row.selected { background: var(--selected); }
.timeline-row:focus { outline: 2px solid var(--accent); outline-offset: -2px; }
.timeline-row.segment .name { font-weight: 600; }
.timeline-row .name .twig { color: var(--muted); margin-right: 4px; }
.timeline-row .service { color: var(--muted); }
.timeline-row .http-status.status-fault { color: var(--fault); font-weight: 600; }
.timeline-row .http-status.status-error { color: var(--error); font-weight: 600; }
.timeline-row .http-status.status-throttle { color: var(--throttle); font-weight: 600; }
.axis, .track { position: relative; height: 18px; }
.axis .tick { position: absolute; top: 2px; padding-left: 3px; border-left: 1px solid var(--line); font-size: 11px; font-weight: 400; line-height: 14px; }
.axis { margin-right: 8px; }
.track { margin-right: 8px; }
.track .grid { position: absolute; top: 0; bottom: 0; width: 1px; background: var(--line); }
.bar { position: absolute; top: 3px; height: 12px; min-width: 2px; border-radius: 2px; background: var(--ok); }
.status-error .bar { background: var(--error); }
.status-throttle .bar { background: var(--throttle); }
.status-fault .bar { background: var(--fault); }
.in-progress .bar { background-image: repeating-linear-gradient(45deg, transparent 0 4px, rgba(255, 255, 255, .45) 4px 8px); opacity: .8; }

/* Trace: details */
.details { margin-top: 14px; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
.details-head { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; margin-bottom: 8px; }
.details-head h3 { margin: 0; font-size: 15px; }
.detail-sections { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
.detail-section { min-width: 0; }
.detail-section.wide { grid-column: 1 / -1; }
.detail-section h4 { margin: 0 0 4px; font-size: 12px; text-transform: uppercase; letter-spacing: .5px; color: var(--muted); }
table.kv { border-collapse: collapse; width: 100%; }
table.kv th { text-align: left; font-weight: 500; color: var(--muted); padding: 2px 12px 2px 0; vertical-align: top; white-space: nowrap; width: 1%; font-family: var(--mono); font-size: 12px; }
table.kv td { padding: 2px 0; font-family: var(--mono); font-size: 12px; word-break: break-all; }
table.kv pre { margin: 0; white-space: pre-wrap; }
pre.json { margin: 0; padding: 8px 10px; background: var(--panel); border-radius: 6px; max-height: 480px; overflow: auto; white-space: pre; }
.exception { border-left: 3px solid var(--fault); padding: 2px 0 2px 10px; margin-bottom: 10px; }
.exception-head { font-weight: 600; }
.exception-head .message { font-weight: 400; }
ol.stack { margin: 4px 0; padding-left: 22px; font-family: var(--mono); font-size: 12px; }
ol.stack .label { color: var(--muted); margin-left: 6px; }

/* Service map */
.map-head { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
.legend { display: flex; gap: 12px; color: var(--muted); font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; vertical-align: -1px; }
.map-scroll { overflow: auto; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
svg.map { display: block; }
.map-node { cursor: pointer; }
.map-node .disc { fill: var(--bg); stroke: var(--line); stroke-width: 1; }
.map-node .ring-bg { fill: none; stroke: var(--line); stroke-width: 7; }
.map-node .arc { fill: none; stroke-width: 7; }
.map-node:hover .disc, .map-node:focus .disc { fill: var(--hover); }
.map-node:focus { outline: none; }
.arc-ok { stroke: var(--ok); }
.arc-error { stroke: var(--error); }
.arc-throttle { stroke: var(--throttle); }
.arc-fault { stroke: var(--fault); }
.map-node .inside { font-size: 11px; fill: var(--fg); text-anchor: middle; }
.map-node .node-name { font-size: 12px; font-weight: 600; fill: var(--fg); text-anchor: middle; }
.map-node .node-type { font-size: 11px; fill: var(--muted); text-anchor: middle; }
.map-edge path { fill: none; stroke: var(--pending); stroke-width: 1.6; }
.map-edge.status-error path { stroke: var(--error); }
.map-edge.status-throttle path { stroke: var(--throttle); }
.map-edge.status-fault path { stroke: var(--fault); }
.map-edge text { font-size: 11px; fill: var(--muted); text-anchor: middle; }
.map-edge .label-bg { fill: var(--panel); opacity: .9; }
.arrowhead { fill: var(--pending); }
.arrowhead-error { fill: var(--error); }
.arrowhead-throttle { fill: var(--throttle); }
.arrowhead-fault { fill: var(--fault); }
`;
