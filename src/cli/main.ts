#!/usr/bin/env node
/** The tensorjet command line: one file per command. Errors print one line; usage errors exit 2. */
import { isTensorJetError } from '../errors.js';
import { buildCommand } from './build.js';
import { inspectCommand } from './inspect.js';
import { runCommand } from './run.js';
import { devicesCommand } from './devices.js';
import { benchCommand } from './bench.js';
import { usageError } from './args.js';

const USAGE = `usage: tensorjet <command> [options]

commands:
  build <model.onnx> -o <model.plan> [--fp16] [--shapes name:min/opt/max]... [--device cpu|N|auto]
  run <model.onnx|model.plan> [--input name=<file.npy|file.pb|0,1,2>]... [--random] [--output-dir dir] [--device ..]
  inspect <model.onnx|model.plan> [--json]
  devices [--json]
  bench <model.onnx|model.plan> [--duration s] [--warmup n] [--json] [--device ..]

options for every command: --verbose (stack traces on errors), --help`;

type Out = (s: string) => void;
const COMMANDS: Record<string, (argv: string[], out: Out, err: Out) => Promise<void>> = {
  build: buildCommand,
  run: runCommand,
  inspect: inspectCommand,
  devices: devicesCommand,
  bench: benchCommand,
};

export async function main(argv: string[], out: Out = (s) => console.log(s), err: Out = (s) => console.error(s)): Promise<number> {
  const verbose = argv.includes('--verbose');
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help' || rest.includes('--help')) {
    out(USAGE);
    return command ? 0 : 2;
  }
  try {
    const fn = COMMANDS[command];
    if (!fn) throw usageError(`unknown command '${command}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    await fn(rest, out, err);
    return 0;
  } catch (e) {
    const message = isTensorJetError(e) ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
    err(`error: ${message.replace(/\s*\n\s*/g, ' ')}`);
    if (verbose && e instanceof Error && e.stack) err(e.stack);
    return isTensorJetError(e) && e.code === 'E_USAGE' ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
