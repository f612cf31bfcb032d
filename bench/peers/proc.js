'use strict';
// Process helpers: start the app pinned to a core, wait for its port, read its CPU time and peak RSS.
const { spawn } = require('node:child_process');
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

// Children still running (apps, backend, sink): none outlives the bench, however it ends (a run stopped mid-way
// left its app loading the machine for the next one).
const live = new Set();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

function startPinned(core, script, { args = [], env = {}, cwd = __dirname, ipc = false } = {}) {
  const started = process.hrtime.bigint();
  const child = spawn('taskset', ['-c', String(core), process.execPath, ...args, script], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  track(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => { if (stderr.length < 4000) stderr += chunk; });
  const listening = new Promise((resolve, reject) => {
    let stdout = '';
    const onData = (chunk) => {
      stdout += chunk;
      const match = /listening (\d+)/.exec(stdout);
      if (match) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${script} exited (${code}) before listening: ${stderr}`)));
  });
  return { child, started, listening, stderr: () => stderr };
}

/** User + system CPU of the whole process (all threads), in microseconds. */
function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
}

/**
 * CPU time of every live thread of the process, in milliseconds, at nanosecond resolution (the scheduler's
 * sum_exec_runtime): /proc's tick counts (10 ms) are too coarse for one start-up.
 */
function cpuMillisAllThreads(pid) {
  let nanos = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      nanos += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between listing and reading
    }
  }
  return nanos / 1e6;
}

/** Peak and current resident set size, in MB. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)[1]);
  return { peakRssMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function ask(child, message, key) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${message}`)), 5000);
    const onMessage = (reply) => {
      if (reply && reply[key] !== undefined) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(reply[key]);
      }
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The local receivers of every variant's output (UDP documents, OTLP), pinned to the load generator's core. */
function startSink() {
  const sink = track(spawn('taskset', ['-c', '1', process.execPath, join(__dirname, 'sink.js')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  return new Promise((resolve) => sink.once('message', (ports) => resolve({ child: sink, ...ports })));
}

module.exports = { startPinned, startSink, cpuMicros, cpuMillisAllThreads, memory, stop, ask, sleep };
