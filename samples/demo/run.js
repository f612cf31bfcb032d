'use strict';
// `npm run demo`: otel-xray local (the local X-Ray daemon and viewer) and two traced services, shop and inventory
// (samples/demo/app.js under `node --require ./register.js`), with traffic that shows what a trace can hold: an
// outgoing call to another traced service, SQL queries, annotations and the user, a worker thread continuing a
// trace, a 404 and a 500 with its stack. Prints each trace as a tree, then the viewer's address, and keeps
// serving until Ctrl-C. `--once`: exit after the traffic (for CI).
const { spawn } = require('node:child_process');
const http = require('node:http');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const once = process.argv.includes('--once');
const children = [];

function start(args, env, match) {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk) => {
      seen += chunk;
      const found = match.exec(seen);
      if (found) {
        child.stdout.off('data', onData);
        resolve({ child, found });
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.at(-1)} exited with ${code} before it was ready:\n${seen}`)));
  });
}

function get(port, path) {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', (err) => resolve(err.code));
  });
}

function getJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c)).on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

/** The local daemon on its usual ports, or on free ones when those are taken (another daemon runs). */
async function startLocal() {
  const LINE = /X-Ray daemon on udp ([\d.]+):(\d+) .*viewer at (http:\/\/[\d.]+:\d+)/;
  const args = [join(ROOT, 'bin', 'otel-xray.js'), 'local', '--tail', '--sampling-rules', join(__dirname, 'sample-all.json')];
  try {
    return await start([...args, '--address', '127.0.0.1:2000', '--ui', '127.0.0.1:2001'], {}, LINE);
  } catch {
    return start([...args, '--address', '127.0.0.1:0', '--ui', '127.0.0.1:0'], {}, LINE);
  }
}

async function main() {
  const local = await startLocal();
  const [, host, port, viewer] = local.found;
  local.child.stdout.pipe(process.stdout); // the traces, as trees, as they finish
  const traced = (name, extra) => ({
    AWS_XRAY_DAEMON_ADDRESS: `${host}:${port}`,
    AWS_XRAY_TRACING_NAME: name,
    AWS_XRAY_COLLECT_SQL_QUERIES: 'true',
    DEMO_ROLE: name,
    ...extra,
  });
  const app = join(__dirname, 'app.js');
  const register = join(ROOT, 'register.js');
  const inventory = await start(['--require', register, app], traced('inventory'), /listening (\d+)/);
  const shop = await start(['--require', register, app], traced('shop', { INVENTORY_PORT: inventory.found[1] }), /listening (\d+)/);
  const shopPort = Number(shop.found[1]);
  // The apps fetch their sampling rules from the daemon (sample everything, here) before the first request.
  await new Promise((resolve) => setTimeout(resolve, 1500));

  console.log(`shop on port ${shopPort}, inventory on port ${inventory.found[1]}; daemon ${host}:${port}\n`);
  for (const path of ['/orders/42', '/checkout', '/missing', '/fail']) console.log(`GET ${path} → ${await get(shopPort, path)}`);
  console.log('');
  // Every trace in: 4 requests, and the inventory call inside the checkout.
  for (let i = 0; i < 50; i++) {
    const { traces } = await getJson(`${viewer}/api/traces`);
    if (traces.length >= 4) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 600)); // --tail prints a trace once it has been quiet 300 ms
  const { traces } = await getJson(`${viewer}/api/traces`);
  const map = await getJson(`${viewer}/api/service-map`);
  console.log(`${traces.length} traces; service map: ${map.nodes.map((n) => n.name).join(', ')}; ` +
    `edges: ${map.edges.map((e) => `${e.source} → ${e.target}`).join(', ')}`);
  console.log(`\nOpen ${viewer} to see them: the trace list (try the filter \`fault\` or \`annotation.total > 40\`), each` +
    ` trace's timeline, the service map.${once ? '' : ' Ctrl-C stops.'}`);
  if (once) stop(0);
}

function stop(code) {
  for (const child of children) child.kill('SIGTERM');
  process.exitCode = code;
}

process.on('SIGINT', () => stop(0));
main().catch((err) => {
  console.error(err.message);
  stop(1);
});
