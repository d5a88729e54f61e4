// The one-line messages for runs the supervisor had to stop or saw die: time limit, memory limit,
// crash. Each names the model and, where the graph shows one, the node (src/runtime/runHazards.ts
// says why the node is found statically).
import { formatSize } from './ortErrors';
import type { RunPhase } from './protocol';
import type { RunHazard } from './runHazards';

export interface RunState {
  phase: RunPhase | 'starting';
  hazards: RunHazard[];
  samplesDone: number;
  samplesTotal?: number;
}

function describeHazard(h: RunHazard): string {
  return `node '${h.node}' (${h.op}, ${h.detail})`;
}

function others(list: RunHazard[], kind: string): string {
  return list.length > 1 ? `; the model has ${list.length} such ${kind}` : '';
}

/** "while running node 'spin' (Loop, 1,099,511,627,776 iterations)" and the like. */
function whereTime(state: RunState): string {
  if (state.phase === 'starting') return 'while starting the runtime';
  if (state.phase === 'loading') return 'while loading the model into the runtime';
  const loops = state.hazards.filter((h) => h.kind === 'loop');
  if (loops.length) return `while running ${describeHazard(loops[0])}${others(loops, 'loops')}`;
  const sizes = state.hazards.filter((h) => h.kind === 'size');
  if (sizes.length) return `while running ${describeHazard(sizes[0])}${others(sizes, 'ops')}`;
  return `while running the model (${samplesText(state)}; it has no loop or constant-sized huge output to blame, so no single node is named)`;
}

function samplesText(state: RunState): string {
  const total = state.samplesTotal ? ` of ${state.samplesTotal}` : '';
  return state.samplesDone ? `${state.samplesDone}${total} samples done` : `first batch${total ? `, ${state.samplesTotal} samples in all` : ''}`;
}

export function timeoutMessage(model: string, seconds: number, state: RunState): string {
  return `${model}: stopped after ${seconds} s ${whereTime(state)}`;
}

export function memoryMessage(model: string, usedBytes: number, limitBytes: number, state: RunState): string {
  const sizes = state.hazards.filter((h) => h.kind === 'size');
  const where =
    state.phase === 'running' && sizes.length ? `while running ${describeHazard(sizes[0])}${others(sizes, 'ops')}` : whereTime(state);
  return `${model}: stopped when the runtime used ${formatSize(usedBytes)}, over the run's memory limit of ${formatSize(limitBytes)}, ${where}`;
}

export function crashMessage(model: string, code: number | null, signal: string | null, stderrTail: string, state: RunState): string {
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  const last = lastMeaningfulLine(stderrTail);
  const where = state.phase === 'running' ? 'while running the model' : whereTime(state);
  return `${model}: the runtime process ${how} ${where}${last ? ` (${last})` : ''}`;
}

function lastMeaningfulLine(text: string): string | undefined {
  const lines = text
    .split('\n')
    .map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trim())
    .filter((l) => l && !l.startsWith('@@') && !/^at\s/.test(l) && !/^Node\.js v/.test(l));
  const line = lines.at(-1);
  return line ? line.slice(0, 200) : undefined;
}

/** Parses the watchdog's marker line: "<marker> <used> <limit>". */
export function parseMemoryMarker(text: string, marker: string): { used: number; limit: number } | undefined {
  const i = text.lastIndexOf(marker);
  if (i < 0) return undefined;
  const [used, limit] = text.slice(i + marker.length).trim().split(/\s+/).map(Number);
  return Number.isFinite(used) && Number.isFinite(limit) ? { used, limit } : undefined;
}
