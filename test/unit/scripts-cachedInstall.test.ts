// scripts/cachedInstall.mjs: the one-time code-server install is atomic (a failed or killed install
// leaves nothing half-written, and the next run retries without help), a dead owner's lock does not
// block, and long steps say what they are doing.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeOutputLine, installOnce, isInstalled, staleLockReason } from '../../scripts/cachedInstall.mjs';

const MODULE = path.resolve(__dirname, '..', '..', 'scripts', 'cachedInstall.mjs');
const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), 'al-install-'));

describe('scripts/cachedInstall: atomic one-time installs', () => {
  it('a failed install leaves neither the folder nor a temporary copy, and the next run installs', async () => {
    const cache = scratch();
    const dir = path.join(cache, 'tool');
    await assert.rejects(
      installOnce(dir, 'tool@1', async (tmp) => {
        fs.writeFileSync(path.join(tmp, 'half-written'), 'x');
        throw new Error('compiler error');
      }),
      /compiler error/,
    );
    assert.deepEqual(fs.readdirSync(cache), []);
    assert.equal(isInstalled(dir, 'tool@1'), false);
    await installOnce(dir, 'tool@1', async (tmp) => fs.writeFileSync(path.join(tmp, 'bin'), 'ok'));
    assert.equal(fs.readFileSync(path.join(dir, 'bin'), 'utf8'), 'ok');
    assert.deepEqual(fs.readdirSync(cache), ['tool']);
  });

  it('an install killed mid-way does not block the next one, which cleans up its leftovers', async () => {
    const cache = scratch();
    const dir = path.join(cache, 'tool');
    const script = `
      import { installOnce } from ${JSON.stringify(MODULE)};
      await installOnce(${JSON.stringify(dir)}, 'tool@1', async (tmp) => {
        (await import('node:fs')).writeFileSync(tmp + '/half-written', 'x');
        console.log('building');
        await new Promise(() => setInterval(() => {}, 1000));
      });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('building') && resolve()));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(fs.existsSync(`${dir}.lock`), 'the killed install held the lock');
    assert.match(staleLockReason(`${dir}.lock`) ?? '', /has exited/);

    const t0 = Date.now();
    let built = 0;
    await installOnce(dir, 'tool@1', async (tmp) => {
      built++;
      assert.ok(!fs.existsSync(path.join(tmp, 'half-written')), 'starts from an empty folder');
      fs.writeFileSync(path.join(tmp, 'bin'), 'ok');
    });
    assert.equal(built, 1);
    assert.ok(Date.now() - t0 < 10_000, 'did not wait for the dead owner');
    assert.deepEqual(fs.readdirSync(cache), ['tool'], 'no lock, no partial folder left');
  });

  it('replaces an incomplete folder left by an older, non-atomic install', async () => {
    const cache = scratch();
    const dir = path.join(cache, 'tool');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'junk'), 'x');
    await installOnce(dir, 'tool@1', async (tmp) => fs.writeFileSync(path.join(tmp, 'bin'), 'ok'));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['.installed', 'bin']);
    assert.deepEqual(fs.readdirSync(cache), ['tool']);
  });

  it('two concurrent installs build once', async () => {
    const dir = path.join(scratch(), 'tool');
    let built = 0;
    const build = async (tmp: string) => {
      built++;
      await new Promise((r) => setTimeout(r, 300));
      fs.writeFileSync(path.join(tmp, 'bin'), 'ok');
    };
    await Promise.all([installOnce(dir, 'tool@1', build), installOnce(dir, 'tool@1', build)]);
    assert.equal(built, 1);
  });
});

describe('scripts/cachedInstall: progress of long install steps', () => {
  it('prints what the step is doing, with elapsed time, while it runs; a failure names the log and the last lines', () => {
    const cache = scratch();
    const logFile = path.join(cache, 'install.log');
    const fake = [
      "console.log('> kerberos@2.1.1 install');",
      "console.log('  CXX(target) Release/obj.target/kerberos/src/kerberos.o');",
      "setTimeout(() => { console.error('gssapi/gssapi.h: No such file or directory'); process.exit(1); }, 1500);",
    ].join('');
    const script = `
      import { runStep } from ${JSON.stringify(MODULE)};
      await runStep('building native modules', process.execPath, ['-e', ${JSON.stringify(fake)}], { cwd: ${JSON.stringify(cache)}, env: process.env, logFile: ${JSON.stringify(logFile)}, heartbeatMs: 300 })
        .catch((e) => { console.log('REJECTED ' + e.message); });`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const progress = r.stderr.split('\n').filter((l) => l.startsWith('[code-server] building native modules (compiling kerberos)… '));
    assert.ok(progress.length >= 2, `progress lines:\n${r.stderr}`);
    assert.match(progress[0], /… \d+ s$/);
    assert.match(r.stdout, /REJECTED building native modules failed: .* exited with 1/);
    assert.match(r.stdout, /gssapi\/gssapi\.h: No such file or directory/);
    assert.ok(r.stdout.includes(`Full log: ${logFile}`));
    assert.match(fs.readFileSync(logFile, 'utf8'), /CXX\(target\)[\s\S]*gssapi\.h/);
  });

  it('describes npm install scripts and node-gyp compile lines', () => {
    assert.equal(describeOutputLine('> @vscode/spdlog@0.15.8 install'), '@vscode/spdlog install script');
    assert.equal(describeOutputLine('  CXX(target) Release/obj.target/pty/src/unix/pty.o'), 'compiling pty');
    assert.equal(describeOutputLine('  CC(target) Release/obj.target/sqlite3/gen/sqlite3.o'), 'compiling sqlite3');
    assert.equal(describeOutputLine('npm warn deprecated'), undefined);
  });
});
