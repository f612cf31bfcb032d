'use strict';
// Runs each bench/*.bench.js in its own process (so one cannot warm or pollute another) and prints a table.
const { execFileSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const { join } = require('node:path');

const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.js')).sort();
for (const file of files) {
  const out = execFileSync(process.execPath, [join(__dirname, file)], { encoding: 'utf8' });
  const report = JSON.parse(out.trim().split('\n').pop());
  console.log(`\n${report.bench} (Node ${report.node})`);
  console.table(report.results);
}
