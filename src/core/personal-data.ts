/**
 * Which values are personal, and a copy of any JSON with them masked. Business-free: a saga
 * definition names its own personal fields (`personalFields`); a conservative default list catches
 * the common names whatever the definition says. Keys are compared without case, `_` or `-`, so
 * `customer_email`, `customerEmail` and `Customer-Email` are one key.
 */

/** What a masked value reads as. */
export const MASK = '***';

/** Keys that name personal data in any saga, matched at any depth. */
const DEFAULT_PERSONAL = [
  // Contact: anything mentioning one of these is personal (customerEmail, mobilePhone, billingAddress...).
  /email/, /phone/, /mobile/, /fax/, /address/, /street/, /postcode/, /postalcode/, /zipcode/,
  /birth/, /passport/, /iban/, /cardnumber/, /cardholder/, /nationalid/, /taxid/,
  // Names of people: `name` itself, and first/last/full/... names, but not `stepName` or `sagaName`.
  /^name$/, /(first|last|middle|full|given|family|maiden|sur|customer|user|holder|contact|person|display|nick)name$/,
  /^(zip|city|ssn|dob|gender|ip|ipaddress)$/,
];

/**
 * Keys whose values are prose written by people (operators' reasons, participants' messages):
 * no rule can tell what such text mentions, so it is masked as a whole.
 */
const FREE_TEXT = /^(reason|warning|warnings|message|error|lasterror|failurereason|lasterrortext|note|notes|comment|comments|description)$/;

const normalize = (key: string) => key.toLowerCase().replace(/[_-]/g, '');

export interface PersonalDataPolicy {
  /** Does this key name personal data? */
  isPersonalKey(key: string): boolean;
  /** Does this key hold free text (masked as a whole when it is a string)? */
  isFreeTextKey(key: string): boolean;
  /** A copy of `value` with every personal key's value (the whole subtree) and every free text masked. */
  mask(value: unknown): unknown;
}

/** The policy for these declared personal fields (key names) on top of the default list. */
export function personalDataPolicy(declared: Iterable<string> = []): PersonalDataPolicy {
  const names = new Set([...declared].map(normalize));
  const isPersonalKey = (key: string) => {
    const k = normalize(key);
    return names.has(k) || DEFAULT_PERSONAL.some((pattern) => pattern.test(k));
  };
  const isFreeTextKey = (key: string) => FREE_TEXT.test(normalize(key));
  const mask = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(mask);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => {
      if (isPersonalKey(k)) return [k, maskValue(v)];
      if (isFreeTextKey(k)) return [k, maskText(v, mask)];
      return [k, mask(v)];
    }));
  };
  return { isPersonalKey, isFreeTextKey, mask };
}

/** null and absent stay as they are (that a field is empty is no secret); anything else is masked. */
export function maskValue(value: unknown): unknown {
  return value === null || value === undefined ? value : MASK;
}

/** Free text: its strings masked, at any depth; anything else is walked with `mask`. */
function maskText(value: unknown, mask: (value: unknown) => unknown): unknown {
  if (typeof value === 'string') return MASK;
  if (Array.isArray(value)) return value.map((v) => maskText(v, mask));
  return mask(value);
}
