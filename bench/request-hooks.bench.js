'use strict';
// What otel-xray's own hooks add to every request the http instrumentation traces, in nanoseconds per call:
// recording the path and query as sent (and checking the Host), reading the response's Content-Length, and
// redacting secret query values in the recorded URL. Each result is kept, so the work cannot be optimized away.
const { requestTargetAttributes } = require('../build/src/request-target');
const { recordHttpResponseSize } = require('../build/src/response-size');
const { redactQuery, secretQueryParams } = require('../build/src/redact-query');

const request = { url: '/orders/42?expand=items&page=2', headers: { host: 'shop.example.com:8080' }, socket: { localAddress: '127.0.0.1', localPort: 8080 } };
const plainRequest = { url: '/orders/42', headers: { host: 'shop.example.com:8080' }, socket: request.socket };
// A response whose Content-Length Node wrote itself (`res.end(body)`): the slower of the two ways to read it.
const response = {
  getHeader: () => undefined,
  _header: 'HTTP/1.1 200 OK\r\nDate: Sun, 29 Nov 2026 15:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 5\r\n\r\n',
};
let kept = 0;
const span = { setAttribute: (_key, value) => { kept += value; return span; } };
const isSecret = secretQueryParams();

function measure(label, fn) {
  for (let i = 0; i < 200_000; i++) fn();
  const calls = 2_000_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return { case: label, nanosecondsPerCall: Math.round(Number(process.hrtime.bigint() - start) / calls) };
}

const results = [
  measure('incoming request: path and query as sent, Host checked', () => (kept += Object.keys(requestTargetAttributes(request)).length)),
  measure('incoming request without a query', () => (kept += Object.keys(requestTargetAttributes(plainRequest)).length)),
  measure('response Content-Length (written by Node)', () => recordHttpResponseSize(span, response)),
  measure('redact a URL with two harmless parameters', () => (kept += redactQuery('http://shop.example.com:8080/orders/42?expand=items&page=2', isSecret).length)),
  measure('redact a URL with a secret parameter', () => (kept += redactQuery('http://shop.example.com/login?user=ann&password=hunter2', isSecret).length)),
  measure('redact a URL without a query', () => (kept += redactQuery('http://shop.example.com:8080/orders/42', isSecret).length)),
];
console.log(JSON.stringify({ bench: 'request-hooks', node: process.version, results, kept: kept > 0 }));
