import { redactArgs, redactKnown, redactUrl, redactValue } from './redact';

describe('redaction', () => {
  it('hides credential arguments but keeps ${VAR} references and plain arguments', () => {
    expect(
      redactArgs(['--api-key', 'sk-1', '--token=abc', '--port', '80', '--token', '${T}', 'https://u:pw@h/x']),
    ).toEqual(['--api-key', '***', '--token=***', '--port', '80', '--token', '${T}', 'https://u:***@h/x']);
    expect(redactArgs(['--secret=${S}'])).toEqual(['--secret=${S}']);
  });

  it('hides URL passwords and credential query parameters', () => {
    expect(redactUrl('https://user:pass@example.com/mcp?api_key=abc&page=2')).toBe(
      'https://user:***@example.com/mcp?api_key=***&page=2',
    );
    expect(redactUrl('https://example.com/mcp?token=${TOKEN}')).toBe(
      'https://example.com/mcp?token=${TOKEN}',
    );
    expect(redactUrl('not a url')).toBe('not a url');
  });

  it('hides literal secrets stored under a credential-like name', () => {
    expect(redactValue('Authorization', 'Bearer ghp_123')).toBe('Bearer ***');
    expect(redactValue('Authorization', 'Bearer ${GH}')).toBe('Bearer ${GH}');
    expect(redactValue('BRAVE_API_KEY', 'abc')).toBe('***');
    expect(redactValue('BRAVE_API_KEY', '${BRAVE_API_KEY}')).toBe('${BRAVE_API_KEY}');
    expect(redactValue('LOG_LEVEL', 'debug')).toBe('debug');
  });

  it('hides known secret values anywhere in text', () => {
    expect(redactKnown('run with secret-value-1 and x', ['secret-value-1', 'x'])).toBe('run with *** and x');
  });
});
