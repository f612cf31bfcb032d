'use strict';
// The preload entry: `node --require otel-xray/register app.js`.
// Zero-code setup is built by a later change; until then this file starts nothing,
// and it must never throw into the host application.
try {
  require('./build/src/register.js');
} catch (err) {
  // eslint-disable-next-line no-console
  console.warn('otel-xray: tracing is not enabled (' + (err && err.message) + ')');
}
