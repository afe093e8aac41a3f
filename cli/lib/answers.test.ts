import { Answers } from './answers';

const prompts = {
  input: jest.fn(async () => 'typed'),
  password: jest.fn(async () => 'secret-typed'),
  select: jest.fn(async () => 'b'),
  confirm: jest.fn(async () => false),
};
jest.mock('@inquirer/prompts', () => prompts);

const interactive = new Answers({ yes: false, interactive: true });
const ci = new Answers({ yes: true, interactive: false });
const pipe = new Answers({ yes: false, interactive: false });
const choices = [
  { value: 'a', name: 'A' },
  { value: 'b', name: 'B' },
] as const;

describe('Answers: flag, then --yes default, then a prompt', () => {
  beforeEach(() => jest.clearAllMocks());

  it('uses the flag value without prompting', async () => {
    expect(await interactive.text({ flag: '--name', value: 'given', message: 'Name' })).toBe('given');
    expect(await interactive.select({ flag: '--x', value: 'a', message: 'X', choices })).toBe('a');
    expect(
      await interactive.confirm({ flag: '--update', value: false, message: 'Sure?', default: true }),
    ).toBe(false);
    expect(Object.values(prompts).every((p) => p.mock.calls.length === 0)).toBe(true);
  });

  it('takes defaults under --yes and fails where there is none', async () => {
    expect(await ci.text({ flag: '--name', default: 'd', message: 'Name' })).toBe('d');
    expect(await ci.select({ flag: '--x', default: 'b', message: 'X', choices })).toBe('b');
    expect(await ci.confirm({ flag: '--yes', message: 'Sure?', default: false })).toBe(true);
    await expect(ci.text({ flag: '--name', message: 'Name' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    await expect(
      ci.secret({ flag: '--secret K=', variable: 'K', message: 'Key', help: 'Get one.' }),
    ).rejects.toMatchObject({
      code: 'SECRET_MISSING',
      details: { variable: 'K' },
    });
  });

  it('never waits without a terminal: the error names the flag', async () => {
    await expect(pipe.select({ flag: '--install', default: 'a', message: 'X', choices })).rejects.toThrow(
      'Missing --install: there is no terminal to ask. Pass --install, or --yes to take the default.',
    );
    await expect(pipe.text({ flag: '--name', message: 'Name' })).rejects.toThrow('Pass --name.');
    await expect(pipe.confirm({ flag: '--yes', message: 'Sure?', default: false })).rejects.toThrow(
      'Pass --yes to confirm.',
    );
  });

  it('rejects a flag value that is not a choice', async () => {
    await expect(interactive.select({ flag: '--x', value: 'z', message: 'X', choices })).rejects.toThrow(
      '--x must be one of a, b (got "z").',
    );
  });

  it('prompts on a terminal, on stderr, with secrets masked', async () => {
    expect(await interactive.text({ flag: '--name', message: 'Name', default: 'd' })).toBe('typed');
    expect(await interactive.select({ flag: '--x', message: 'X', choices })).toBe('b');
    expect(await interactive.confirm({ flag: '--yes', message: 'Sure?', default: false })).toBe(false);
    expect(
      await interactive.secret({ flag: '--secret K=', variable: 'K', message: 'Key', help: 'Get one.' }),
    ).toBe('secret-typed');
    const [config, context] = prompts.password.mock.calls[0] as unknown as [
      { mask: string; validate: (v: string) => unknown },
      { output: unknown },
    ];
    expect(config.mask).toBe('*');
    expect(config.validate(' ')).toContain('K must not be empty');
    expect(config.validate('x')).toBe(true);
    expect(context.output).toBe(process.stderr);
  });
});
