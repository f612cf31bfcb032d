import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { resolve } from 'node:path';
import { Script } from 'node:vm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { viewerPage } from '../../src/local/ui/page';
import { DAEMON_HEADER } from '../../src/wire';
import { assertValidDocument } from '../helpers/assert-document';
import { apiGet, launchChromium, ROOT, screenshot, sendDatagrams, sendDocuments, startLocal, until } from '../helpers/browser';
import type { LocalStats, RunningLocal } from '../helpers/browser';
import { httpGet, startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { sendBurst } from '../helpers/udp-drops';

/**
 * The viewer of `otel-xray local` (src/local/ui) in headless Chromium, always against the real `otel-xray local`:
 * first fed crafted segment documents over UDP, as an SDK sends them (exact data: layout, colours, escaping, the live
 * refresh), then end to end, receiving what a traced express app and a traced gateway in front of it send.
 * Screenshots of each view go to test/artifacts/.
 */

/*
 * What the functions run in the page (page.evaluate, $$eval, waitForFunction) use of the browser's globals. This
 * project compiles without the DOM library; these stay local to this module.
 */
declare const document: any;
declare const window: any;
declare const location: any;
declare function getComputedStyle(element: any): any;

// ---------------------------------------------------------------- the page alone

describe('otel-xray local viewer: the page', () => {
  const html = viewerPage();

  it('is one document with its script and style inline, which parses, and loads nothing from elsewhere', () => {
    assert.match(html, /^<!doctype html>/);
    const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    assert.doesNotThrow(() => new Script((scripts[0] as RegExpMatchArray)[1] as string), 'the script parses');
    assert.doesNotMatch(html, /<script[^>]+src=|<link\b|@import|url\((?!#)|<img\b/i, 'no external script, stylesheet or resource');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; connect-src 'self'/);
  });
});

// ---------------------------------------------------------------- in the browser

/** Status colours of the X-Ray console, as the stylesheet sets them (light theme). */
const COLOURS = { ok: 'rgb(46, 158, 68)', error: 'rgb(229, 138, 0)', throttle: 'rgb(138, 79, 201)', fault: 'rgb(209, 50, 18)' };

describe('otel-xray local viewer in Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];

  before(async () => {
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    // UTC, so that the local times the list shows are known here.
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'UTC', colorScheme: 'light' });
    page = await context.newPage();
    pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  afterEach(async () => {
    await context?.close();
    assert.deepEqual(pageErrors, [], 'no uncaught error in the page');
  });

  describe('against otel-xray local fed crafted documents', () => {
    let local: RunningLocal;

    // A daemon of its own for each test: what it holds and its counts are the test's documents only.
    beforeEach(async () => {
      local = await startLocal();
    });

    afterEach(async () => {
      await local?.stop();
    });

    it('lists the traces newest first: time, name, duration, request, status, flags, annotations; the stats line', async () => {
      await sendDocuments(local, listDocuments());
      // And four datagrams the daemon must refuse, one of each kind at least.
      const notASegment = { name: 'web', id: 'not-an-id', trace_id: LIST[0].id, start_time: T0 };
      assert.throws(() => assertValidDocument(notASegment), /invalid segment document/);
      await sendDatagrams(local, [
        'not a document',
        JSON.stringify(listDocuments()[0]), // a document, but without the header line
        `${DAEMON_HEADER}{"name":"web","id":`,
        DAEMON_HEADER + JSON.stringify(notASegment),
      ]);
      const listRequests = watchListRequests(page);
      await page.goto(`${local.viewerUrl}/#/traces`);
      await until(page, 'four rows', () => document.querySelectorAll('tr.trace-row').length === 4, undefined);
      const rows = await page.$$eval('tr.trace-row', (trs) =>
        trs.map((tr) => ({
          id: tr.dataset.traceId,
          status: tr.dataset.status,
          cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
          chips: [...tr.querySelectorAll('.chip')].map((chip) => chip.textContent),
          links: [...tr.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        })),
      );
      assert.deepEqual(rows.map((r) => r.id), [LIST[1].id, LIST[2].id, LIST[3].id, LIST[0].id], 'newest first');
      const listed = (await apiGet<{ traces: { id: string }[] }>(local, '/api/traces?limit=100')).body.traces.map((t) => t.id);
      assert.deepEqual(rows.map((r) => r.id), listed, 'the order of the API');
      // Two documents (web's segment, and the payments segment it called): the root's name, request and flags.
      assert.deepEqual(rows[0]?.cells, ['2023-11-14 22:13:22.000', 'web', '1.50 s', 'POST', 'http://shop.example/pay', '500', 'fault', '']);
      assert.deepEqual(rows[3]?.cells.slice(0, 7), ['2023-11-14 22:13:20.250', 'web', '12.3 ms', 'GET', 'http://shop.example/orders/42', '200', '']);
      assert.deepEqual(rows[3]?.chips, ['user=alice', 'premium=true'], 'the annotations of every entity, the root\'s first');
      assert.deepEqual(rows.map((r) => r.status), ['fault', 'throttle', 'error', 'ok']);
      assert.equal(rows[1]?.cells[6], 'errorthrottle', 'a 429: error and throttle badges');
      assert.deepEqual(rows[0]?.links, [`#/trace/${LIST[1].id}`, `#/trace/${LIST[1].id}`]);
      await until(page, 'the stats line', () => document.getElementById('stats')?.textContent?.includes('rejected'), undefined);
      assert.deepEqual((await apiGet<LocalStats>(local, '/api/stats')).body, {
        received: 9, accepted: 5, rejected: { 'no-header': 2, 'not-json': 1, 'not-a-segment': 1 }, dropped: 0,
      });
      assert.equal(await page.textContent('#stats'), 'received 9 · accepted 5 · rejected 4 (no-header 2, not-json 1, not-a-segment 1)');
      assert.equal(listRequests()[0], '/api/traces?limit=100', 'no filter: none sent');

      // A click on a row (not only on its links) opens the trace.
      await page.click(`tr.trace-row[data-trace-id="${LIST[2].id}"] td.url`);
      await until(page, 'the trace view', () => location.hash.startsWith('#/trace/'), undefined);
      assert.equal(await page.evaluate(() => location.hash), `#/trace/${LIST[2].id}`);
      await until(page, 'its waterfall', () => document.querySelectorAll('.timeline-row').length === 1, undefined);
    });

    it('the stats line shows the datagrams the system dropped while the daemon was stopped', async () => {
      await page.goto(`${local.viewerUrl}/#/traces`);
      // Stopped, the daemon reads nothing: 40 MB of datagrams overflow its receive buffer, whatever its size.
      local.child.kill('SIGSTOP');
      const sent = 40_000;
      try {
        await sendBurst(local.daemonPort, Buffer.from(`${DAEMON_HEADER}${'x'.repeat(1000)}`), sent);
      } finally {
        local.child.kill('SIGCONT');
      }
      await until(page, 'the dropped count', () => document.querySelector('[data-stat="dropped"]') !== null, undefined);
      let stats = (await apiGet<LocalStats>(local, '/api/stats')).body;
      for (let i = 0; i < 50 && stats.received + (stats.dropped ?? 0) !== sent; i++) {
        await new Promise((done) => setTimeout(done, 100));
        stats = (await apiGet<LocalStats>(local, '/api/stats')).body;
      }
      assert.equal(stats.received + (stats.dropped ?? 0), sent);
      assert.ok((stats.dropped ?? 0) > 0);
      await until(page, 'the final counts', (text) => document.getElementById('stats')?.textContent === text,
        `received ${stats.received} \u00b7 accepted 0 \u00b7 rejected ${stats.received} (not-json ${stats.received}) \u00b7 dropped ${stats.dropped}`);
      assert.match(await page.getAttribute('[data-stat="dropped"]', 'title') ?? '', /receive buffer was full/);
    });

    it('applies a filter on Enter (sent URL-encoded) and points at the position of a syntax error', async () => {
      await sendDocuments(local, listDocuments());
      const listRequests = watchListRequests(page);
      await page.goto(`${local.viewerUrl}/#/traces`);
      await until(page, 'four rows', () => document.querySelectorAll('tr.trace-row').length === 4, undefined);
      await page.fill('#filter', 'http.status = 500');
      await page.press('#filter', 'Enter');
      await until(page, 'one row', () => document.querySelectorAll('tr.trace-row').length === 1, undefined);
      assert.equal(await page.getAttribute('tr.trace-row', 'data-trace-id'), LIST[1].id);
      assert.ok(listRequests().includes('/api/traces?filter=http.status%20%3D%20500&limit=100'), listRequests().join('\n'));
      assert.equal(await page.evaluate(() => location.hash), '#/traces?filter=http.status%20%3D%20500', 'the filter is in the address');

      await page.fill('#filter', '  annotation.user = ');
      await page.press('#filter', 'Enter');
      await until(page, 'the error', () => !document.getElementById('filter-error')?.hidden, undefined);
      // What the server answers for the text, trimmed: it ends where a value was expected.
      const expected = await apiGet<{ error: string; position: number }>(local, `/api/traces?filter=${encodeURIComponent('annotation.user =')}`);
      assert.deepEqual(expected, { status: 400, body: { error: 'expected a number, a quoted string or true or false after "="', position: 17 } });
      assert.equal(await page.textContent('#filter-error .message'), 'Invalid filter at position 17: expected a number, a quoted string or true or false after "="');
      assert.equal(await page.getAttribute('#filter-error', 'data-position'), '17');
      assert.equal(await page.textContent('#filter-error pre'), `annotation.user = \n${' '.repeat(17)}^`);
      assert.equal(await page.textContent('#filter-error mark'), ' ', 'past the end: a marked space');
      assert.equal(await page.locator('tr.trace-row').count(), 0);
      assert.ok(await page.$eval('#filter', (input) => input.classList.contains('invalid')));
      assert.equal(await page.$eval('#filter', (input) => input.selectionStart), 19, 'the cursor at the problem');

      // In the middle of the text: the word from there on is marked.
      await page.fill('#filter', 'http.status = 500 AND bogus = 1');
      await page.press('#filter', 'Enter');
      await until(page, 'the second error', () => document.getElementById('filter-error')?.dataset.position === '22', undefined);
      assert.equal(await page.textContent('#filter-error .message'), 'Invalid filter at position 22: unknown keyword "bogus"');
      assert.equal(await page.textContent('#filter-error mark'), 'bogus');

      await page.click('#filter-clear');
      await until(page, 'the full list', () => document.querySelectorAll('tr.trace-row').length === 4, undefined);
      assert.ok(await page.$eval('#filter-error', (box) => box.hidden));
    });

    it('refreshes the list every 2 s, keeping the applied filter, the scroll position, the focus and what is typed', async () => {
      await sendDocuments(local, Array.from({ length: 60 }, (_, i) => listItem(i)));
      const listRequests = watchListRequests(page);
      await page.setViewportSize({ width: 1280, height: 500 });
      await page.goto(`${local.viewerUrl}/#/traces?filter=${encodeURIComponent('duration > 0')}`);
      await until(page, 'sixty rows', () => document.querySelectorAll('tr.trace-row').length === 60, undefined);
      assert.equal(await page.inputValue('#filter'), 'duration > 0', 'the filter from the address');
      await page.focus('#filter');
      await page.keyboard.press('End');
      await page.keyboard.type(' AND http.status = 2', { delay: 20 });
      // Scrolled down (the focus stays in the box), and a row marked: the refresh must keep both.
      await page.evaluate(() => {
        window.scrollTo(0, 600);
        document.querySelector('tr.trace-row:nth-child(20)').kept = true;
      });
      const seen = listRequests().length;
      for (let i = 0; i < 100 && listRequests().length < seen + 2; i++) await page.waitForTimeout(100);
      assert.ok(listRequests().length >= seen + 2, 'the list was asked for again, twice');
      for (const path of listRequests()) assert.equal(path, '/api/traces?filter=duration%20%3E%200&limit=100', 'the applied filter, not the typed one');
      const after = await page.evaluate(() => ({
        scrollY: window.scrollY,
        focused: document.activeElement?.id,
        value: document.getElementById('filter').value,
        kept: document.querySelector('tr.trace-row:nth-child(20)').kept,
      }));
      assert.deepEqual(after, { scrollY: 600, focused: 'filter', value: 'duration > 0 AND http.status = 2', kept: true });

      // A new trace comes in: it shows at the top by itself.
      await sendDocuments(local, [listItem(60)]);
      await until(page, 'the new trace at the top', (id) => document.querySelector('tr.trace-row')?.getAttribute('data-trace-id') === id, listItem(60).trace_id);
      assert.equal(await page.locator('tr.trace-row').count(), 61);
      assert.equal(await page.inputValue('#filter'), 'duration > 0 AND http.status = 2');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'filter');
    });

    it('draws the waterfall: the API\'s rows in order, indented, bars on the trace\'s span, coloured by status', async () => {
      await sendTrace(local);
      const trace = (await apiGet<ApiTrace>(local, `/api/traces/${TRACE_ID}`)).body;
      assert.deepEqual(trace.entities, TRACE_ENTITIES, 'what the server assembled from the two documents');
      await page.goto(`${local.viewerUrl}/#/trace/${TRACE_ID}`);
      await until(page, 'five timeline rows', () => document.querySelectorAll('.timeline-row').length === 5, undefined);
      const rows = await page.$$eval('.timeline-row', (divs) =>
        divs.map((div) => {
          const bar = div.querySelector('.bar');
          return {
            id: div.dataset.entityId,
            depth: div.dataset.depth,
            cells: [...div.children].slice(0, 6).map((cell) => cell.textContent),
            indent: getComputedStyle(div.querySelector('.name')).paddingLeft,
            left: bar.style.left,
            width: bar.style.width,
            colour: getComputedStyle(bar).backgroundColor,
            inProgress: div.classList.contains('in-progress'),
          };
        }),
      );
      assert.deepEqual(rows.map((r) => r.id), trace.entities.map((e) => e.id));
      assert.deepEqual(rows.map((r) => r.depth), ['0', '1', '1', '2', '2']);
      assert.deepEqual(rows.map((r) => r.indent), ['8px', '24px', '24px', '40px', '40px']);
      assert.deepEqual(rows.map((r) => r.cells), [
        ['web', 'web', '', '500', '+0.00 ms', '1.00 s'],
        ['web', '└DynamoDB', 'aws', '429', '+0.00 ms', '250.0 ms'],
        ['web', '└handler', '', '', '+250.0 ms', '500.0 ms'],
        ['web', '└orders@db', 'remote', '', '+500.0 ms', '250.0 ms'],
        ['payments', '└payments', '', '', '+500.0 ms', 'in progress'],
      ]);
      assert.deepEqual(rows.map((r) => [r.left, r.width]), [['0%', '100%'], ['0%', '25%'], ['25%', '50%'], ['50%', '25%'], ['50%', '50%']]);
      assert.deepEqual(rows.map((r) => r.colour), [COLOURS.fault, COLOURS.throttle, COLOURS.fault, COLOURS.error, COLOURS.ok]);
      assert.deepEqual(rows.map((r) => r.inProgress), [false, false, false, false, true]);
      const ticks = await page.$$eval('#timeline-axis .tick', (spans) => spans.map((s) => s.textContent));
      assert.deepEqual(ticks, ['0', '200 ms', '400 ms', '600 ms', '800 ms'], 'none at the very end');
      await screenshot(page, 'crafted-trace');

      // The way back to the list, from the link and the nav bar.
      await page.click('#back-to-traces');
      await until(page, 'the list', () => document.body.dataset.view === 'traces', undefined);
      await until(page, 'its row', (id) => document.querySelector('tr.trace-row')?.getAttribute('data-trace-id') === id, TRACE_ID);
    });

    it('shows the selected entity\'s details: http, sql, aws, annotations, metadata, cause, raw JSON', async () => {
      await sendTrace(local);
      await page.goto(`${local.viewerUrl}/#/trace/${TRACE_ID}`);
      await until(page, 'the root selected', (id) => document.getElementById('details')?.dataset.entityId === id, 'a000000000000001');
      const sections = (): Promise<string[]> => page.$$eval('#details .detail-section', (s) => s.map((x) => x.dataset.section as string));
      const kv = (section: string): Promise<Record<string, string>> =>
        page.$$eval(`#details [data-section="${section}"] table.kv tr`, (trs) =>
          Object.fromEntries(trs.map((tr) => [tr.querySelector('th')?.textContent, tr.querySelector('td')?.textContent])),
        );
      assert.deepEqual(await sections(), ['overview', 'http', 'annotations', 'raw']);
      assert.deepEqual(await kv('http'), {
        'request.method': 'POST', 'request.url': 'http://shop.example/pay', 'request.user_agent': 'curl/8.5', 'response.status': '500',
      });
      assert.deepEqual(await kv('annotations'), { user: 'alice', vip: 'true' });
      assert.equal(await page.getAttribute('.timeline-row.selected', 'data-entity-id'), 'a000000000000001');

      await page.click('.timeline-row[data-entity-id="a000000000000002"]');
      assert.deepEqual(await sections(), ['overview', 'http', 'aws', 'raw']);
      assert.deepEqual(await kv('aws'), { operation: 'GetItem', table_name: 'orders', region: 'eu-west-1' });
      assert.equal((await kv('overview')).namespace, 'aws');

      await page.click('.timeline-row[data-entity-id="a000000000000003"]');
      assert.deepEqual(await sections(), ['overview', 'metadata', 'cause', 'raw']);
      assert.equal(await page.textContent('#details .exception-head'), 'TypeError: <b>card declined</b>');
      assert.deepEqual(await page.$$eval('#details ol.stack li', (lis) => lis.map((li) => li.textContent)), ['app.js:7charge', 'node_modules/pay/index.js:12']);
      assert.match((await page.textContent('#details [data-section="cause"]')) as string, /working directory \/srv\/app.*3 more frames not recorded/s);
      assert.deepEqual(await kv('metadata'), { 'cart.size': '3', 'cart.items': '[\n  "a",\n  "b"\n]' });
      const raw = JSON.parse((await page.textContent('#details [data-section="raw"] pre')) as string);
      assert.deepEqual(raw, WEB_DOCUMENT.subsegments?.[1], 'the raw JSON: the subsegment as it was in its document');

      // The arrow keys move the selection.
      await page.keyboard.press('ArrowDown');
      await until(page, 'the next row selected', (id) => document.getElementById('details')?.dataset.entityId === id, 'a000000000000004');
      assert.deepEqual(await kv('sql'), { url: 'postgresql://db:5432/orders', sanitized_query: 'SELECT * FROM orders WHERE id = $1', database_type: 'PostgreSQL' });
      assert.equal(await page.evaluate(() => document.activeElement.dataset.entityId), 'a000000000000004');
      await screenshot(page, 'crafted-trace-details');
      await page.keyboard.press('ArrowDown');
      await until(page, 'the payments segment selected', (id) => document.getElementById('details')?.dataset.entityId === id, 'b000000000000001');
      assert.equal((await kv('overview')).duration, 'in progress');
      assert.deepEqual(JSON.parse((await page.textContent('#details [data-section="raw"] pre')) as string), PAYMENTS_DOCUMENT, 'a segment: its document');
    });

    it('draws the service map: callers left of callees, rings by status share, labelled edges, a click for the traces', async () => {
      const crafted = mapDocuments();
      await sendDocuments(local, crafted.documents);
      assert.deepEqual((await apiGet(local, '/api/service-map')).body, MAP, 'the map the server computes from the documents');
      const listRequests = watchListRequests(page);
      await page.goto(`${local.viewerUrl}/#/map`);
      await until(page, 'four nodes', () => document.querySelectorAll('.map-node').length === 4, undefined);
      const nodes = await page.$$eval('.map-node', (gs) =>
        Object.fromEntries(gs.map((g) => {
          const [, x, y] = /translate\(([-\d.]+),([-\d.]+)\)/.exec(g.getAttribute('transform') as string) as RegExpExecArray;
          const arcs = [...g.querySelectorAll('.arc')].map((arc) => [arc.getAttribute('class'), arc.getAttribute('data-count'), getComputedStyle(arc).stroke]);
          const texts = [...g.querySelectorAll('text')].map((t) => t.textContent);
          return [g.getAttribute('data-name'), { x: Number(x), y: Number(y), arcs, texts, status: g.getAttribute('data-status') }];
        })),
      );
      assert.deepEqual(Object.keys(nodes).sort(), ['DynamoDB', 'orders@db', 'payments', 'web']);
      const x = (name: string): number => nodes[name]?.x as number;
      assert.ok(x('web') < x('payments') && x('payments') < x('orders@db'), JSON.stringify(nodes));
      assert.equal(x('DynamoDB'), x('payments'), 'callees of the same caller in one layer');
      assert.deepEqual(nodes.web?.arcs, [
        ['arc arc-ok', '7', COLOURS.ok], ['arc arc-error', '1', COLOURS.error], ['arc arc-throttle', '1', COLOURS.throttle], ['arc arc-fault', '1', COLOURS.fault],
      ]);
      assert.deepEqual(nodes.web?.texts, ['120.5 ms', '10 req', 'web', 'service']);
      assert.equal(nodes.web?.status, 'fault');
      assert.deepEqual(nodes['orders@db']?.arcs, [['arc arc-ok', '5', COLOURS.ok], ['arc arc-error', '1', COLOURS.error]]);
      assert.deepEqual(nodes.DynamoDB?.texts, ['8.00 ms', '3 req', 'DynamoDB', 'AWS::DynamoDB::Table']);

      const edges = await page.$$eval('.map-edge', (gs) =>
        gs.map((g) => [g.getAttribute('data-source'), g.getAttribute('data-target'), g.querySelector('text')?.textContent, g.querySelector('path')?.getAttribute('d')?.includes('Q')]),
      );
      // In the API's order (by source, then target).
      assert.deepEqual(edges, [
        ['payments', 'orders@db', '6 req · 2.50 ms', false],
        ['payments', 'web', '1 req · 1.00 ms', true], // curved: back to the caller, beside web → payments
        ['web', 'DynamoDB', '3 req · 8.00 ms', false],
        ['web', 'payments', '4 req · 40.0 ms', true], // curved: payments → web comes back beside it
      ]);
      await screenshot(page, 'crafted-map');

      await page.click('.map-node[data-name="payments"]');
      await until(page, 'the list filtered by the service', () => document.body.dataset.view === 'traces', undefined);
      assert.equal(await page.inputValue('#filter'), 'service("payments")');
      await until(page, 'the traces through payments', (ids) => JSON.stringify([...document.querySelectorAll('tr.trace-row')].map((tr) => tr.dataset.traceId)) === JSON.stringify(ids), crafted.throughPayments);
      assert.ok(listRequests().includes('/api/traces?filter=service(%22payments%22)&limit=100'), listRequests().join('\n'));
    });

    it('puts every text from the documents into the page as text: markup in names, annotations, URLs and messages stays inert', async () => {
      await sendDocuments(local, [INERT_DOCUMENT]);
      const inert = async (): Promise<void> => {
        const found = await page.evaluate(() => ({
          elements: document.querySelectorAll('main img, main u, main b, main script, body > script ~ script').length,
          pwned: window.pwned,
        }));
        assert.deepEqual(found, { elements: 0, pwned: undefined });
      };
      await page.goto(`${local.viewerUrl}/#/traces`);
      await until(page, 'the row', () => document.querySelectorAll('tr.trace-row').length === 1, undefined);
      assert.equal(await page.textContent('tr.trace-row td.name'), LOOKALIKE);
      assert.equal(await page.textContent('tr.trace-row td.method'), EVIL);
      assert.equal(await page.textContent('tr.trace-row td.url'), EVIL_URL);
      assert.equal(await page.textContent('tr.trace-row .chip'), `note=${EVIL}`);
      await inert();
      await page.click('tr.trace-row td.name a');
      await until(page, 'the timeline', () => document.querySelectorAll('.timeline-row').length === 1, undefined);
      assert.equal(await page.textContent('.timeline-row .name'), LOOKALIKE);
      assert.equal(await page.textContent('.timeline-row .service'), LOOKALIKE);
      assert.equal(await page.textContent('#details .exception-head'), `${EVIL}: ${EVIL}`);
      assert.deepEqual(await page.$$eval('#details ol.stack li', (lis) => lis.map((li) => li.textContent)), [`${EVIL}:1${EVIL}`]);
      assert.ok(((await page.textContent('#details [data-section="metadata"]')) as string).includes(EVIL));
      assert.equal(await page.textContent('#details [data-section="http"] tr:first-child td'), EVIL);
      await inert();
      await page.click('#nav-map');
      await until(page, 'the node', () => document.querySelectorAll('.map-node').length === 1, undefined);
      assert.equal(await page.getAttribute('.map-node', 'data-name'), LOOKALIKE);
      assert.equal(await page.textContent('.map-node .node-name'), LOOKALIKE);
      assert.equal(await page.textContent('.map-node .node-type'), EVIL, 'the segment\'s origin');
      await inert();
    });

    it('asks only its own server for anything, and says so when a trace is not there', async () => {
      await sendDocuments(local, [listDocuments()[0]]);
      const asked: string[] = [];
      page.on('request', (request) => asked.push(request.url()));
      await page.goto(`${local.viewerUrl}/#/trace/1-00000000-000000000000000000000000`);
      await until(page, 'the problem', () => !document.getElementById('trace-problem')?.hidden, undefined);
      assert.match((await page.textContent('#trace-problem')) as string, /^No trace 1-00000000-000000000000000000000000 here/);
      await page.click('#nav-map');
      await until(page, 'the map', () => document.querySelectorAll('.map-node').length > 0, undefined);
      const paths = asked.map((url) => new URL(url).pathname);
      for (const path of ['/', '/api/stats', '/api/traces/1-00000000-000000000000000000000000', '/api/service-map']) {
        assert.ok(paths.includes(path), `${path} was not asked for:\n${asked.join('\n')}`);
      }
      for (const url of asked) assert.ok(url.startsWith(`${local.viewerUrl}/`), `${url} is not the viewer's`);
    });
  });

  describe('end to end: otel-xray local, a traced express app and a gateway in front of it', () => {
    let local: RunningLocal | undefined;
    let shop: RunningApp | undefined;
    let gateway: NodeApp | undefined;
    /** Trace ids by request, from the apps' X-Amzn-Trace-Id response headers. */
    const ids: Record<string, string> = {};

    before(async function () {
      this.timeout(60_000);
      local = await startLocal();
      const env = { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${local.daemonPort}`, AWS_XRAY_SAMPLING: 'false' };
      shop = await startApp(resolve(ROOT, 'samples/express/app.js'), { ...env, AWS_XRAY_TRACING_NAME: 'shop' });
      gateway = await startNodeApp(GATEWAY_APP, { ...env, AWS_XRAY_TRACING_NAME: 'gateway', SHOP_PORT: String(shop.port) });
      const traceId = async (port: number, path: string, status: number): Promise<string> => {
        const reply = await httpGet(port, path);
        assert.equal(reply.status, status, `GET ${path}: ${reply.body}`);
        const root = /Root=([^;]+)/.exec(String(reply.headers['x-amzn-trace-id']));
        assert.ok(root, `GET ${path} answered no trace header`);
        return root[1] as string;
      };
      ids.orders = await traceId(shop.port, '/orders/42', 200);
      ids.checkout = await traceId(shop.port, '/checkout', 200); // with an outgoing call to itself
      ids.missing = await traceId(shop.port, '/nope', 404);
      ids.fail = await traceId(shop.port, '/fail', 500);
      ids.gateway = await traceId(gateway.port, '/', 200); // gateway → shop /checkout → shop /orders/7
      // And one datagram that is not a document.
      const socket = createSocket('udp4');
      await new Promise<void>((done) => socket.send('not a document', local!.daemonPort, '127.0.0.1', () => done()));
      socket.close();
      // Every document in: each trace complete, with the segments of each service it went through.
      const segments: Record<string, number> = { orders: 1, checkout: 2, missing: 1, fail: 1, gateway: 3 };
      for (let i = 0; ; i++) {
        const complete = await Promise.all(Object.entries(ids).map(async ([name, id]) => {
          const reply = await httpGet(viewerPort(), `/api/traces/${id}`);
          if (reply.status !== 200) return false;
          const trace = JSON.parse(reply.body) as ApiTrace;
          return trace.entities.every((e) => e.end_time !== undefined) && trace.entities.filter((e) => e.kind === 'segment').length === segments[name];
        }));
        if (complete.every(Boolean)) break;
        if (i > 150) throw new Error(`the traces did not all arrive: ${JSON.stringify(complete)}\n${local.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    });

    after(async () => {
      await gateway?.stop();
      await shop?.stop();
      await local?.stop();
    });

    const viewerPort = (): number => Number(new URL(local!.viewerUrl).port);
    const api = async <T>(path: string): Promise<{ status: number; body: T }> => {
      const reply = await httpGet(viewerPort(), path);
      return { status: reply.status, body: JSON.parse(reply.body) as T };
    };
    const rowIds = (): Promise<string[]> => page.$$eval('tr.trace-row', (trs) => trs.map((tr) => tr.dataset.traceId as string));

    it('lists the traces, newest first, with their status and flags; the header counts the datagrams; new ones show up', async () => {
      const listed = (await api<{ traces: { id: string }[] }>('/api/traces?limit=100')).body.traces.map((t) => t.id);
      assert.deepEqual([...listed].sort(), Object.values(ids).sort(), 'the API lists the five traces');
      await page.goto(`${local!.viewerUrl}/#/traces`);
      await until(page, 'five rows', () => document.querySelectorAll('tr.trace-row').length === 5, undefined);
      assert.deepEqual(await rowIds(), listed, 'the order of the API: newest first');
      const row = (id: string | undefined): Promise<string[]> => page.$$eval(`tr.trace-row[data-trace-id="${id}"] td`, (tds) => tds.map((td) => td.textContent as string));
      const [, name, , method, url, status, flags] = await row(ids.fail);
      assert.deepEqual([name, method, status, flags], ['shop', 'GET', '500', 'fault']);
      assert.match(url as string, /^http:\/\/127\.0\.0\.1:\d+\/fail$/);
      assert.deepEqual((await row(ids.missing)).slice(5, 7), ['404', 'error']);
      assert.deepEqual((await row(ids.gateway)).slice(1, 2), ['gateway']);
      assert.deepEqual((await row(ids.checkout)).slice(5, 7), ['200', '']);
      assert.equal(await page.getAttribute(`tr.trace-row[data-trace-id="${ids.fail}"]`, 'data-status'), 'fault');

      const stats = (await api<{ received: number; accepted: number }>('/api/stats')).body;
      await until(page, 'the stats', (text) => document.getElementById('stats')?.textContent === text,
        `received ${stats.received} · accepted ${stats.accepted} · rejected 1 (no-header 1)`);

      // A request made now: its trace comes into the open list by itself.
      ids.later = await (async () => {
        const reply = await httpGet(shop!.port, '/orders/43');
        return (/Root=([^;]+)/.exec(String(reply.headers['x-amzn-trace-id'])) as RegExpExecArray)[1] as string;
      })();
      await until(page, 'the new trace on top', (id) => document.querySelector('tr.trace-row')?.getAttribute('data-trace-id') === id, ids.later);
      await screenshot(page, 'traces');
    });

    it('narrows the list with a filter, and shows where a bad filter is wrong', async () => {
      await page.goto(`${local!.viewerUrl}/#/traces`);
      await until(page, 'the rows', () => document.querySelectorAll('tr.trace-row').length >= 5, undefined);
      await page.fill('#filter', 'http.status = 500');
      await page.press('#filter', 'Enter');
      await until(page, 'one row', () => document.querySelectorAll('tr.trace-row').length === 1, undefined);
      assert.deepEqual(await rowIds(), [ids.fail]);
      assert.equal(await page.textContent('#list-status'), '1 trace match the filter');
      await screenshot(page, 'traces-filtered');

      await page.fill('#filter', 'http.status = ');
      await page.press('#filter', 'Enter');
      await until(page, 'the error', () => !document.getElementById('filter-error')?.hidden, undefined);
      const expected = await api<{ error: string; position: number }>(`/api/traces?filter=${encodeURIComponent('http.status =')}&limit=100`);
      assert.equal(expected.status, 400);
      const { error, position } = expected.body;
      assert.equal(await page.textContent('#filter-error .message'), `Invalid filter at position ${position}: ${error}`);
      assert.equal(await page.textContent('#filter-error .caret'), `${' '.repeat(position)}^`);
      assert.equal(await page.locator('tr.trace-row').count(), 0);
      await screenshot(page, 'traces-filter-error');

      await page.fill('#filter', '');
      await page.press('#filter', 'Enter');
      await until(page, 'all rows again', () => document.querySelectorAll('tr.trace-row').length >= 5, undefined);
    });

    it('opens a trace from the list: the waterfall has the API\'s entities in order, the root segment first', async () => {
      await page.goto(`${local!.viewerUrl}/#/traces`);
      await until(page, 'the rows', () => document.querySelectorAll('tr.trace-row').length >= 5, undefined);
      await page.click(`tr.trace-row[data-trace-id="${ids.gateway}"] td.name a`);
      const trace = (await api<ApiTrace>(`/api/traces/${ids.gateway}`)).body;
      await until(page, 'the timeline', (n) => document.querySelectorAll('.timeline-row').length === n, trace.entities.length);
      assert.equal(await page.evaluate(() => location.hash), `#/trace/${ids.gateway}`);
      const rows = await page.$$eval('.timeline-row', (divs) =>
        divs.map((div) => ({
          id: div.dataset.entityId,
          kind: div.dataset.kind,
          depth: Number(div.dataset.depth),
          service: div.querySelector('.service')?.textContent,
          name: div.querySelector('.name')?.textContent?.replace(/^└/, ''),
        })),
      );
      assert.deepEqual(rows, trace.entities.map((e) => ({ id: e.id, kind: e.kind, depth: e.depth, service: e.service, name: e.name })));
      // The root: the gateway's segment, the document with no parent.
      const root = trace.documents.find((d) => d.parent_id === undefined);
      assert.deepEqual([rows[0]?.id, rows[0]?.kind, rows[0]?.depth, rows[0]?.name], [root?.id, 'segment', 0, 'gateway']);
      // gateway → its call → shop (/checkout) → … → its call → shop (/orders/7).
      assert.deepEqual(rows.filter((r) => r.kind === 'segment').map((r) => r.service), ['gateway', 'shop', 'shop']);
      const call = rows.find((r) => r.service === 'gateway' && r.kind === 'subsegment' && r.depth === 1);
      assert.ok(call, JSON.stringify(rows));
      assert.equal(rows[rows.findIndex((r) => r.id === call.id) + 1]?.service, 'shop', 'the called service right under the call');

      await page.click(`.timeline-row[data-entity-id="${call.id}"]`);
      await until(page, 'its details', (id) => document.getElementById('details')?.dataset.entityId === id, call.id);
      assert.match((await page.textContent('#details [data-section="http"]')) as string, /request\.urlhttp:\/\/127\.0\.0\.1:\d+\/checkout/);
      await screenshot(page, 'trace');

      await page.click('#back-to-traces');
      await until(page, 'the list', () => document.querySelectorAll('tr.trace-row').length >= 5, undefined);
    });

    it('shows a failed request in red, with the exception and its stack', async () => {
      await page.goto(`${local!.viewerUrl}/#/trace/${ids.fail}`);
      const trace = (await api<ApiTrace>(`/api/traces/${ids.fail}`)).body;
      await until(page, 'the timeline', (n) => document.querySelectorAll('.timeline-row').length === n, trace.entities.length);
      const root = page.locator('.timeline-row').first();
      assert.equal(await root.getAttribute('data-status'), 'fault');
      assert.equal(await root.locator('.bar').evaluate((bar) => getComputedStyle(bar).backgroundColor), COLOURS.fault);
      assert.equal(await root.locator('.http-status').textContent(), '500');
      const handler = trace.entities.find((e) => e.name === 'request handler');
      assert.ok(handler, JSON.stringify(trace.entities));
      await page.click(`.timeline-row[data-entity-id="${handler.id}"]`);
      await until(page, 'the cause', () => document.querySelector('#details [data-section="cause"]') !== null, undefined);
      assert.equal(await page.textContent('#details .exception-head'), 'Error: payment declined');
      const frames = await page.$$eval('#details ol.stack li', (lis) => lis.map((li) => li.textContent));
      assert.equal(frames[0], 'samples/express/app.js:16');
      assert.ok(frames.length > 1 && frames.every((f) => /:\d+/.test(f as string)), frames.join('\n'));
      await screenshot(page, 'trace-fault');
    });

    it('draws the service map of the API: its nodes and edges, the gateway left of the shop', async () => {
      const map = (await api<{ nodes: { name: string; requests: number }[]; edges: { source: string; target: string; requests: number }[] }>('/api/service-map')).body;
      assert.ok(map.edges.some((e) => e.source === 'gateway' && e.target === 'shop'), JSON.stringify(map));
      await page.goto(`${local!.viewerUrl}/#/map`);
      await until(page, 'the nodes', (n) => document.querySelectorAll('.map-node').length === n, map.nodes.length);
      const nodes = await page.$$eval('.map-node', (gs) =>
        gs.map((g) => ({ name: g.getAttribute('data-name'), transform: g.getAttribute('transform'), texts: [...g.querySelectorAll('text')].map((t) => t.textContent) })),
      );
      assert.deepEqual(nodes.map((n) => n.name).sort(), map.nodes.map((n) => n.name).sort());
      for (const node of map.nodes) assert.ok(nodes.find((n) => n.name === node.name)?.texts.includes(`${node.requests} req`), JSON.stringify(nodes));
      const edges = await page.$$eval('.map-edge', (gs) => gs.map((g) => `${g.getAttribute('data-source')} → ${g.getAttribute('data-target')}`));
      assert.deepEqual(edges.sort(), map.edges.map((e) => `${e.source} → ${e.target}`).sort());
      const x = (name: string): number => Number(/translate\(([-\d.]+),/.exec(nodes.find((n) => n.name === name)?.transform ?? '')?.[1]);
      assert.ok(x('gateway') < x('shop'), JSON.stringify(nodes));
      await screenshot(page, 'map');
    });
  });
});

// ---------------------------------------------------------------- the traced gateway

/** A plain HTTP service: GET / calls the shop's /checkout and answers with its status. Traced by the preload. */
const GATEWAY_APP = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  http.get({ host: '127.0.0.1', port: Number(process.env.SHOP_PORT), path: '/checkout', agent: false }, (reply) => {
    reply.resume();
    reply.on('end', () => res.end('checkout ' + reply.statusCode));
  }).on('error', (err) => { res.statusCode = 502; res.end(String(err)); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('listening ' + server.address().port + '\\n'));
`;

interface NodeApp {
  readonly child: ChildProcess;
  readonly port: number;
  stop(): Promise<void>;
}

/** Runs `node --require register.js -e <code>` with only `env` (and PATH); resolves with the port it prints. */
async function startNodeApp(code: string, env: Record<string, string>): Promise<NodeApp> {
  const child = spawn(process.execPath, ['--require', resolve(ROOT, 'register.js'), '-e', code], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the gateway did not start: ${out}`));
    }, 15_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening (\d+)/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        done(Number(match[1]));
      }
    });
  });
  return {
    child,
    port,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

// ---------------------------------------------------------------- the API's shapes

interface ApiEntity {
  id: string;
  parent_id?: string;
  name: string;
  namespace?: string;
  start_time: number;
  end_time?: number;
  kind: 'segment' | 'subsegment';
  service: string;
  depth: number;
}

interface ApiDocument {
  id: string;
  parent_id?: string;
  subsegments?: ApiDocument[];
  [key: string]: unknown;
}

interface ApiTrace {
  id: string;
  documents: ApiDocument[];
  entities: ApiEntity[];
}

// ---------------------------------------------------------------- crafted documents

/** A segment document (or an embedded subsegment) as the tests craft it; each is schema-validated when sent. */
interface Doc {
  name: string;
  id: string;
  trace_id?: string;
  parent_id?: string;
  start_time: number;
  end_time?: number;
  subsegments?: Doc[];
  [key: string]: unknown;
}

/** 2023-11-14T22:13:20Z: the list shows its dates (not today), in UTC (the browser context's zone). */
const T0 = 1_700_000_000;

/** A trace id of T0's second (6553f100) with `n` as its random part. */
const traceId = (n: number): string => `1-6553f100-${n.toString(16).padStart(24, '0')}`;

/** The GET /api/traces requests the page makes (path and query), in order, as the browser sent them. */
function watchListRequests(page: Page): () => string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/api/traces') seen.push(url.pathname + url.search);
  });
  return () => [...seen];
}

