import * as assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import { SegmentTranslator } from '../../src/index';
import type { Segment, Subsegment, TranslateOptions } from '../../src/index';
import { redactQuery, secretQueryParams } from '../../src/redact-query';
import { requestTargetAttributes } from '../../src/request-target';
import { isValidHost } from '../../src/url-parts';
import { assertValidDocuments } from '../helpers/assert-document';
import { recordSpans, under } from '../helpers/make-spans';

function urlOf(kind: SpanKind, attributes: Attributes, options: TranslateOptions = {}): string | undefined {
  const spans = recordSpans((tracer) => {
    if (kind === SpanKind.SERVER) {
      tracer.startSpan('GET', { kind, attributes }).end();
      return;
    }
    const server = tracer.startSpan('request', { kind: SpanKind.SERVER });
    tracer.startSpan('GET', { kind, attributes }, under(server)).end();
    server.end();
  });
  const [doc] = assertValidDocuments(new SegmentTranslator(options).translate(spans));
  const entity = (kind === SpanKind.SERVER ? doc : doc!.subsegments![0]) as Segment & Subsegment;
  return entity.http?.request?.url;
}

describe('secret query parameters are never recorded', () => {
  const isSecret = secretQueryParams();

  it('redacts the values of secret-named parameters, in any case and spelling, and keeps the rest as sent', () => {
    const cases: Array<[string, string]> = [
      ['http://h/p?password=hunter2&q=a%20b', 'http://h/p?password=REDACTED&q=a%20b'],
      ['http://h/p?q=1&API_KEY=k1&apiKey=k2&api-key=k3', 'http://h/p?q=1&API_KEY=REDACTED&apiKey=REDACTED&api-key=REDACTED'],
      ['http://h/p?access_token=t&client_secret=s&refresh_token=r', 'http://h/p?access_token=REDACTED&client_secret=REDACTED&refresh_token=REDACTED'],
      [
        'https://b.s3.amazonaws.com/k?X-Amz-Algorithm=A&X-Amz-Credential=AKIA%2F1&X-Amz-Security-Token=T&X-Amz-Signature=S',
        'https://b.s3.amazonaws.com/k?X-Amz-Algorithm=A&X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED&X-Amz-Signature=REDACTED',
      ],
      ['http://h/cb?code=abc&state=xyz', 'http://h/cb?code=REDACTED&state=xyz'],
      ['http://h/p?pwd=1&passwd=2&sig=3&AWSAccessKeyId=4', 'http://h/p?pwd=REDACTED&passwd=REDACTED&sig=REDACTED&AWSAccessKeyId=REDACTED'],
      ['http://h/p?pass%77ord=x&flag&=y', 'http://h/p?pass%77ord=REDACTED&flag&=y'],
      ['http://h/p?token=t#section', 'http://h/p?token=REDACTED#section'],
      ['http://h/p?keyboard=qwerty&monkey=1&q=token', 'http://h/p?keyboard=qwerty&monkey=1&q=token'],
      ['http://h/p', 'http://h/p'],
    ];
    for (const [url, expected] of cases) assert.equal(redactQuery(url, isSecret), expected, url);
  });

  it('takes names of its own, added to the built-in ones', () => {
    const withSsn = secretQueryParams(['ssn', 'Card-Number']);
    assert.equal(redactQuery('http://h/p?ssn=1&card_number=2&password=3&q=4', withSsn), 'http://h/p?ssn=REDACTED&card_number=REDACTED&password=REDACTED&q=4');
  });

  it('applies to incoming and outgoing URLs, from url.full or from its parts, with credentials removed', () => {
    assert.equal(
      urlOf(SpanKind.SERVER, { 'http.request.method': 'GET', 'url.scheme': 'http', 'server.address': 'shop.example.com', 'url.path': '/login', 'url.query': 'user=a&password=p' }),
      'http://shop.example.com/login?user=a&password=REDACTED',
    );
    assert.equal(
      urlOf(SpanKind.CLIENT, { 'http.request.method': 'GET', 'url.full': 'https://user:pass@api.example.com/v1?api_key=k&ssn=9' }, { redactedQueryParams: ['ssn'] }),
      'https://api.example.com/v1?api_key=REDACTED&ssn=REDACTED',
    );
  });
});

describe('forged Host headers: a valid URL from what is valid', () => {
  it('tells hosts that can stand in a URL from those that cannot', () => {
    for (const host of ['example.com', 'a', 'my_service.internal', '10.0.0.1', '::1', '2001:db8::7']) assert.ok(isValidHost(host), host);
    for (const host of ['', '[', ' ', 'a b', 'a@b', 'evil.com/x', '<script>', 'é.example', '-', `${'a'.repeat(254)}`, '1:2:3']) assert.ok(!isValidHost(host), host);
    assert.ok(!isValidHost('a'.repeat(100_000) + '!'));
  });

  it('keeps the path and builds the URL from the local address when the host is unusable', () => {
    const base = { 'http.request.method': 'GET', 'url.scheme': 'http', 'url.path': '/orders/7', 'url.query': 'x=1', 'network.local.address': '127.0.0.1', 'network.local.port': 8080 };
    assert.equal(urlOf(SpanKind.SERVER, { ...base, 'server.address': '[' }), 'http://127.0.0.1:8080/orders/7?x=1');
    assert.equal(urlOf(SpanKind.SERVER, { ...base, 'server.address': 'a b', 'server.port': 80 }), 'http://127.0.0.1:8080/orders/7?x=1');
    assert.equal(urlOf(SpanKind.SERVER, { ...base }), 'http://127.0.0.1:8080/orders/7?x=1', 'an empty Host');
    const { 'network.local.address': _a, 'network.local.port': _p, ...withoutLocal } = base;
    assert.equal(urlOf(SpanKind.SERVER, { ...withoutLocal, 'server.address': '[' }), 'http://localhost/orders/7?x=1');
    assert.equal(urlOf(SpanKind.SERVER, { ...base, 'server.address': 'shop.example.com', 'server.port': 8443 }), 'http://shop.example.com:8443/orders/7?x=1');
    // Old semantic conventions: http.host carries the port, which must be digits.
    assert.equal(urlOf(SpanKind.SERVER, { 'http.method': 'GET', 'http.host': 'h:bad', 'http.target': '/t', 'network.local.address': '10.0.0.5' }), 'http://10.0.0.5/t');
    assert.equal(urlOf(SpanKind.SERVER, { 'http.method': 'GET', 'http.host': 'h:8080', 'http.target': '/t' }), 'http://h:8080/t');
  });

  it('the http hook records the path and query as sent, and the local address only when the Host is unusable', () => {
    const request = (url: string, headers: Record<string, string>) =>
      ({ url, headers, socket: { localAddress: '127.0.0.1', localPort: 3000 } }) as unknown as IncomingMessage;
    assert.deepEqual(requestTargetAttributes(request('/search?q=a%20b&next=/home&flag', { host: 'shop.example.com' })), {
      'url.path': '/search',
      'url.query': 'q=a%20b&next=/home&flag',
    });
    assert.deepEqual(requestTargetAttributes(request('/p', { host: '[' })), {
      'url.path': '/p',
      'network.local.address': '127.0.0.1',
      'network.local.port': 3000,
    });
    assert.deepEqual(requestTargetAttributes(request('http://proxy.example/x/y?z=1', { host: 'h:bad' })), {
      'url.path': '/x/y',
      'url.query': 'z=1',
      'network.local.address': '127.0.0.1',
      'network.local.port': 3000,
    });
  });
});
