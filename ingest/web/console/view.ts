import type { ConsoleClient } from './console-client.js';
import type { ConsoleSnapshot } from '#domain/console-api.js';

/** One page of the console. */
export interface View {
  readonly element: HTMLElement;
  /** A fresh snapshot (every second while the view is shown). */
  update?(snapshot: ConsoleSnapshot): void;
  /** The view is left: stop timers and players. */
  close?(): void;
}

/** What every view is made with. */
export interface ViewContext {
  readonly client: ConsoleClient;
  /** The latest snapshot, if one arrived yet. */
  readonly snapshot: () => ConsoleSnapshot | undefined;
  /** Says something in the page's live region (screen readers hear it too). */
  readonly announce: (text: string, kind?: 'info' | 'error') => void;
}
