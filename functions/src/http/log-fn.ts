/** A structured logger: one JSON object per event. Never pass passwords or tokens. */
export type LogFn = (event: Record<string, unknown>) => void;

/** Writes each event as one JSON line on stdout with a timestamp (CloudWatch-friendly). */
export const jsonLineLog: LogFn = (event) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
};
