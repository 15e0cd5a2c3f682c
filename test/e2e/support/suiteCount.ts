/**
 * A run that loads fewer (or more) suite files than the sources hold is not a green run: the harness passes the
 * count of `*.test.ts` files (a build that did not finish, or a stale compiled suite, would otherwise go unnoticed).
 */
export function checkSuiteCount(files: string[]): void {
  const expected = Number(process.env.AGENT_POLICY_E2E_SUITE_FILES ?? NaN);
  if (Number.isInteger(expected) && files.length !== expected) {
    throw new Error(`found ${files.length} compiled suite file(s) (${files.join(', ')}) where the sources have ${expected}: rebuild with \`tsc -p .\``);
  }
}
