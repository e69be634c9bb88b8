#!/usr/bin/env node
/**
 * The `modelstack` executable: parse argv, run one command, map errors to
 * exit codes (0 ok, 1 failure, 2 usage error). All the work is in the library.
 */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));
