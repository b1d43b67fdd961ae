import { signCaller, verifyCaller, type Caller } from './identity';

const secret = 'a-shared-secret-of-sufficient-length-123';
const staff: Caller = { userId: 'u1', roles: ['staff'], gridIds: [] };

describe('signed caller identity', () => {
  it('when headers are signed and verified with the same secret, then the caller comes back', () => {
    expect(verifyCaller(signCaller(staff, secret), secret, 60)).toEqual(staff);
  });

  it('when the caller payload is altered, then verification fails', () => {
    const headers = signCaller(staff, secret);
    const forged = Buffer.from(JSON.stringify({ ...staff, roles: ['admin'] })).toString(
      'base64url',
    );
    expect(() => verifyCaller({ ...headers, 'x-liyuan-caller': forged }, secret, 60)).toThrow(
      'invalid gateway signature',
    );
  });

  it('when the signature is older than the allowed skew, then verification fails', () => {
    const headers = signCaller(staff, secret, Date.now() - 120_000);
    expect(() => verifyCaller(headers, secret, 60)).toThrow('stale gateway signature');
  });

  it('when headers are missing, then verification fails with UNAUTHENTICATED', () => {
    expect(() => verifyCaller({}, secret, 60)).toThrow(
      expect.objectContaining({ code: 'UNAUTHENTICATED' }),
    );
  });
});
