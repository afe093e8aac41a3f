// Every file a test writes under os.tmpdir() (CLI projects, exports, MCP configs) goes into one
// directory per run, which global-teardown.js removes: no test file can leave temp files behind.
const { mkdtempSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ai-platform-tests-'));
  process.env.AI_PLATFORM_TEST_TMP = dir;
  // Workers and the processes tests spawn start after this and inherit it; os.tmpdir() follows TMPDIR.
  process.env.TMPDIR = dir;
};
