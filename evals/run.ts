/** Entry point of `npm run eval` (see evals/cli.ts for the options). */
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2));
