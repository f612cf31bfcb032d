import { VIEWER_SCRIPT } from './script';
import { VIEWER_STYLE } from './style';

/**
 * The viewer of `otel-xray local`: one HTML document with its CSS and script inline, served at `GET /`. Nothing is
 * loaded from anywhere else (it works offline; the Content-Security-Policy below keeps it so); the data comes from
 * the JSON API of the same server. Views by hash route: #/traces, #/trace/<id>, #/map (see script.ts).
 */
export function viewerPage(): string {
  return PAGE;
}

/**
 * Only this origin's API; inline script and style (the page is one document). No other source of anything, so a
 * trace's text, even if it got into the DOM as markup somewhere, could load nothing and send nothing elsewhere.
 */
const CSP = [
  "default-src 'none'",
  "connect-src 'self'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const BODY = String.raw`
<header class="top">
  <span class="brand">otel-xray local</span>
  <nav aria-label="views">
    <a id="nav-traces" data-nav="traces" href="#/traces">Traces</a>
    <a id="nav-map" data-nav="map" href="#/map">Service map</a>
  </nav>
  <div id="stats" class="stats" aria-live="polite"></div>
</header>
<main>
  <section id="view-traces" aria-label="Traces">
    <form id="filter-form" class="filter-bar" role="search" autocomplete="off">
      <input id="filter" name="filter" type="text" spellcheck="false" aria-label="filter expression"
        placeholder="Filter expression, e.g.  http.status >= 500   service(&quot;shop&quot;)   annotation.user = &quot;alice&quot;   duration > 0.5">
      <button type="submit" class="primary" id="filter-apply">Apply</button>
      <button type="button" id="filter-clear">Clear</button>
    </form>
    <div id="filter-error" class="filter-error" role="alert" hidden></div>
    <div id="list-problem" class="problem" role="alert" hidden></div>
    <div id="list-status" class="list-status"></div>
    <table id="traces-table" class="traces" data-state="loading">
      <thead>
        <tr><th>Time</th><th>Name</th><th class="num">Duration</th><th>Method</th><th>URL</th><th class="num">Status</th><th>Flags</th><th>Annotations</th></tr>
      </thead>
      <tbody id="trace-rows"></tbody>
    </table>
    <p id="traces-empty" class="empty" hidden></p>
  </section>

  <section id="view-trace" aria-label="Trace" hidden>
    <div class="trace-head">
      <a id="back-to-traces" href="#/traces">&larr; Traces</a>
      <h2>Trace <code id="trace-title"></code></h2>
      <span id="trace-summary" class="summary"></span>
    </div>
    <div id="trace-problem" class="problem" role="alert" hidden></div>
    <div id="waterfall" class="waterfall" role="grid" aria-label="timeline">
      <div class="timeline-header" role="row">
        <div>Service</div><div>Name</div><div>Namespace</div><div class="num">Status</div><div class="num">Start</div><div class="num">Duration</div>
        <div id="timeline-axis" class="axis"></div>
      </div>
      <div id="timeline-rows"></div>
    </div>
    <div id="details" class="details" aria-live="polite"></div>
  </section>

  <section id="view-map" aria-label="Service map" hidden>
    <div class="map-head">
      <h2>Service map</h2>
      <div class="legend">
        <span><i style="background: var(--ok)"></i>ok</span>
        <span><i style="background: var(--error)"></i>error (4xx)</span>
        <span><i style="background: var(--throttle)"></i>throttle (429)</span>
        <span><i style="background: var(--fault)"></i>fault (5xx)</span>
        <span>click a node for the traces through it</span>
      </div>
    </div>
    <div id="map-problem" class="problem" role="alert" hidden></div>
    <p id="map-empty" class="empty" hidden>No services yet: the map is drawn from the traces received.</p>
    <div id="map-scroll" class="map-scroll"><svg id="map" class="map" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="service map"></svg></div>
  </section>
</main>
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="color-scheme" content="light dark">
<title>otel-xray local</title>
<style>${VIEWER_STYLE}</style>
</head>
<body>${BODY}<script>${VIEWER_SCRIPT}</script>
</body>
</html>
`;
