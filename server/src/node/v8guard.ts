/**
 * Works around a V8 11 (Node 20) crash: when TurboFan-optimised code calls into the Cedar engine's wasm and
 * the engine's JS glue invalidates that code while it is on the stack, the lazy deoptimisation aborts the
 * process ("Fatal error … unreachable code" in Deoptimizer::DoComputeBuiltinContinuation). It shows after
 * a few thousand engine calls (a file of a few thousand policies) and never on V8 12+ (Node 22+, recent
 * VS Code). On V8 11 we turn TurboFan off — slower JavaScript, but no crash. Imported first by every entry point.
 */
import * as v8 from 'node:v8';

const major = Number(process.versions.v8.split('.')[0]);
if (major > 0 && major < 12) v8.setFlagsFromString('--no-turbofan');