/** The refresh test's traces: one segment each, a second apart, all 200s. */
const listItem = (i: number): Doc => ({
  name: `svc-${i}`,
  id: `d${(i + 1).toString(16).padStart(15, '0')}`,
  trace_id: `1-6553f100-${String(i + 100).padStart(24, '0')}`,
  start_time: T0 + 100 + i,
  end_time: T0 + 100 + i + 0.001 * (i + 1),
  http: { request: { method: 'GET', url: `http://shop.example/item/${i}` }, response: { status: 200 } },
});

/** The list's four traces, as the list must show them (newest first: 1, 2, 3, 0). */
const LIST = [
  { id: traceId(1) }, // 200, at +0.25 s, 12.3 ms, two annotations on two entities
  { id: traceId(2) }, // 500 fault, at +2 s, 1.5 s, two services
  { id: traceId(3) }, // 429 error and throttle, at +1 s
  { id: traceId(4) }, // 404 error, at +0.5 s
] as const;

/** Five documents for the four traces of LIST, sent deliberately not in time order. */
function listDocuments(): Doc[] {
  return [
    {
      name: 'web', id: '1000000000000001', trace_id: LIST[0].id, start_time: T0 + 0.25, end_time: T0 + 0.25 + 0.0123,
      http: { request: { method: 'GET', url: 'http://shop.example/orders/42' }, response: { status: 200 } },
      annotations: { user: 'alice' },
      subsegments: [{ name: 'load order', id: '1000000000000002', start_time: T0 + 0.251, end_time: T0 + 0.26, annotations: { premium: true } }],
    },
    // The payments service's segment, called by web's subsegment 2000000000000002: it ends first, so it comes first.
    { name: 'payments', id: '2000000000000003', trace_id: LIST[1].id, parent_id: '2000000000000002', start_time: T0 + 2.5, end_time: T0 + 3, fault: true },
    {
      name: 'web', id: '2000000000000001', trace_id: LIST[1].id, start_time: T0 + 2, end_time: T0 + 3.5, fault: true,
      http: { request: { method: 'POST', url: 'http://shop.example/pay' }, response: { status: 500 } },
      subsegments: [{
        name: 'payments', id: '2000000000000002', namespace: 'remote', start_time: T0 + 2.4, end_time: T0 + 3.1, fault: true,
        http: { request: { method: 'POST', url: 'http://payments.internal/charge' }, response: { status: 500 } },
      }],
    },
    {
      name: 'web', id: '3000000000000001', trace_id: LIST[2].id, start_time: T0 + 1, end_time: T0 + 1.004, error: true, throttle: true,
      http: { request: { method: 'GET', url: 'http://shop.example/limited' }, response: { status: 429 } },
    },
    {
      name: 'web', id: '4000000000000001', trace_id: LIST[3].id, start_time: T0 + 0.5, end_time: T0 + 0.502, error: true,
      http: { request: { method: 'GET', url: 'http://shop.example/nope' }, response: { status: 404 } },
    },
  ];
}

