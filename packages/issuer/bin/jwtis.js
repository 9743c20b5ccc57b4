#!/usr/bin/env node
// The bin is this committed file rather than dist/cli/main.js, so that installing the
// workspace links it before anything is built; the CLI itself is the compiled one.
await import('../dist/cli/main.js')
