'use strict';
// Receives what the tracers send, so the bench can check that each one really traced:
//   UDP    X-Ray daemon stand-in: counts datagrams (segment documents) and bytes, checks the header line;
//   HTTP   OTLP/HTTP stand-in (POST /v1/traces, protobuf): counts the spans in each export request.
// It answers { documents, udpBytes, badDatagrams, spans, otlpBytes } on IPC 'stats'.
const dgram = require('node:dgram');
const http = require('node:http');

const HEADER = '{"format":"json","version":1}\n';
const stats = { documents: 0, udpBytes: 0, badDatagrams: 0, spans: 0, otlpRequests: 0, otlpBytes: 0 };

const udp = dgram.createSocket('udp4');
udp.on('message', (message) => {
  stats.udpBytes += message.length;
  if (message.toString('latin1', 0, HEADER.length) === HEADER) stats.documents++;
  else stats.badDatagrams++;
});

// Minimal protobuf walk: ExportTraceServiceRequest.resource_spans(1) → ResourceSpans.scope_spans(2) →
// ScopeSpans.spans(2). Only length-delimited fields are descended into; the rest are skipped by wire type.
function fields(buffer, start, end, onField) {
  let at = start;
  const varint = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = buffer[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (at < end) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      onField(field, at, at + length);
      at += length;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

function countSpans(buffer) {
  let spans = 0;
  fields(buffer, 0, buffer.length, (field, s, e) => {
    if (field !== 1) return;
    fields(buffer, s, e, (field2, s2, e2) => {
      if (field2 !== 2) return;
      fields(buffer, s2, e2, (field3) => {
        if (field3 === 2) spans++;
      });
    });
  });
  return spans;
}

const otlp = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    stats.otlpRequests++;
    stats.otlpBytes += body.length;
    try {
      stats.spans += countSpans(body);
    } catch {
      stats.badOtlp = (stats.badOtlp || 0) + 1;
    }
    res.setHeader('content-type', 'application/x-protobuf');
    res.end();
  });
});

udp.bind(0, '127.0.0.1', () => {
  otlp.listen(0, '127.0.0.1', () => {
    process.send({ udpPort: udp.address().port, otlpPort: otlp.address().port });
  });
});
process.on('message', (message) => {
  if (message === 'stats') process.send({ stats: { ...stats } });
});
process.on('disconnect', () => process.exit(0));
