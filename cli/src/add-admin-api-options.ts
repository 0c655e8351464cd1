import { type Command, Option } from 'commander';

/** The options every admin-API command group takes: where the API is, the admin token, the data dir. */
export function addAdminApiOptions(command: Command, apiHelp: string): Command {
  return command
    .addOption(new Option('--api <url>', apiHelp))
    .addOption(new Option('--admin-token <token>', 'admin bearer token (env STREAMGATE_ADMIN_TOKEN, default: the admin-token file in the data dir)'))
    .addOption(new Option('--data-dir <dir>', 'local data dir holding admin-token (env STREAMGATE_DATA_DIR, default ./.data)'));
}
