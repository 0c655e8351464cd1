import type { Command } from 'commander';
import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import type { CliIo } from './cli-io.js';
import { resolveTeaSecret } from './config.js';

/**
 * Registers `streamgate tea encrypt|decrypt [--secret S] TEXT`: the Wowza TEA codec for interop
 * debugging (AUTH-SPEC §1). Without --secret the local server's `tea-secret` file is used.
 */
export function registerTeaCommand(program: Command, io: CliIo): void {
  const tea = program.command('tea').description('Wowza-compatible TEA encrypt/decrypt (token provider interop debugging)');
  for (const verb of ['encrypt', 'decrypt'] as const) {
    tea
      .command(verb)
      .description(verb === 'encrypt' ? 'TEA-encrypt TEXT to lowercase hex' : 'TEA-decrypt HEX to text')
      .argument(verb === 'encrypt' ? '<text>' : '<hex>')
      .option('--secret <secret>', 'shared secret (only the first 16 bytes count; default: the local tea-secret file)')
      .option('--data-dir <dir>', 'local data dir (env STREAMGATE_DATA_DIR, default ./.data)')
      .action((text: string, opts: { secret?: string; dataDir?: string }) => {
        try {
          const secret = resolveTeaSecret(opts.secret, opts.dataDir);
          if (secret.length < 16) io.err('warning: the secret is shorter than 16 characters (zero-padded; streamgate refuses such a secret in config)');
          io.out(verb === 'encrypt' ? teaEncrypt(text, secret) : teaDecrypt(text, secret));
        } catch (err) {
          io.err(`error: ${(err as { code?: string }).code ? `${(err as { code: string }).code}: ` : ''}${(err as Error).message}`);
          process.exitCode = 1;
        }
      });
  }
}
