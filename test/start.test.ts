import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { start } from '../src/index';

describe('start()', () => {
  it('never throws, whatever it is given', () => {
    const handle = start(null as unknown as undefined, { AWS_XRAY_SDK_ENABLED: 'false' });
    assert.equal(handle.processor, undefined);
    assert.equal(handle.config?.enabled, false);
  });

  it('never throws when the working directory has been removed', () => {
    const script = `
      const fs = require('node:fs'); const os = require('node:os'); const path = require('node:path');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otel-xray-'));
      process.chdir(dir); fs.rmdirSync(dir);
      const handle = require(${JSON.stringify(resolve(__dirname, '../src/index.js'))}).start({}, { AWS_XRAY_SDK_ENABLED: 'false' });
      console.log(handle.config.tracingName);`;
    assert.equal(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim(), 'unknown_service');
  });
});
