import { AppError } from '../../src/shared/errors';
import { exitCodeFor, ExitCode } from './exit-codes';

describe('exit codes', () => {
  it.each([
    [new AppError('BAD_USER_INPUT', 'x'), ExitCode.usage],
    [new AppError('NOT_FOUND', 'x'), ExitCode.usage],
    [new AppError('CONFIG_INVALID', 'x'), ExitCode.config],
    [new AppError('CONFIG_INVALID', 'x', { details: { variable: 'K' } }), ExitCode.auth],
    [new AppError('SECRET_MISSING', 'x'), ExitCode.auth],
    [new AppError('UNAUTHENTICATED', 'x'), ExitCode.auth],
    [new AppError('MCP_TIMEOUT', 'x'), ExitCode.unreachable],
    [new AppError('MCP_SERVER_UNAVAILABLE', 'x'), ExitCode.unreachable],
    [new AppError('MCP_TOOL_ERROR', 'x'), ExitCode.tool],
    [new AppError('FORBIDDEN', 'x'), ExitCode.unexpected],
    [Object.assign(new Error('x'), { name: 'RequiredArgsError' }), ExitCode.usage],
    [Object.assign(new Error('x'), { oclif: { exit: 2 } }), ExitCode.usage],
    [new Error('boom'), ExitCode.unexpected],
    [undefined, ExitCode.unexpected],
  ])('%p → %i', (error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });
});