/**
 * The waterfall's trace: the web service's segment (with embedded subsegments, one nested), and an in-progress
 * segment of the payments service, called by web's handler subsegment.
 */
const TRACE_ID = traceId(0xabc);
const S = T0 + 2;
const WEB_DOCUMENT: Doc = {
  name: 'web', id: 'a000000000000001', trace_id: TRACE_ID, start_time: S, end_time: S + 1,
  http: { request: { method: 'POST', url: 'http://shop.example/pay', user_agent: 'curl/8.5' }, response: { status: 500 } },
  fault: true, annotations: { user: 'alice', vip: true },
  subsegments: [
    {
      name: 'DynamoDB', id: 'a000000000000002', namespace: 'aws', start_time: S, end_time: S + 0.25, error: true, throttle: true,
      http: { response: { status: 429 } }, aws: { operation: 'GetItem', table_name: 'orders', region: 'eu-west-1' },
    },
    {
      name: 'handler', id: 'a000000000000003', start_time: S + 0.25, end_time: S + 0.75, fault: true,
      cause: {
        working_directory: '/srv/app',
        exceptions: [{ id: 'e000000000000001', type: 'TypeError', message: '<b>card declined</b>', truncated: 3,
          stack: [{ path: 'app.js', line: 7, label: 'charge' }, { path: 'node_modules/pay/index.js', line: 12 }] }],
      },
      metadata: { default: { 'cart.size': 3, cart: { items: ['a', 'b'] } } },
      subsegments: [
        {
          name: 'orders@db', id: 'a000000000000004', namespace: 'remote', start_time: S + 0.5, end_time: S + 0.75, error: true,
          sql: { url: 'postgresql://db:5432/orders', sanitized_query: 'SELECT * FROM orders WHERE id = $1', database_type: 'PostgreSQL' },
        },
      ],
    },
  ],
};
const PAYMENTS_DOCUMENT: Doc = { name: 'payments', id: 'b000000000000001', trace_id: TRACE_ID, parent_id: 'a000000000000003', start_time: S + 0.5, in_progress: true };

