// Entry point. The runtime is checked before anything else loads: oidc-provider 9 needs
// Node.js 22, and on an older one it would start with a warning and fail later.
//
// The map (docs/architecture.md): main.ts reads config/ and starts one process or the workers;
// app.ts assembles the app, installing in order the token endpoint's steps (token/steps.ts,
// listed there one per line) and the pages (interactions/); the level policy is policy/.
const NEEDED = [22, 18];
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < NEEDED[0]! || (major === NEEDED[0] && minor < NEEDED[1]!)) {
  process.stderr.write(
    `valtuus: needs Node.js ${NEEDED.join('.')} or newer, this is ${process.versions.node}; run it with \`npm start\`, which brings its own\n`,
  );
  process.exit(1);
}

// Flags the process needs from its start; without them it replaces itself (same pid, same
// signals) with one that has them. Cluster workers inherit them (execArgv).
// - AsyncLocalStorage (oidc-provider keeps each request's context in one) costs a promise hook
//   on every await unless it runs on async context frames: the default from Node.js 24, a flag
//   before. About a third less CPU per token request (bench/results.md).
// - V8 lets the young generation grow to two 16 MiB semi-spaces, and grows the old generation
//   by up to 4× after a collection while a process allocates fast, which is what a burst of
//   token requests looks like; the RSS then stays at the burst's size. 8 MiB semi-spaces and a
//   growth factor of 3 keep a worker's peak memory at the bare framework's for about 5 % more
//   CPU per request (bench/goals.md "Memory").
const RUNTIME_FLAGS = [
  ...(major >= 24 ? [] : ['--experimental-async-context-frame']),
  '--max-semi-space-size=8',
  '--heap-growing-percent=200',
];
const missing = RUNTIME_FLAGS.filter((flag) => !process.execArgv.includes(flag));
if (missing.length > 0 && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], process.env);
}
await import('./main.ts');
