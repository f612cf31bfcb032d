'use strict';
// Writes the V8 code caches of the bundle and of the OTel API's file for the Node that runs it, beside them (see
// load-bundle.js). Run in a child process by the build (scripts/bundle.js) and by `otel-xray cache` (for a Node
// other than the one that built the package: V8 takes a cache only from its own version). It is a start of the
// preload that also serves one traced request, so the caches written at its exit hold the functions a start and
// an app's first request run (the http instrumentation's server and client sides, our hooks, translate, pack,
// send), not only those of the start. Each cache is written to a temporary file and renamed, so a process starting
// meanwhile reads either no cache or a whole one.
const { createSocket } = require('node:dgram');
const { join } = require('node:path');

const daemon = createSocket('udp4');
daemon.bind(0, '127.0.0.1', () => {
  // The configuration is read from the environment when the preload starts.
  process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${daemon.address().port}`;
  process.env.AWS_XRAY_SAMPLING = 'false';
  const { loadBundle } = require(join(__dirname, 'load-bundle.js'));
  const save = (script, path) =>
    process.on('exit', () => {
      const { renameSync, writeFileSync } = require('node:fs');
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, path);
    });
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
