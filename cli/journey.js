#!/usr/bin/env node
// The `journey` bin: runs cli/main.ts through tsx, compile-free.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
