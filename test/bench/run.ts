import { runClvBench, usage as clvUsage } from './clv';
import { runExperimentsBench, usage as experimentsUsage } from './experiments';
import { runIngest, usage as ingestUsage } from './ingest';
import { runJourneysBench, usage as journeysUsage } from './journeys';
import { runSegmentsBench, usage as segmentsUsage } from './segments';
import { runSendBench, usage as sendUsage } from './send';

/** One entry per benchmark: `npm run bench -- <name> [flags]`. */
const BENCHMARKS: Record<string, { usage: string; run: (argv: string[]) => Promise<number> }> = {
  ingest: { usage: ingestUsage, run: runIngest },
  clv: { usage: clvUsage, run: runClvBench },
  segments: { usage: segmentsUsage, run: runSegmentsBench },
  send: { usage: sendUsage, run: runSendBench },
  experiments: { usage: experimentsUsage, run: runExperimentsBench },
  journeys: { usage: journeysUsage, run: runJourneysBench },
};

async function main(): Promise<number> {
  const [name, ...argv] = process.argv.slice(2);
  const bench = name === undefined ? undefined : BENCHMARKS[name];
  if (!bench) {
    process.stderr.write(
      `${name === undefined ? 'Name a benchmark' : `Unknown benchmark "${name}"`}. Available:\n\n` +
        Object.values(BENCHMARKS)
          .map((b) => `  ${b.usage}`)
          .join('\n\n') +
        '\n',
    );
    return 2;
  }
  return bench.run(argv);
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
