// Loaded by mocha before any test (see .mocharc.json): tests call the engine in-process many times.
import '../../server/src/node/v8guard';
