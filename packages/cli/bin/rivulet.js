#!/usr/bin/env node
// The `rivulet` command. Built code lives in dist/ (`npm ci` builds it through the root `prepare`).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv);
