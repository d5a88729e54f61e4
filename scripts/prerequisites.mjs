// What the one-time code-server install needs from the system, checked in about a second before it
// starts: code-server's native modules (kerberos, node-pty, spdlog, argon2…) are built from source
// with node-gyp, because their prebuilt binaries would be downloaded from outside the npm registry.
// node-gyp needs a C/C++ compiler, make and python3; kerberos also needs the GSSAPI headers.
// Without them the build fails minutes later with a compiler error deep in npm's output.
//
//   node scripts/prerequisites.mjs        prints what is missing (exit 1) or "all present" (exit 0)
//
// ACTIVATION_LENS_GSSAPI_HEADER=/path/to/gssapi.h checks that file instead of asking the compiler
// whether <gssapi/gssapi.h> is on its include path (for tests, and for unusual setups).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const GSSAPI_HEADER_VARIABLE = 'ACTIVATION_LENS_GSSAPI_HEADER';

/** The install commands, one line per platform family. */
export const INSTALL_ADVICE = [
  'Debian/Ubuntu: sudo apt-get install build-essential python3 libkrb5-dev',
  'Fedora/RHEL:   sudo dnf install gcc-c++ make python3 krb5-devel',
  'macOS:         xcode-select --install   (the Kerberos/GSSAPI headers ship with its SDK; or brew install krb5)',
];

export class PrerequisiteError extends Error {}

/** The first of `names` that is an executable file on env.PATH, else undefined. */
export function findExecutable(names, env = process.env) {
  const path = env.PATH ?? env.Path ?? '';
  for (const name of names) {
    if (!name) continue;
    if (name.includes('/')) {
      if (isExecutable(name)) return name;
      continue;
    }
    for (const dir of path.split(delimiter)) {
      const file = join(dir || '.', name);
      if (isExecutable(file)) return file;
    }
  }
  return undefined;
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function runs(cmd, args, env, input) {
  const r = spawnSync(cmd, args, { env, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore'], timeout: 20_000 });
  return r.status === 0;
}

/**
 * What is missing for building code-server's native modules here, as short descriptions
 * ("a C++ compiler", "make"…); empty when everything is present.
 */
export function missingPrerequisites({ env = process.env, platform = process.platform } = {}) {
  if (platform === 'win32') return ['a platform code-server runs on (it does not run on Windows; use WSL, or `npm start -- --code`)'];
  const missing = [];
  if (platform === 'darwin' && !runs('xcode-select', ['-p'], env)) missing.push('the Xcode Command Line Tools');
  const cc = findExecutable([env.CC, 'cc', 'gcc', 'clang'], env);
  const cxx = findExecutable([env.CXX, 'c++', 'g++', 'clang++'], env);
  if (!cc) missing.push('a C compiler (cc)');
  if (!cxx) missing.push('a C++ compiler (c++)');
  if (!findExecutable(['make'], env)) missing.push('make');
  // node-gyp runs gyp with $PYTHON, npm's `python` setting, or python3 from PATH.
  const python = findExecutable([env.PYTHON, env.npm_config_python, 'python3'], env);
  if (!python || !runs(python, ['-c', 'import sys; sys.exit(sys.version_info < (3, 6))'], env)) missing.push('python3');
  const header = env[GSSAPI_HEADER_VARIABLE];
  if (header) {
    if (!isFile(header)) missing.push(`the GSSAPI (Kerberos) headers (${header} does not exist)`);
  } else if (cxx) {
    // Ask the compiler itself, so any include path it searches counts (/usr/include, Homebrew, CPATH…).
    const preprocesses = (source) => runs(cxx, ['-E', '-x', 'c++', '-'], env, source);
    if (!preprocesses('#include <gssapi/gssapi.h>\n')) {
      if (!preprocesses('int main() { return 0; }\n')) missing.push(`a working C++ compiler (${cxx} cannot preprocess a one-line program)`);
      else missing.push('the GSSAPI (Kerberos) headers (gssapi/gssapi.h)');
    }
  } else if (!['/usr/include', '/usr/local/include'].some((d) => isFile(join(d, 'gssapi', 'gssapi.h')))) {
    missing.push('the GSSAPI (Kerberos) headers (gssapi/gssapi.h)');
  }
  return missing;
}

function isFile(file) {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The one message for a machine that lacks something: what is missing, and how to install it. */
export function prerequisiteAdvice(missing) {
  return [
    `Cannot build code-server's native modules: missing ${missing.join(', ')}.`,
    'Install the build prerequisites, then run this again:',
    ...INSTALL_ADVICE.map((l) => `  ${l}`),
  ].join('\n');
}

/** Throws a PrerequisiteError with the advice when something is missing. */
export function checkPrerequisites(options) {
  const missing = missingPrerequisites(options);
  if (missing.length) throw new PrerequisiteError(prerequisiteAdvice(missing));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const missing = missingPrerequisites();
  if (missing.length) {
    console.error(prerequisiteAdvice(missing));
    process.exit(1);
  }
  console.log('Build prerequisites for code-server: all present (C/C++ compiler, make, python3, GSSAPI headers).');
}
