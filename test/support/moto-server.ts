// moto_server for the tests: the run's shared instance comes from test/global-setup.ts; a test that must read moto's
// whole state (GET /moto-api/data.json) starts its own, so other test files' data neither slows that read down nor
// breaks it. The code lives with the bench, which starts one too (the CLI imports no test code).
export { freeLoopbackPort as freePort, startMotoServer, type MotoServer } from '../../cli/bench/moto-server.ts';