/** GET /api/traces/TRACE_ID's entities: parents first, siblings by start (orders@db and payments tie: arrival order). */
const TRACE_ENTITIES: ApiEntity[] = [
  { id: 'a000000000000001', name: 'web', start_time: S, end_time: S + 1, kind: 'segment', service: 'web', depth: 0 },
  { id: 'a000000000000002', parent_id: 'a000000000000001', name: 'DynamoDB', namespace: 'aws', start_time: S, end_time: S + 0.25, kind: 'subsegment', service: 'web', depth: 1 },
  { id: 'a000000000000003', parent_id: 'a000000000000001', name: 'handler', start_time: S + 0.25, end_time: S + 0.75, kind: 'subsegment', service: 'web', depth: 1 },
  { id: 'a000000000000004', parent_id: 'a000000000000003', name: 'orders@db', namespace: 'remote', start_time: S + 0.5, end_time: S + 0.75, kind: 'subsegment', service: 'web', depth: 2 },
  { id: 'b000000000000001', parent_id: 'a000000000000003', name: 'payments', start_time: S + 0.5, kind: 'segment', service: 'payments', depth: 2 },
];

/** Sends the waterfall's trace: web's document, then (once counted, so that it arrives second) the payments one. */
async function sendTrace(local: RunningLocal): Promise<void> {
  await sendDocuments(local, [WEB_DOCUMENT]);
  await sendDocuments(local, [PAYMENTS_DOCUMENT]);
}

