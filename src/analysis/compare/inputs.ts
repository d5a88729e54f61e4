// Whether two runs saw the same inputs: statistics of different inputs differ for reasons that
// have nothing to do with the models, so a comparison says so instead of comparing silently.
import type { ImageIdentity, InputIdentity, RunForCompare } from './types';

function shortHash(h: string): string {
  return h.slice(0, 12);
}

/** One line describing a run's inputs: "synthetic normal, seed 0" or "/x/digits.npy (sha256 ab12…)". */
export function describeInputs(run: Pick<RunForCompare, 'inputSource' | 'inputIdentity'>): string {
  const id = run.inputIdentity;
  if (!id) return run.inputSource;
  if (id.kind === 'synthetic') return `synthetic ${id.distribution}, seed ${id.seed}`;
  return `${id.path} (${id.kind === 'folder' ? `${id.files} file${id.files === 1 ? '' : 's'}, ` : ''}sha256 ${shortHash(id.sha256)})`;
}

function sameImage(x: ImageIdentity | undefined, y: ImageIdentity | undefined): boolean {
  return JSON.stringify(x ?? {}) === JSON.stringify(y ?? {});
}

/** Unknown shapes (older run files) are not held against a comparison. */
function sameShapes(x: string[] | undefined, y: string[] | undefined): boolean {
  return !x || !y || x.join(' ') === y.join(' ');
}

type SyntheticIdentity = Extract<InputIdentity, { kind: 'synthetic' }>;

/** Normal values from run files that name no generator came from Box–Muller (older versions). */
function generatorName(x: SyntheticIdentity): string {
  return x.distribution === 'normal' ? x.generator ?? 'Box–Muller (an older version)' : 'uniform';
}

function sameGenerator(x: SyntheticIdentity, y: SyntheticIdentity): boolean {
  return generatorName(x) === generatorName(y);
}

function sameIdentity(x: InputIdentity, y: InputIdentity): boolean {
  if (x.kind === 'synthetic' || y.kind === 'synthetic') {
    return x.kind === 'synthetic' && y.kind === 'synthetic' && x.distribution === y.distribution && x.seed === y.seed && sameShapes(x.sampleShapes, y.sampleShapes) && sameGenerator(x, y);
  }
  return x.kind === y.kind && x.sha256 === y.sha256 && sameImage(x.image, y.image);
}

export interface InputCheck {
  comparable: boolean;
  warnings: string[];
  /** The inputs both runs ran on, when they are confirmed to be the same. */
  inputs: string | null;
  samples: number | null;
}

/** Compares what two runs ran on: sample counts, input identities, symbolic dimension sizes. */
export function checkInputs(a: RunForCompare, b: RunForCompare): InputCheck {
  const warnings: string[] = [];
  if (a.samples !== b.samples) warnings.push(`the runs ran different numbers of samples: A ${a.samples}, B ${b.samples}`);
  const ia = a.inputIdentity, ib = b.inputIdentity;
  let same = false;
  if (!ia || !ib) {
    const missing = [!ia ? 'A' : '', !ib ? 'B' : ''].filter(Boolean).join(' and ');
    if (a.inputSource !== b.inputSource) {
      warnings.push(`the runs ran on different inputs: A on ${describeInputs(a)}, B on ${describeInputs(b)}`);
    } else {
      warnings.push(`${missing} does not record a hash of its inputs (a run file from an older version): both name "${a.inputSource}" as their inputs, but that they were the same cannot be checked`);
    }
  } else if (ia.kind === 'synthetic' && ib.kind === 'synthetic') {
    if (ia.distribution !== ib.distribution) warnings.push(`the synthetic inputs differ: A ${ia.distribution}, B ${ib.distribution}`);
    if (ia.seed !== ib.seed) warnings.push(`the synthetic inputs have different seeds: A ${ia.seed}, B ${ib.seed}`);
    if (ia.distribution === ib.distribution && !sameGenerator(ia, ib)) warnings.push(`the synthetic inputs come from different generators (A ${generatorName(ia)}, B ${generatorName(ib)}), so the same seed gave them different values`);
    if (!sameShapes(ia.sampleShapes, ib.sampleShapes)) warnings.push(`the models take differently shaped inputs (A ${ia.sampleShapes!.join(', ')}; B ${ib.sampleShapes!.join(', ')}), so the same seed gave them different values`);
    same = sameIdentity(ia, ib);
  } else if (ia.kind !== 'synthetic' && ib.kind !== 'synthetic') {
    if (ia.sha256 !== ib.sha256) {
      warnings.push(
        ia.path === ib.path
          ? `the input ${ia.kind} ${ia.path} changed between the runs (sha256 ${shortHash(ia.sha256)} → ${shortHash(ib.sha256)})`
          : `the runs ran on different inputs: A on ${describeInputs(a)}, B on ${describeInputs(b)}`,
      );
    }
    if (!sameImage(ia.image, ib.image)) warnings.push(`the runs preprocessed images differently: A ${JSON.stringify(ia.image ?? {})}, B ${JSON.stringify(ib.image ?? {})}`);
    same = sameIdentity(ia, ib);
  } else {
    warnings.push(`the runs ran on different inputs: A on ${describeInputs(a)}, B on ${describeInputs(b)}`);
  }
  const dimDiffs = Object.keys(a.dims)
    .filter((k) => Object.hasOwn(b.dims, k) && a.dims[k] !== b.dims[k])
    .map((k) => `${k} A ${a.dims[k]}, B ${b.dims[k]}`);
  if (dimDiffs.length) warnings.push(`symbolic dimensions have different sizes: ${dimDiffs.join('; ')}`);
  return {
    comparable: warnings.length === 0,
    warnings,
    inputs: same ? describeInputs(a) : null,
    samples: a.samples === b.samples ? a.samples : null,
  };
}
