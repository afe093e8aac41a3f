/**
 * How long an authenticated caller is reused. Within this process any change that affects a
 * caller (a key revoked, a project membership added or changed) clears the cache at once; in
 * other processes of the same deployment the change takes effect within the TTL. Only positive
 * answers are kept: an unknown or revoked key is looked up every time.
 */
export const CALLER_CACHE_TTL_MS = 5_000;