/**
 * Ten traces for the service map (times in ms):
 * - four checkouts: web (100, 150, 120, 90) calls payments (calls of 32, 52, 42, 34; segments of 30, 50, 35, 25),
 *   which queries orders@db (1 and 2, 3, 4 failing, 2);
 * - one payments request (60) querying orders@db (3) and calling web back (a call of 1, web's segment 0.5);
 * - five web requests (200, 180 a 500, 150 a 429, 120 a 404, 94.5), the first three reading DynamoDB (6, 8, 10).
 * So web: 10 requests, mean 1205 / 10; payments: 5, mean 200 / 5; orders@db: 6, mean 15 / 6, one error.
 */
function mapDocuments(): { documents: Doc[]; throughPayments: string[] } {
  const documents: Doc[] = [];
  let serial = 0;
  const nextId = (): string => `c${(++serial).toString(16).padStart(15, '0')}`;
  const span = (start: number, ms: number): { start_time: number; end_time: number } => ({ start_time: start, end_time: start + ms / 1000 });
  const ordersDb = (start: number, ms: number, error: boolean): Doc => ({
    name: 'orders@db', id: nextId(), namespace: 'remote', ...span(start, ms), ...(error ? { error: true } : {}),
    sql: { url: 'postgresql://db:5432/orders', sanitized_query: 'UPDATE orders SET paid = true WHERE id = $1', database_type: 'PostgreSQL' },
  });
  const throughPayments: string[] = [];

  const checkouts = [
    { web: 100, call: 32, payments: 30, db: [1, 2], failing: -1 },
    { web: 150, call: 52, payments: 50, db: [3], failing: -1 },
    { web: 120, call: 42, payments: 35, db: [4], failing: 0 },
    { web: 90, call: 34, payments: 25, db: [2], failing: -1 },
  ];
  checkouts.forEach((c, k) => {
    const trace = traceId(0x100 + k);
    const t = T0 + 3600 + k;
    const callId = nextId();
    documents.push({
      name: 'web', id: nextId(), trace_id: trace, ...span(t, c.web),
      http: { request: { method: 'POST', url: 'http://shop.example/checkout' }, response: { status: 200 } },
      subsegments: [{
        name: 'payments', id: callId, namespace: 'remote', ...span(t + 0.002, c.call),
        http: { request: { method: 'POST', url: 'http://payments.internal/charge' }, response: { status: 200 } },
      }],
    });
    let at = t + 0.004;
    documents.push({
      name: 'payments', id: nextId(), trace_id: trace, parent_id: callId, ...span(t + 0.003, c.payments),
      subsegments: c.db.map((ms, i) => {
        const query = ordersDb(at, ms, i === c.failing);
        at += ms / 1000;
        return query;
      }),
    });
    throughPayments.unshift(trace);
  });

  {
    const trace = traceId(0x104);
    const t = T0 + 3600 + 4;
    const callId = nextId();
    documents.push({
      name: 'payments', id: nextId(), trace_id: trace, ...span(t, 60),
      http: { request: { method: 'POST', url: 'http://payments.internal/refund' }, response: { status: 200 } },
      subsegments: [
        ordersDb(t + 0.001, 3, false),
        { name: 'web', id: callId, namespace: 'remote', ...span(t + 0.01, 1), http: { request: { method: 'GET', url: 'http://shop.example/stock' }, response: { status: 200 } } },
      ],
    });
    documents.push({
      name: 'web', id: nextId(), trace_id: trace, parent_id: callId, ...span(t + 0.0102, 0.5),
      http: { request: { method: 'GET', url: 'http://shop.example/stock' }, response: { status: 200 } },
    });
    throughPayments.unshift(trace);
  }

  const requests = [
    { ms: 200, status: 200, dynamo: 6 },
    { ms: 180, status: 500, dynamo: 8 },
    { ms: 150, status: 429, dynamo: 10 },
    { ms: 120, status: 404, dynamo: 0 },
    { ms: 94.5, status: 200, dynamo: 0 },
  ];
  requests.forEach((r, k) => {
    const t = T0 + 3600 + 5 + k;
    const flags = r.status === 500 ? { fault: true } : r.status === 429 ? { error: true, throttle: true } : r.status === 404 ? { error: true } : {};
    documents.push({
      name: 'web', id: nextId(), trace_id: traceId(0x105 + k), ...span(t, r.ms), ...flags,
      http: { request: { method: 'GET', url: `http://shop.example/orders/${k}` }, response: { status: r.status } },
      subsegments: [
        { name: 'render', id: nextId(), ...span(t + 0.001, 1) }, // local work: no node, no edge
        ...(r.dynamo === 0 ? [] : [{
          name: 'DynamoDB', id: nextId(), namespace: 'aws', ...span(t + 0.002, r.dynamo),
          aws: { operation: 'GetItem', table_name: 'orders', region: 'eu-west-1' },
        }]),
      ],
    });
  });
  return { documents, throughPayments };
}

