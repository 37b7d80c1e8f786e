/** Entry point of the `journey` command (run through tsx: `npx tsx cli/main.ts …` or `npx journey …`). */
import { main } from './commands.js';

process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
