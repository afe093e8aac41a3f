/**
 * A fingerprint of a prompt's long prefix (system prompt, then the conversation in order), so that
 * analytics can find requests that repeat the same long prefix (prompt-caching candidates) without
 * storing any prompt text. Providers cache prefixes of 1,024 tokens and more; about four characters
 * make a token, so prompts shorter than PREFIX_CHARS have no cacheable prefix and get no hash.
 */
import { createHash } from 'node:crypto';
import type { ModelMessage } from 'ai';

export const PREFIX_CHARS = 4_096;

export function promptPrefixHash(system: string | undefined, messages: ModelMessage[]): string | null {
  let prefix = system ? `system\u0000${system}\u0000` : '';
  for (const message of messages) {
    if (prefix.length >= PREFIX_CHARS) break;
    const content = typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
    prefix += `${message.role}\u0000${content}\u0000`;
  }
  if (prefix.length < PREFIX_CHARS) return null;
  return createHash('sha256').update(prefix.slice(0, PREFIX_CHARS)).digest('hex').slice(0, 32);
}