/** GET /api/service-map for mapDocuments(): names in code-unit order, as the server sorts them; payments → web closes a cycle. */
const MAP = {
  nodes: [
    { name: 'DynamoDB', type: 'AWS::DynamoDB::Table', requests: 3, errors: 0, faults: 0, throttles: 0, mean_ms: 8 },
    { name: 'orders@db', type: 'remote', requests: 6, errors: 1, faults: 0, throttles: 0, mean_ms: 2.5 },
    { name: 'payments', type: 'service', requests: 5, errors: 0, faults: 0, throttles: 0, mean_ms: 40 },
    { name: 'web', type: 'service', requests: 10, errors: 2, faults: 1, throttles: 1, mean_ms: 120.5 },
  ],
  edges: [
    { source: 'payments', target: 'orders@db', requests: 6, errors: 1, faults: 0, throttles: 0, mean_ms: 2.5 },
    { source: 'payments', target: 'web', requests: 1, errors: 0, faults: 0, throttles: 0, mean_ms: 1 },
    { source: 'web', target: 'DynamoDB', requests: 3, errors: 0, faults: 0, throttles: 0, mean_ms: 8 },
    { source: 'web', target: 'payments', requests: 4, errors: 0, faults: 0, throttles: 0, mean_ms: 40 },
  ],
};

