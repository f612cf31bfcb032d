'use strict';
// Preload for `stages.js`: V8's CPU profiler, started and stopped over IPC so that only the measured window is
// profiled. { 'profile:start': µs } starts sampling at that interval; { 'profile:stop': file } writes the
// .cpuprofile there. Each answers with the same key.
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

let session;
process.on('message', (message) => {
  if (message && message['profile:start'] !== undefined) {
    session = new inspector.Session();
    session.connect();
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: message['profile:start'] }, () =>
        session.post('Profiler.start', () => process.send({ 'profile:start': true }))));
  } else if (message && message['profile:stop'] !== undefined) {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(message['profile:stop'], JSON.stringify(result.profile));
      session.disconnect();
      process.send({ 'profile:stop': error ? String(error) : true });
    });
  }
});
if (process.channel) process.channel.unref();
