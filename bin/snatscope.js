#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (npm install builds it through `prepare`).
import { main } from '../dist/src/cli.js';
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
