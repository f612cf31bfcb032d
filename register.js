'use strict';
// The preload entry: `node --require otel-xray/register app.js` (or `--import otel-xray/register`).
// It loads the bundled build (one file: start-up is about 100 ms shorter than resolving and reading the few
// hundred files of OTel's packages one by one; with its V8 code cache, see load-bundle.js) and must never throw
// into the host application.
try {
  require('./load-bundle.js').loadBundle().registerPreload();
} catch (err) {
  // eslint-disable-next-line no-console
  console.warn('otel-xray warning: tracing is not enabled (' + (err && err.message) + ')');
}
