// Every estate the suite starts (in-process or in a child rehearsal) checks that each change it
// journals was reported by its service (sandbox/core/persistence.ts): a miss fails the write loudly.
process.env.MW_SANDBOX_CHECK_PARTS = '1';
