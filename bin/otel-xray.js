#!/usr/bin/env node
'use strict';
// The `otel-xray` command (`npx otel-xray listen`): see `otel-xray --help`.
require('../build/bundle/otel-xray.js')
  .runCli(process.argv.slice(2))
  .then((code) => {
    if (code !== undefined) process.exitCode = code;
  });
