import { ROLES, type Role } from './context';

export interface ApiKeyEntry {
  token: string;
  actor: string;
  roles: Role[];
}

/**
 * Parses AUTH_TOKENS (`token=actor:role[+role],...`). Pure, so configuration validation can
 * refuse a bad value before anything starts; throws with a message that never shows a whole token.
 */
export function parseApiKeySpec(spec: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  for (const entry of spec.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([^=\s]{16,})=([^:\s]+):([a-z+]+)$/.exec(entry);
    if (!match) throw new Error(`bad entry "${entry.slice(0, 6)}...": expected token=actor:role[+role], token at least 16 characters`);
    const roles = match[3].split('+');
    const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
    if (unknown.length > 0) throw new Error(`unknown role(s) ${unknown.join(', ')} for actor ${match[2]} (roles: ${ROLES.join(', ')})`);
    entries.push({ token: match[1], actor: match[2], roles: roles as Role[] });
  }
  if (entries.length === 0) throw new Error('no keys given');
  return entries;
}
