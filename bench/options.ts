// `npm run bench -- [options]`: what to measure, on how much data, how many times.
export type Measurement = 'copy' | 'catchup' | 'lag' | 'vdiff';
export const MEASUREMENTS: readonly Measurement[] = ['copy', 'catchup', 'lag', 'vdiff'];

export interface BenchOptions {
  /** Rows of the ~100-byte table. */
  rows: number;
  /** Rows of the 2 KB table (default rows / 10). */
  wideRows: number;
  sourceShards: number;
  targetShards: number;
  only: Set<Measurement>;
  /** Repetitions of every measurement: at least 3 (the rule), fewer only with --profile. */
  runs: number;
  /** Source changes in each catch-up backlog. */
  backlog: number;
  /** Source writes per second during the lag measurement, and how long each lag run lasts. */
  writeRate: number;
  lagSeconds: number;
  /** Run the worker under `node --cpu-prof`; profiles land in .vtmigrate/bench/profiles/. */
  profile: boolean;
  /** Stop the bench stack at the end (it is kept running by default, for quick repeats). */
  down: boolean;
  /** Extra MigrateRequest fields (JSON), e.g. {"copyBatchBytes": 1048576}, for tuning experiments. */
  request: Record<string, unknown>;
}

const USAGE = `usage: npm run bench -- [--rows N] [--wide-rows N] [--shards S:T] [--only copy|catchup|lag|vdiff[,...]]
                       [--runs N] [--backlog N] [--write-rate N] [--lag-seconds N] [--profile] [--down]
                       [--request '{"copyBatchBytes": 1048576}']`;

export class UsageError extends Error {}

function positiveInt(flag: string, text: string | undefined, min = 1): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < min) throw new UsageError(`${flag} needs an integer >= ${min}, got ${JSON.stringify(text)}\n${USAGE}`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const o: BenchOptions = {
    rows: 1_000_000, wideRows: -1, sourceShards: 2, targetShards: 3, only: new Set(MEASUREMENTS), runs: 3,
    backlog: 200_000, writeRate: 2_000, lagSeconds: 20, profile: false, down: false, request: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--rows': o.rows = positiveInt(flag, value()); break;
      case '--wide-rows': o.wideRows = positiveInt(flag, value(), 0); break;
      case '--shards': {
        const v = value() ?? '';
        const m = /^(\d+):(\d+)$/.exec(v);
        if (!m || Number(m[1]) < 1 || Number(m[2]) < 1 || Number(m[1]) > 16 || Number(m[2]) > 16) {
          throw new UsageError(`--shards needs S:T (source and target shard counts, 1-16 each), got ${JSON.stringify(v)}\n${USAGE}`);
        }
        o.sourceShards = Number(m[1]);
        o.targetShards = Number(m[2]);
        break;
      }
      case '--only': {
        const names = (value() ?? '').split(',').filter((s) => s !== '');
        const bad = names.filter((n) => !MEASUREMENTS.includes(n as Measurement));
        if (names.length === 0 || bad.length > 0) throw new UsageError(`--only takes ${MEASUREMENTS.join('|')} (comma-separated), got ${JSON.stringify(names.join(','))}\n${USAGE}`);
        // The steady lag belongs to catch-up (the targets pair them); `lag` alone is kept
        // for measuring only that.
        o.only = new Set(names.flatMap((n) => (n === 'catchup' ? ['catchup', 'lag'] : [n])) as Measurement[]);
        break;
      }
      case '--runs': o.runs = positiveInt(flag, value()); break;
      case '--backlog': o.backlog = positiveInt(flag, value()); break;
      case '--write-rate': o.writeRate = positiveInt(flag, value()); break;
      case '--lag-seconds': o.lagSeconds = positiveInt(flag, value(), 5); break;
      case '--profile': o.profile = true; break;
      case '--down': o.down = true; break;
      case '--request': {
        const text = value() ?? '';
        try {
          const parsed: unknown = JSON.parse(text);
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
          o.request = parsed as Record<string, unknown>;
        } catch (err) {
          throw new UsageError(`--request needs a JSON object of Migrate request fields, got ${JSON.stringify(text)}: ${(err as Error).message}\n${USAGE}`);
        }
        break;
      }
      case '--help': case '-h': throw new UsageError(USAGE);
      default: throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    }
  }
  if (o.runs < 3 && !o.profile) throw new UsageError(`--runs ${o.runs}: every figure is the median of at least 3 runs (fewer only with --profile, whose runs are for the profiles)\n${USAGE}`);
  if (o.wideRows < 0) o.wideRows = Math.max(1, Math.round(o.rows / 10));
  return o;
}
