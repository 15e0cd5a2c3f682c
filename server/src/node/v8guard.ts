/**
 * Works around a V8 11 (Node 20) crash: when TurboFan-optimised code calls into the Cedar engine's wasm and
 * the engine's JS glue invalidates that code while it is on the stack, the lazy deoptimisation aborts the
 * process ("Fatal error … unreachable code" in Deoptimizer::DoComputeBuiltinContinuation). It shows after
 * a few thousand engine calls (a file of a few thousand policies) and never on V8 12+ (Node 22+, recent
 * VS Code). On V8 11 we turn TurboFan off — slower JavaScript, but no crash. Imported first by every entry point.
 *
 * `--no-turbo-inlining` alone (TurboFan kept) was tried on Node 20.20 at 10,000 policies: no crash in 11 runs (the
 * bench generator 9, `agent-policy check` 2) where TurboFan as is crashed in 5 of 11, but `check` used as much CPU
 * (22.2 s and 24.2 s against 23.3 s and 22.5 s with TurboFan off: the time goes to the engine's wasm, which these flags
 * do not touch). Not faster, and not proven safe: TurboFan stays off. Node 20 is end-of-life; the suites also run on
 * Node 24 (`npm run test:node24`), where none of this applies.
 */
import * as v8 from 'node:v8';

const major = Number(process.versions.v8.split('.')[0]);
if (major > 0 && major < 12) v8.setFlagsFromString('--no-turbofan');