/**
 * Markup, where the schema lets a document carry any text: the request's method, URL and user agent, annotation
 * values, the user, the origin (the map's node type), metadata keys and values, exception types, messages and frames.
 */
const EVIL = '<img src=x onerror="window.pwned=1"><u>x</u><script>window.pwned=2</script>';
const EVIL_URL = `http://x/"><u>${EVIL}`;
/**
 * Names (segment names, so the map's node names too) allow no `<`, `>`, `;` or quote: character references
 * without the semicolon, which HTML would decode (`&lt` is `<`), must show as typed. Short enough (28 at most) for
 * the map to show it whole.
 */
const LOOKALIKE = '&ltu&gtweb&amp&#60/u&#62';
const INERT_DOCUMENT: Doc = {
  name: LOOKALIKE, id: 'f000000000000001', trace_id: traceId(0xbad), start_time: T0 + 5, end_time: T0 + 5.02, fault: true,
  origin: EVIL, user: EVIL,
  http: { request: { method: EVIL, url: EVIL_URL, user_agent: EVIL }, response: { status: 500 } },
  annotations: { note: EVIL },
  metadata: { [EVIL]: { [EVIL]: EVIL } },
  cause: { exceptions: [{ id: 'e00000000000000f', type: EVIL, message: EVIL, stack: [{ path: EVIL, line: 1, label: EVIL }] }] },
};
