import { createProgram } from './create-program.js';
import { registerStartCommand } from './start-command.js';

// The `streamgate` command (bin/streamgate.js runs this file through tsx).
const program = createProgram();
registerStartCommand(program);
await program.parseAsync(process.argv);
