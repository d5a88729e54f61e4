// scripts/cleanEnv.mjs: nested installs started under `npm start` / `npm test` must not inherit what
// the outer npm set for its own scripts, and must keep what the user configured. Checked against the
// real npm on this machine.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanEnv, isOuterNpmVariable, withoutOuterNpmPath } from '../../scripts/cleanEnv.mjs';

const CLEAN_ENV = path.resolve(__dirname, '..', '..', 'scripts', 'cleanEnv.mjs');
/** What an outer npm would claim when it ran on another Node than the nested one (Node 20 vs 24). */
const OTHER_AGENT = 'npm/9.9.9 node/v14.0.0 linux x64 workspaces/false';

function project(scripts: Record<string, string>, files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-cleanenv-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', private: true, scripts }));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `npm ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** The environment a script sees when `npm run` starts it, as the outer npm sets it up. */
function environmentUnderNpm(extra: NodeJS.ProcessEnv = {}): Record<string, string> {
  const dir = project({ dump: 'node -e "process.stdout.write(JSON.stringify(process.env))"' });
  return JSON.parse(npm(['run', '-s', 'dump'], dir, { ...process.env, ...extra }));
}

describe('scripts/cleanEnv: environment of nested npm and Node 24 children', () => {
  it('a nested npm reports its own Node to install scripts, not the outer npm\'s (code-server\'s postinstall reads it)', () => {
    // inner: a package whose script prints the Node version as code-server's postinstall.sh extracts it.
    const inner = project({ agent: 'node -e "console.log(/node\\/v(\\d+)/.exec(process.env.npm_config_user_agent)[1])"' });
    // outer: like `npm start`, runs a Node script that starts `npm run` in another folder.
    const starter = (clean: boolean) => `
      import { spawnSync } from 'node:child_process';
      import { cleanEnv } from ${JSON.stringify(CLEAN_ENV)};
      const env = ${clean ? 'cleanEnv(process.env)' : 'process.env'};
      const r = spawnSync('npm', ['run', '-s', 'agent'], { cwd: ${JSON.stringify(inner)}, env, encoding: 'utf8' });
      process.stdout.write(r.stdout);`;
    const outer = project({ clean: 'node clean.mjs', leaky: 'node leaky.mjs' }, { 'clean.mjs': starter(true), 'leaky.mjs': starter(false) });
    // --user-agent makes the outer npm claim another Node, as npm on Node 20 does under Node 24.
    const env = { ...process.env };
    delete env.npm_config_user_agent;
    const ownMajor = process.versions.node.split('.')[0];
    assert.equal(npm(['run', '-s', 'leaky', `--user-agent=${OTHER_AGENT}`], outer, env), '14', 'without cleaning, the outer agent leaks through (the bug)');
    assert.equal(npm(['run', '-s', 'clean', `--user-agent=${OTHER_AGENT}`], outer, env), ownMajor);
  });

  it('drops every variable the outer npm set for its own scripts', () => {
    const under = environmentUnderNpm();
    assert.ok(under.npm_lifecycle_event && under.npm_package_name && under.npm_config_user_agent, 'npm sets its script variables');
    const clean = cleanEnv(under);
    const leftovers = Object.keys(clean).filter((k) =>
      /^(npm_lifecycle_|npm_package_)/i.test(k) ||
      ['npm_config_user_agent', 'npm_command', 'npm_execpath', 'npm_node_execpath', 'INIT_CWD', 'npm_config_node_gyp', 'npm_config_nodedir', 'npm_config_local_prefix'].includes(k));
    assert.deepEqual(leftovers, []);
    assert.equal(isOuterNpmVariable('NPM_CONFIG_USER_AGENT'), true, 'npm reads upper-case config variables too');
    assert.equal(isOuterNpmVariable('npm_config_registry'), false);
  });

  it("keeps the user's registry, proxy, CA, cache and npmrc settings, and a nested npm uses them", () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'al-cleanenv-cache-'));
    const ca = path.join(cache, 'corporate-ca.pem');
    fs.writeFileSync(ca, '');
    const user = {
      npm_config_registry: 'http://registry.corp.example/npm/',
      npm_config_https_proxy: 'http://proxy.corp.example:3128/',
      npm_config_cafile: ca,
      npm_config_cache: cache,
      HTTPS_PROXY: 'http://proxy.corp.example:3128/',
      NO_PROXY: 'localhost',
    };
    const clean = cleanEnv(environmentUnderNpm(user));
    for (const [k, v] of Object.entries(user)) assert.equal(clean[k], v, k);
    assert.ok(clean.npm_config_userconfig, 'where the user npmrc is stays known');
    const dir = project({});
    assert.equal(npm(['config', 'get', 'registry'], dir, clean), user.npm_config_registry);
    assert.equal(npm(['config', 'get', 'https-proxy'], dir, clean), user.npm_config_https_proxy);
    assert.equal(npm(['config', 'get', 'cafile'], dir, clean), ca);
    assert.equal(npm(['config', 'get', 'cache'], dir, clean), cache);
  });

  it("removes the outer project's node_modules/.bin folders and npm's node-gyp shim from PATH, keeping the user's entries in order", () => {
    const under = environmentUnderNpm();
    const userPath = (process.env.PATH ?? '').split(path.delimiter);
    const cleaned = withoutOuterNpmPath(under.PATH, under)!.split(path.delimiter);
    assert.ok(under.PATH.split(path.delimiter).some((p) => p.endsWith(path.join('node_modules', '.bin'))), 'npm prepends node_modules/.bin');
    assert.ok(!cleaned.some((p) => p.endsWith(path.join('node_modules', '.bin')) && !userPath.includes(p)));
    assert.ok(!cleaned.some((p) => p.includes('node-gyp-bin')));
    assert.deepEqual(cleaned.filter((p) => userPath.includes(p)), userPath.filter((p) => cleaned.includes(p)));
    assert.ok(userPath.every((p) => cleaned.includes(p) || p.includes('node-gyp-bin') || p.endsWith(path.join('node_modules', '.bin'))));
  });

  it('applies extra variables on top, and removes those given as undefined', () => {
    const env = cleanEnv({ A: '1', B: '2', npm_command: 'run' }, { B: undefined, C: '3', npm_config_nodedir: '/opt/node24' });
    assert.deepEqual(env, { A: '1', C: '3', npm_config_nodedir: '/opt/node24' });
  });
});
