import * as assert from 'node:assert/strict';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { packageOfPath, packageOfSpecifier, PatchedPackages } from '../../src/patched-packages';

/**
 * Which library requires may skip OTel's require hook: only a file in node_modules requiring a package that no
 * enabled instrumentation patches. Everything else (the app's requires, built-ins, patched packages, anything
 * unsure) goes through it.
 */
describe('PatchedPackages', () => {
  // Requiring modules, as `this` of Module.prototype.require gives them.
  const app = { filename: '/srv/app/server.js' };
  const inExpress = { filename: '/srv/app/node_modules/express/lib/application.js' };
  const inDebug = { filename: '/srv/app/node_modules/debug/src/node.js' };

  it('names packages from specifiers and file paths', () => {
    assert.equal(packageOfSpecifier('express'), 'express');
    assert.equal(packageOfSpecifier('express/lib/router'), 'express');
    assert.equal(packageOfSpecifier('@aws-sdk/client-s3/dist-cjs/index.js'), '@aws-sdk/client-s3');
    for (const id of ['./x', '../x', '/abs/x', '#internal', 'node:http']) assert.equal(packageOfSpecifier(id), undefined, id);
    assert.equal(packageOfPath('/a/node_modules/x/node_modules/@scope/pkg/lib/i.js'), '@scope/pkg');
    assert.equal(packageOfPath('C:\\a\\node_modules\\pg\\lib\\client.js'), 'pg');
    assert.equal(packageOfPath(app.filename), undefined);
  });

  it('lets a library skip the hook only for packages no enabled instrumentation patches', () => {
    const patched = new PatchedPackages();
    patched.add(new ExpressInstrumentation({ enabled: false }));
    patched.add(new PgInstrumentation({ enabled: false }));
    // A library's requires of unpatched packages, by name or by a relative path that stays in its package.
    assert.equal(patched.mayLoad('ms', inDebug), false);
    assert.equal(patched.mayLoad('./common', inDebug), false);
    assert.equal(patched.mayLoad('body-parser', inExpress), false);
    // Patched packages, wherever the require comes from; relative requires inside them too.
    assert.equal(patched.mayLoad('express', inDebug), true);
    assert.equal(patched.mayLoad('./router', inExpress), true);
    assert.equal(patched.mayLoad('pg-pool', inDebug), true);
    assert.equal(patched.mayLoad('../../express/index.js', inDebug), true);
    assert.equal(patched.mayLoad('./node_modules/express', inDebug), true);
    assert.equal(patched.mayLoad('./../../express/index.js', inDebug), true);
    // The app's own requires, built-ins, and requires without a known parent always go through.
    assert.equal(patched.mayLoad('ms', app), true);
    assert.equal(patched.mayLoad('http', inDebug), true);
    assert.equal(patched.mayLoad('node:tty', inDebug), true);
    assert.equal(patched.mayLoad('ms', undefined), true);
    assert.equal(patched.mayLoad('ms', {}), true);
    assert.equal(patched.mayLoad('ms', inDebug.filename), true);
  });

  it('answers for each requiring module by its own file, asked again and again', () => {
    const patched = new PatchedPackages();
    patched.add(new ExpressInstrumentation({ enabled: false }));
    const router = { filename: '/srv/app/node_modules/express/node_modules/router/index.js' };
    for (let round = 0; round < 3; round++) {
      assert.equal(patched.mayLoad('./lib/layer', router), false, `round ${round}`);
      assert.equal(patched.mayLoad('./lib/express', inExpress), true, `round ${round}`);
      assert.equal(patched.mayLoad('ms', app), true, `round ${round}`);
      assert.equal(patched.mayLoad('ms', inDebug), false, `round ${round}`);
    }
  });

  it('lets nothing skip the hook once an instrumentation\'s modules are unknown', () => {
    const patched = new PatchedPackages();
    patched.add(new ExpressInstrumentation({ enabled: false }));
    patched.addUnknown();
    assert.equal(patched.mayLoad('ms', inDebug), true);
  });
});
