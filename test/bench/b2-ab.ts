/**
 * B2's chain, two trees side by side in one process: `npx tsx test/bench/b2-ab.ts ROOT_A ROOT_B
 * [ROUNDS]` loads each tree's engine (e.g. a `git archive` of main and of a branch, each with a
 * node_modules link), then alternates batches of 30 chains between them and prints the median CPU
 * per chain step of each and their ratio, in memory and on a file. Alternating batches in one
 * process keeps the comparison fair when other work loads the machine: both sides see the same
 * load at almost the same moments, where separate runs minutes apart did not (docs/benchmarks.md,
 * session 6).
 */
import { join, resolve } from 'node:path';

const [rootA, rootB] = process.argv.slice(2, 4).map((root) => resolve(root));
const ROUNDS = Number(process.argv[4] ?? 30);
const BATCH = 30;
const STEPS_PER_CHAIN = 21;

async function load(root: string) {
  const { loadConfig } = await import(join(root, 'engine/config.ts'));
  const { createEngine } = await import(join(root, 'engine/engine.ts'));
  const { builtInSteps } = await import(join(root, 'steps/index.ts'));
  const { tempDataDir } = await import(join(root, 'test/helpers/test-server.ts'));
  const { setVariablesChain } = await import(join(root, 'test/bench/fixtures.ts'));
  const { pino } = await import('pino');
  return async (onFile: boolean) => {
    const dir = tempDataDir();
    const config = loadConfig({ DATA_DIR: dir, DATABASE_URL: onFile ? `sqlite:${join(dir, 'ab.db')}` : 'sqlite::memory:', ADMIN_API_KEY: 'bench', LOG_LEVEL: 'silent', RATE_LIMITS: 'off' });
    const engine = await createEngine(config, { steps: builtInSteps, logger: pino({ level: 'silent' }) });
    const chain = setVariablesChain(20);
    await engine.admin.save(chain.id, chain);
    await engine.admin.publish(chain.id);
    return {
      close: () => engine.close(),
      async run(sessions: number) {
        for (let i = 0; i < sessions; i++) {
          const response = await engine.sessions.start(chain.id, {}, 'admin');
          if (response.status !== 'completed') throw new Error('the chain did not complete');
        }
      },
    };
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

if (!rootA || !rootB) throw new Error('usage: b2-ab.ts ROOT_A ROOT_B [ROUNDS]');
const makers = [await load(rootA), await load(rootB)];
for (const onFile of [false, true]) {
  const engines = [await makers[0](onFile), await makers[1](onFile)];
  for (const engine of engines) await engine.run(150); // warm-up
  const perStep: number[][] = [[], []];
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 ? [1, 0] : [0, 1]) {
      const before = process.cpuUsage();
      await engines[side].run(BATCH);
      const used = process.cpuUsage(before);
      perStep[side].push((used.user + used.system) / (BATCH * STEPS_PER_CHAIN));
    }
  }
  const [a, b] = perStep.map(median);
  console.log(`${onFile ? 'SQLite file' : 'in memory'}: A ${a.toFixed(1)} µs CPU per step, B ${b.toFixed(1)}; B/A ${(b / a).toFixed(2)}`);
  for (const engine of engines) await engine.close();
}
