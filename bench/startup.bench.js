'use strict';
// Start-up time the preload adds: `node -e 0` with and without `--require ./register.js`, median of 15 runs each
// (interleaved, so machine load affects both alike). The daemon address points at a closed port: nothing waits
// on the network, which is the point.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

const REGISTER = join(__dirname, '..', 'register.js');
const env = { PATH: process.env.PATH, AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:9' };

function time(args) {
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
const bare = [];
const traced = [];
const plugins = [];
// EC2Plugin pointed at a closed loopback port: detection fails at once, in the background.
const withPlugins = (args) => {
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, args, { env: { ...env, AWS_XRAY_PLUGINS: 'EC2Plugin,ECSPlugin,ElasticBeanstalkPlugin,EKSPlugin,LambdaPlugin', AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9' }, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - start) / 1e6;
};
time(['-e', '0']);
time(['--require', REGISTER, '-e', '0']);
for (let i = 0; i < 15; i++) {
  bare.push(time(['-e', '0']));
  traced.push(time(['--require', REGISTER, '-e', '0']));
  plugins.push(withPlugins(['--require', REGISTER, '-e', '0']));
}
const results = [
  { case: 'node -e 0', medianMillis: +median(bare).toFixed(1) },
  { case: 'node --require ./register -e 0', medianMillis: +median(traced).toFixed(1), addedMillis: +(median(traced) - median(bare)).toFixed(1) },
  { case: '... with all five plugins (off-cloud)', medianMillis: +median(plugins).toFixed(1), addedMillis: +(median(plugins) - median(bare)).toFixed(1) },
];
console.log(JSON.stringify({ bench: 'startup', node: process.version, results }));
