'use strict';
// Mocha's spec output, plus the plain closing line that CI reads: "tests: N passed, N failed".
const { reporters, Runner } = require('mocha');

class ValtuusReporter extends reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = this.stats;
      process.stdout.write(`\ntests: ${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}\n`);
    });
  }
}

module.exports = ValtuusReporter;
