// The packed tarball carries a prebuild, so an install needs no compiler.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const root = path.join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(npm, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('packed tarball loads its prebuild', { timeout: 240_000 }, (t) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ringcast-pack-'));
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));

  // scripts/test.sh runs `npm run prebuildify` before the suites, so no test rebuilds the
  // addon while others load it.
  const tarball = run(['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop()!;
  const listing = execFileSync('tar', ['-tzf', path.join(work, tarball)], { encoding: 'utf8' });
  const prebuild = `package/prebuilds/${process.platform}-${process.arch}/ringcast.node`;
  assert.ok(listing.split('\n').includes(prebuild), `tarball lacks ${prebuild}`);

  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  // The install script must find the prebuild instead of compiling into build/.
  run(['install', '--no-audit', '--no-fund', path.join(work, tarball)], app);
  assert.equal(fs.existsSync(path.join(app, 'node_modules/ringcast/build')), false);

  const script = `
    const { createClient } = require('ringcast');
    (async () => {
      const client = await createClient();
      const rb = await client.getRingbuffer('packed');
      await rb.add({ hello: 'prebuild' });
      const item = await rb.readOne(0);
      await client.shutdown();
      console.log(JSON.stringify(item));
    })();`;
  const env = { ...process.env, PREBUILDS_ONLY: '1' };
  const cjs = execFileSync(process.execPath, ['-e', script], { cwd: app, env, encoding: 'utf8' });
  assert.equal(cjs.trim(), '{"hello":"prebuild"}');

  const esm = `import { createClient, OverflowPolicy } from 'ringcast';
    console.log(typeof createClient, OverflowPolicy.FAIL);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', esm], {
    cwd: app,
    env,
    encoding: 'utf8',
  });
  assert.equal(out.trim(), 'function FAIL');
});
