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

// AsyncLocalStorage (oidc-provider keeps each request's context in one) costs a promise hook
// on every await unless it runs on async context frames: the default from Node.js 24, a flag
// before. Without the flag the process replaces itself (same pid, same signals) with one that
// has it: about a third less CPU per token request (bench/results.md).
const FRAME_FLAG = '--experimental-async-context-frame';
const framesByDefault = major >= 24;
if (!framesByDefault && !process.execArgv.includes(FRAME_FLAG) && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, FRAME_FLAG, ...process.execArgv, ...process.argv.slice(1)], process.env);
}
await import('./main.ts');
