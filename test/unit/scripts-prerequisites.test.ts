// scripts/prerequisites.mjs and its use by `npm start`: a machine that cannot build code-server's
// native modules gets one message naming the packages to install, within seconds, before any
// download or build, instead of a compiler error minutes later.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GSSAPI_HEADER_VARIABLE, missingPrerequisites, prerequisiteAdvice } from '../../scripts/prerequisites.mjs';

const repoRoot = path.resolve(__dirname, '..', '..');
const scratch = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const ADVICE = [
  'apt-get install build-essential python3 libkrb5-dev',
  'dnf install gcc-c++ make python3 krb5-devel',
  'xcode-select --install',
];
const haveToolchain = () => missingPrerequisites().length === 0;

describe('scripts/prerequisites: build prerequisites of the code-server install', () => {
  it('npm start with the GSSAPI headers missing exits non-zero within seconds with the package advice, before downloading anything', () => {
    const cache = scratch('al-prereq-cache-');
    const t0 = Date.now();
    const r = spawnSync('npm', ['start'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ACTIVATION_LENS_CACHE: cache, [GSSAPI_HEADER_VARIABLE]: path.join(cache, 'no-such', 'gssapi.h') },
    });
    const seconds = (Date.now() - t0) / 1000;
    assert.notEqual(r.status, 0);
    assert.ok(seconds < 15, `took ${seconds} s`);
    assert.match(r.stderr, /missing the GSSAPI \(Kerberos\) headers \(.*no-such\/gssapi\.h does not exist\)/);
    for (const advice of ADVICE) assert.ok(r.stderr.includes(advice), `no "${advice}" in:\n${r.stderr}`);
    assert.equal(r.stderr.match(/Cannot build/g)?.length, 1, 'one message');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(fs.readdirSync(cache), [], 'nothing was downloaded or built');
  });

  it('names a missing compiler, make and python3 when PATH has none of them', () => {
    const empty = scratch('al-prereq-path-');
    const missing = missingPrerequisites({ env: { PATH: empty }, platform: 'linux' });
    assert.deepEqual(missing.slice(0, 4), ['a C compiler (cc)', 'a C++ compiler (c++)', 'make', 'python3']);
    const advice = prerequisiteAdvice(missing);
    assert.match(advice.split('\n')[0], /missing a C compiler \(cc\), a C\+\+ compiler \(c\+\+\), make, python3/);
    for (const line of ADVICE) assert.ok(advice.includes(line));
  });

  it('asks the compiler for <gssapi/gssapi.h>: missing from its include path, it is reported as the headers', function () {
    if (!haveToolchain()) this.skip();
    // The real compiler with the system include folders switched off: the header is not found.
    const bin = scratch('al-prereq-cxx-');
    const cxx = path.join(bin, 'c++-without-system-headers');
    fs.writeFileSync(cxx, '#!/bin/sh\nexec c++ -nostdinc "$@"\n', { mode: 0o755 });
    assert.deepEqual(missingPrerequisites({ env: { ...process.env, CXX: cxx }, platform: 'linux' }), ['the GSSAPI (Kerberos) headers (gssapi/gssapi.h)']);
  });

  it('blames a compiler that cannot preprocess anything on the compiler, not on the headers', () => {
    const missing = missingPrerequisites({ env: { ...process.env, CXX: '/bin/false' }, platform: 'linux' });
    assert.ok(missing.some((m) => m.startsWith('a working C++ compiler (/bin/false')), missing.join('; '));
    assert.ok(!missing.some((m) => m.includes('GSSAPI')));
  });

  it('finds everything on a machine set up as the README says (build-essential, python3, libkrb5-dev)', function () {
    if (!fs.existsSync('/usr/include/gssapi/gssapi.h')) this.skip();
    assert.deepEqual(missingPrerequisites(), []);
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'prerequisites.mjs')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('is skipped when code-server is already installed in the cache (nothing will be built)', () => {
    const cache = scratch('al-prereq-installed-');
    const check = (env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', "import('./scripts/codeserver.mjs').then((m) => m.checkInstallPrerequisites())"], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, ACTIVATION_LENS_CACHE: cache, [GSSAPI_HEADER_VARIABLE]: path.join(cache, 'missing.h'), ...env },
      });
    assert.notEqual(check({}).status, 0, 'an empty cache needs the prerequisites');
    const version = /CODE_SERVER_VERSION = '([^']+)'/.exec(fs.readFileSync(path.join(repoRoot, 'scripts', 'codeserver.mjs'), 'utf8'))![1];
    const dir = path.join(cache, `code-server-${version}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '.installed'), `code-server@${version}`);
    const r = check({});
    assert.equal(r.status, 0, r.stderr);
  });
});
