/** The `login` call of the jsondata fixture (test/fixtures/jsondata), with a value in every sensitive field. */

/** Values of sensitive fields in the `login` call: none of them may appear in any output. */
export const SECRETS = ['s3cr3t-value', 'otp-123456', 'private note', '4111111111111111', 'tok-aaaa', 'pair-secret', 'Bearer xyz', 'hidden-x', 'sess-1234'];
export const LOGIN_ARGS = {
  user: 'jane',
  pin: 4321,
  secret: 's3cr3t-value',
  otp: 'otp-123456',
  note: 'private note',
  card: { number: '4111111111111111', holder: 'Jane' },
  tokens: ['tok-aaaa'],
  pair: ['visible', 'pair-secret'],
  headers: { Authorization: 'Bearer xyz' },
  extra: { visible: 'v', secret_x: 'hidden-x' },
};
export const LOGIN_CONTEXT = { purpose: 'tests', session_token: 'sess-1234' };
