import * as assert from 'node:assert/strict';
import { parseYaml } from '../../server/src/core/yamlDoc';

/** Messages never repeat a file's content: a broken tool list may hold a secret. */
describe('messages never quote file content', () => {
  const SECRET = 'zqSECRETzq';
  const broken = [
    `{"tools": [ ${SECRET} ]}`,
    `{"tools": "${SECRET}" x}`,
    `{"tools": [{"name": "t", "token": ${SECRET}}]}`,
    `${SECRET}`,
    `{"a": 1} ${SECRET}`,
    `{"${SECRET}": `,
  ];
  for (const text of broken) {
    it(`JSON: ${text.length} characters with the secret at ${text.indexOf(SECRET)}`, () => {
      const { findings } = parseYaml(text, 'manifest-invalid', 'json');
      assert.ok(findings.length > 0, 'the broken JSON is reported');
      for (const f of findings) assert.ok(!f.message.includes(SECRET) && !f.message.includes('SECRET'), f.message);
    });
  }
});
