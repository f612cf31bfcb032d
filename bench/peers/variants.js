'use strict';
// The tracers compared, as a user would start each one. `sink` holds the ports of the local receivers.
const { join } = require('node:path');

const REGISTER = join(__dirname, '..', '..', 'register.js');
const ALL_PLUGINS = 'EC2Plugin,ECSPlugin,ElasticBeanstalkPlugin,EKSPlugin,LambdaPlugin';
const FIVE_PERCENT = JSON.stringify({ version: 2, rules: [], default: { fixed_target: 0, rate: 0.05 } });

function variants(sink) {
  const daemon = `127.0.0.1:${sink.udpPort}`;
  return {
    untraced: { label: 'untraced', args: [], env: {} },
    'vanilla-otel': {
      label: 'vanilla OTel (no-op exporter)',
      args: ['--require', './vanilla-otel.js'],
      env: { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_TRACES_SAMPLER: 'always_on' },
      countsSpansOverIpc: true,
    },
    // Not in the default runs (bench:ab --a vanilla-udp): vanilla OTel sending a bare segment per request.
    'vanilla-udp': {
      label: 'vanilla OTel + a bare datagram per request',
      args: ['--require', './vanilla-otel.js'],
      env: { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_TRACES_SAMPLER: 'always_on', BENCH_VANILLA_DAEMON: daemon },
      countsSpansOverIpc: true,
    },
    'otel-xray': {
      label: 'otel-xray',
      args: ['--require', REGISTER],
      env: { AWS_XRAY_DAEMON_ADDRESS: daemon, AWS_XRAY_SAMPLING: 'false', OTEL_SERVICE_NAME: 'bench-app' },
    },
    'aws-xray-sdk': {
      label: 'aws-xray-sdk-core',
      args: [],
      env: { BENCH_TRACER: 'aws-xray-sdk', AWS_XRAY_DAEMON_ADDRESS: daemon },
    },
    adot: {
      label: 'ADOT JS (OTLP)',
      args: ['--require', '@aws/aws-distro-opentelemetry-node-autoinstrumentation/register'],
      env: {
        OTEL_SERVICE_NAME: 'bench-app',
        OTEL_TRACES_SAMPLER: 'always_on',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${sink.otlpPort}/v1/traces`,
        OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_AWS_APPLICATION_SIGNALS_ENABLED: 'false',
      },
    },
    // Adaptive sampling's cost: a 5% local rule, anomaly trace capture off and on (a configuration turns it on).
    'otel-xray-5pct': {
      label: 'otel-xray, 5% rule, capture off',
      args: ['--require', REGISTER],
      env: { AWS_XRAY_DAEMON_ADDRESS: daemon, OTEL_SERVICE_NAME: 'bench-app', AWS_XRAY_SAMPLING_RULES: FIVE_PERCENT },
    },
    'otel-xray-5pct-capture': {
      label: 'otel-xray, 5% rule, capture on',
      args: ['--require', REGISTER],
      env: {
        AWS_XRAY_DAEMON_ADDRESS: daemon, OTEL_SERVICE_NAME: 'bench-app', AWS_XRAY_SAMPLING_RULES: FIVE_PERCENT,
        AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG: '{"version": 1}',
      },
    },
    // Start-up only: otel-xray with every plugin asked for, off-cloud (EC2's endpoint on a closed loopback port).
    'otel-xray-plugins': {
      label: 'otel-xray, all five plugins',
      args: ['--require', REGISTER],
      env: {
        AWS_XRAY_DAEMON_ADDRESS: daemon, AWS_XRAY_SAMPLING: 'false', OTEL_SERVICE_NAME: 'bench-app',
        AWS_XRAY_PLUGINS: ALL_PLUGINS, AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9',
      },
    },
  };
}

module.exports = { variants };
