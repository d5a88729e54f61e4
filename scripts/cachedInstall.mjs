// One-time installs into the cache (~/.cache/activation-lens), safe against failures, kills and
// concurrent runs:
// - the install is built in a temporary sibling folder and renamed into place only when complete,
//   so a failed or killed install leaves nothing half-written and the next run simply retries;
// - a lock folder records its owner's pid; a lock whose owner has died (or that its owner stopped
//   refreshing) is taken over instead of blocking forever;
// - long steps print what they are doing with the elapsed time at least every 15 s.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

export const log = (msg) => process.stderr.write(`[code-server] ${msg}\n`);

const HEARTBEAT_MS = 10_000;
/** A live owner refreshes its lock every HEARTBEAT_MS; one untouched for this long is abandoned (pid reused…). */
const LOCK_ABANDONED_MS = 5 * 60_000;
const MARKER = '.installed';

const elapsed = (t0) => `${Math.round((Date.now() - t0) / 1000)} s`;

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM'; // exists, owned by someone else
  }
}

/** Why the lock at `lock` may be taken over, or undefined while its owner is (probably) alive. */
export function staleLockReason(lock, now = Date.now()) {
  const st = statSync(lock, { throwIfNoEntry: false });
  if (!st) return undefined;
  let owner;
  try {
    owner = JSON.parse(readFileSync(join(lock, 'owner.json'), 'utf8'));
  } catch {
    // The owner writes owner.json right after creating the folder, so this is a lock of an older
    // version of these scripts (which did not record owners): keep their 20-minute rule.
    return now - st.mtimeMs > 20 * 60_000 ? 'it names no owner and is older than 20 minutes' : undefined;
  }
  if (owner.host === hostname() && !isAlive(owner.pid)) return `its owner (pid ${owner.pid}) has exited`;
  if (now - st.mtimeMs > LOCK_ABANDONED_MS) return `its owner (pid ${owner.pid}) stopped refreshing it ${Math.round((now - st.mtimeMs) / 60_000)} min ago`;
  return undefined;
}

/** Runs fn holding `${target}.lock`; fn gets a `touch` that refreshes the lock. */
export async function withLock(target, fn) {
  const lock = `${target}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 1000) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'owner.json'), JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const stale = staleLockReason(lock);
      if (stale) {
        log(`taking over the lock ${lock}: ${stale}`);
        // Rename first (atomic), so two waiters never both delete a lock one of them just took.
        const aside = `${lock}.stale-${process.pid}-${Date.now()}`;
        try {
          renameSync(lock, aside);
          rmSync(aside, { recursive: true, force: true });
        } catch {
          /* another waiter took it over first */
        }
        continue;
      }
      if (waited % 30_000 === 0) log(`waiting for another install to finish (lock ${lock})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const touch = () => {
    const now = new Date();
    try {
      utimesSync(lock, now, now);
    } catch {
      /* lock gone: nothing to refresh */
    }
  };
  try {
    return await fn(touch);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** True when `dir` holds a completed install of `spec`. */
export function isInstalled(dir, spec) {
  try {
    return readFileSync(join(dir, MARKER), 'utf8') === spec;
  } catch {
    return false;
  }
}

/**
 * Installs `spec` into `dir` once. `build(tmp, touch)` fills a fresh temporary sibling folder;
 * only when it resolves is the folder marked complete and renamed to `dir`. On failure the
 * temporary folder is removed; leftovers of killed installs are removed by the next install.
 */
export async function installOnce(dir, spec, build) {
  if (isInstalled(dir, spec)) return;
  await withLock(dir, async (touch) => {
    if (isInstalled(dir, spec)) return;
    const parent = dirname(dir);
    const prefix = `${basename(dir)}.partial-`;
    // Leftovers of killed installs (we hold the lock, so nobody is using them).
    for (const name of readdirSync(parent)) {
      if (name.startsWith(prefix) || name.startsWith(`${basename(dir)}.old-`)) rmSync(join(parent, name), { recursive: true, force: true });
    }
    const tmp = join(parent, `${prefix}${process.pid}`);
    mkdirSync(tmp, { recursive: true });
    try {
      await build(tmp, touch);
      writeFileSync(join(tmp, MARKER), spec);
      if (existsSync(dir)) {
        // An older or incomplete install (from before installs were atomic): replace it.
        const old = `${dir}.old-${process.pid}`;
        renameSync(dir, old);
        renameSync(tmp, dir);
        rmSync(old, { recursive: true, force: true });
      } else {
        renameSync(tmp, dir);
      }
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  });
}

/**
 * What a line of npm/node-gyp output says is happening, for the progress line; undefined if nothing.
 * "> kerberos@2.1.1 install" (a foreground install script), "CXX(target) Release/obj.target/pty/…"
 * (node-gyp compiling a target).
 */
export function describeOutputLine(line) {
  let m = /^> (@?[^@\s]+)@\S+ (preinstall|install|postinstall)\b/.exec(line);
  if (m) return `${m[1]} ${m[2]} script`;
  m = /\b(?:CXX|CC)\(target\) \S*obj\.target\/([^/\s]+)\//.exec(line);
  if (m) return `compiling ${m[1]}`;
  if (/Installing Code dependencies/.test(line)) return "installing VS Code's server modules";
  return undefined;
}

/**
 * Runs one install step asynchronously, appending its output to `logFile`, and prints
 * "<what>… <elapsed>" every 10 s (`heartbeatMs`; with the latest detail from the output). Rejects with the
 * command, exit code, the last lines of output and the log's path.
 */
export function runStep(what, cmd, args, { cwd, env, logFile, t0 = Date.now(), touch, heartbeatMs = HEARTBEAT_MS }) {
  return new Promise((resolvePromise, reject) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`\n$ ${[cmd, ...args].join(' ')}   (in ${cwd})\n`);
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    let detail;
    let partial = '';
    const onData = (d) => {
      out.write(d);
      const text = partial + d.toString('utf8');
      const lines = text.split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const l of lines) detail = describeOutputLine(l) ?? detail;
      tail = (tail + d.toString('utf8')).slice(-6000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    log(`${what}…`);
    // Ctrl+C (or a kill) during the step stops the step first, so the install is undone below
    // (temporary folder and lock removed) instead of leaving an orphaned npm writing into the cache.
    let interrupted;
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const onSignal = (sig) => {
      interrupted = sig;
      child.kill(sig);
    };
    for (const sig of signals) process.on(sig, onSignal);
    const timer = setInterval(() => {
      touch?.();
      log(`${what}${detail ? ` (${detail})` : ''}… ${elapsed(t0)}`);
    }, heartbeatMs);
    const done = (err) => {
      clearInterval(timer);
      for (const sig of signals) process.off(sig, onSignal);
      out.end(() => (err ? reject(err) : resolvePromise()));
    };
    child.on('error', (e) => done(new Error(`${cmd} could not start: ${e.message}`)));
    child.on('exit', (code, signal) => {
      if (interrupted) return done(new Error(`${what}: interrupted (${interrupted}); the unfinished install was removed, the next run starts it again`));
      if (code === 0) return done();
      const lastLines = tail.split('\n').slice(-40).join('\n');
      done(new Error(`${what} failed: \`${[cmd, ...args].join(' ')}\` exited with ${signal ?? code}.\nLast lines of its output:\n${lastLines}\nFull log: ${logFile}`));
    });
  });
}
