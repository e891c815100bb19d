#!/usr/bin/env node
/**
 * The `cabi` executable: wires the real process streams into {@link main} and sets the exit code.
 */
import { main } from './main.js';

const controller = new AbortController();
let interrupts = 0;
const onInterrupt = () => {
  // First Ctrl-C ends the guest cleanly; a second one gives up on cleanliness.
  if (++interrupts > 1) process.exit(130);
  controller.abort();
};
process.on('SIGINT', onInterrupt);
process.on('SIGTERM', onInterrupt);

main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  },
  (error: unknown) => {
    process.stderr.write(`cabi: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 70;
  },
);
