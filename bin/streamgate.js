#!/usr/bin/env node
// The `streamgate` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

// The SDK warns on every start that its 2027 releases need Node 22; the pinned version runs on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../cli/src/main.ts');
