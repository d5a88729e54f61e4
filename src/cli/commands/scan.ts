// Placeholder until its issue lands.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('activation-lens scan: not available yet\n');
  return 2;
}
