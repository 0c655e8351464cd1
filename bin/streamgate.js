#!/usr/bin/env node
// The `streamgate` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../cli/src/main.ts');
