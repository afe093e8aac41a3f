import { firstFailure, probeFailureCode } from './probe-outcome';

describe('probe failure classification', () => {
  it.each([
    [
      { step: 'start', code: 'CONFIG_INVALID', error: 'variable ${K} used in env.K is not set' },
      'SECRET_MISSING',
    ],
    [
      { step: 'initialize', code: 'MCP_SERVER_UNAVAILABLE', error: 'answered HTTP 401 at https://h' },
      'UNAUTHENTICATED',
    ],
    [{ step: 'initialize', code: 'MCP_TIMEOUT', error: 'did not answer' }, 'MCP_TIMEOUT'],
    [{ step: 'call', code: 'MCP_TOOL_ERROR', error: 'x' }, 'MCP_TOOL_ERROR'],
    [{ step: 'call', code: 'SOMETHING_ELSE', error: 'x' }, 'MCP_TOOL_ERROR'],
    [{ step: 'start', code: undefined, error: 'x' }, 'MCP_SERVER_UNAVAILABLE'],
    [{ step: 'start', code: 'CONFIG_INVALID', error: 'bad url' }, 'CONFIG_INVALID'],
  ] as const)('%p → %s', (step, code) => {
    expect(probeFailureCode(step as Parameters<typeof probeFailureCode>[0])).toBe(code);
  });

  it('finds the first failed step', () => {
    expect(firstFailure([{ ok: true }, { ok: false, n: 1 }, { ok: false, n: 2 }])).toEqual({
      ok: false,
      n: 1,
    });
    expect(firstFailure([{ ok: true }])).toBeUndefined();
  });
});
