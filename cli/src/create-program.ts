import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAdminCommand } from './admin-command.js';
import { processIo, type CliIo } from './cli-io.js';
import { registerRelaysCommand } from './relays-command.js';
import { registerTeaCommand } from './tea-command.js';
import { registerUsersCommand } from './users-command.js';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** The `streamgate` program with the users, admin and tea commands (main.ts adds `start`). */
export function createProgram(io: CliIo = processIo): Command {
  const program = new Command('streamgate')
    .description('streamgate: live-video ingest with a serverless control plane')
    .version(packageVersion())
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });
  registerUsersCommand(program, io);
  registerAdminCommand(program, io);
  registerRelaysCommand(program, io);
  registerTeaCommand(program, io);
  return program;
}
