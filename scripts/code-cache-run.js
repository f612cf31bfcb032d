'use strict';
// Run by scripts/bundle.js in a child process: a start of the preload that also serves one traced request, so the
// V8 code caches written at its exit hold the functions a start and an app's first request run (the http
// instrumentation's server and client sides, our hooks, translate, pack, send), not only those of the start.
const { createSocket } = require('node:dgram');
const { join } = require('node:path');

const daemon = createSocket('udp4');
daemon.bind(0, '127.0.0.1', () => {
  // The configuration is read from the environment when the preload starts.
  process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${daemon.address().port}`;
  process.env.AWS_XRAY_SAMPLING = 'false';
  const { loadBundle } = require(join(__dirname, '..', 'load-bundle.js'));
  const save = (script, path) => process.on('exit', () => require('node:fs').writeFileSync(path, script.createCachedData()));
  loadBundle(save).registerPreload();
  const http = require('node:http');
  const server = http.createServer((req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1', () => {
    http.get({ host: '127.0.0.1', port: server.address().port, path: '/warm' }, (response) => {
      response.resume();
      response.on('end', () => server.close());
    });
  });
  // The request's segment arrives: everything a request runs has run.
  daemon.on('message', () => {
    daemon.close();
    setImmediate(() => process.exit(0));
  });
});
setTimeout(() => process.exit(1), 30_000).unref();
