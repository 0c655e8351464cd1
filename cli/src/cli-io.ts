/** Where commands write and read, so tests can capture them. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** All of stdin (for `--password-stdin`). */
  readStdin(): Promise<string>;
}

/** The process's own stdout/stderr/stdin. */
export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};
