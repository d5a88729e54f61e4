// The environment for every npm or Node 24 child that scripts/ starts (nested installs, code-server).
//
// `npm start` / `npm test` run these scripts under the user's npm, which adds variables meant only
// for its own scripts. Passed on, they mislead the child: code-server's postinstall reads the Node
// version from npm_config_user_agent (the outer Node 20, not the Node 24 on PATH) and refuses to
// install; npm_config_node_gyp/nodedir point native builds at the outer Node's node-gyp and headers.
// What the user configured (registry, proxy, cache, CA, npmrc locations…) is kept, so corporate
// setups still work; the nested npm also re-reads the user's npmrc files itself.
import { delimiter, dirname, join, resolve } from 'node:path';

/** Variables the outer npm sets for its scripts (matched case-insensitively: npm reads NPM_CONFIG_* too). */
const OUTER_NPM_VARIABLES = new Set([
  'npm_config_user_agent', // "npm/11 node/v20 …": code-server's postinstall takes the Node version from it
  'npm_command',
  'npm_execpath',
  'npm_node_execpath',
  'init_cwd',
  'npm_config_node_gyp', // the outer npm's node-gyp
  'npm_config_nodedir', // headers of the Node that runs the outer npm (node24Env sets Node 24's)
  'npm_config_npm_version',
  'npm_config_local_prefix', // the outer project's folder; a nested install has its own
  'npm_config_global_prefix',
  'node', // the outer npm's node binary ($NODE)
]);
const OUTER_NPM_PREFIXES = ['npm_lifecycle_', 'npm_package_'];

/** True for a variable the outer npm set for its own scripts. */
export function isOuterNpmVariable(name) {
  const key = name.toLowerCase();
  return OUTER_NPM_VARIABLES.has(key) || OUTER_NPM_PREFIXES.some((p) => key.startsWith(p));
}

/**
 * PATH without the folders npm prepends for a script: node_modules/.bin of the project and of each
 * folder above it, and npm's node-gyp shim folder. Other entries (the user's own) stay, in order.
 */
export function withoutOuterNpmPath(path, env) {
  if (!path) return path;
  const added = new Set();
  const project = env.npm_config_local_prefix ?? env.INIT_CWD;
  if (project && env.npm_lifecycle_event !== undefined) {
    for (let dir = resolve(project); ; dir = dirname(dir)) {
      added.add(join(dir, 'node_modules', '.bin'));
      if (dirname(dir) === dir) break;
    }
  }
  return path
    .split(delimiter)
    .filter((p) => !added.has(p) && !/[\\/]@npmcli[\\/]run-script[\\/]lib[\\/]node-gyp-bin[\\/]?$/.test(p))
    .join(delimiter);
}

/**
 * A copy of `env` without what the outer npm set for its own scripts, then `extra` on top
 * (undefined values in `extra` remove a variable).
 */
export function cleanEnv(env = process.env, extra = {}) {
  const out = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !isOuterNpmVariable(k)) out[k] = v;
  const pathKey = Object.keys(out).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';
  if (out[pathKey] !== undefined) out[pathKey] = withoutOuterNpmPath(out[pathKey], env);
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}
