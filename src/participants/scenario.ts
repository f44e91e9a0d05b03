/**
 * How a simulated order misbehaves. The scenario travels inside the order itself, in its
 * `customerId`, so a participant in another process (reading the same Kafka topics) behaves the
 * same way without any side channel:
 *
 *   customerId = "sim:<token>[,<token>...]"      e.g. "sim:fail-payment", "sim:reject-coupon,duplicate-replies"
 *
 * Tokens:
 *   fail-reservation                  Product answers ReserveInventory with ProductReservationFailed
 *   reject-coupon                     Promotion answers ApplyCoupon with CouponFailed
 *   fail-payment                      Payment answers PaymentFailed; in a split payment every part FAILS
 *   fail-payment-part:<paymentMethod> only the part(s) paid with that method fail (SplitPayment completed=false);
 *                                     a single payment with that method fails as with fail-payment
 *   fail-confirmation                 Product answers ConfirmInventory with InventoryConfirmationFailed
 *   late:<command eventType>          the first attempt (retryCount 0) of that command is answered lateReplyMs
 *                                     late; a re-send (retryCount > 0) is answered at once, with the same reply
 *   silent:<command eventType>        that command is never answered and has no effect (timeout exhaustion)
 *   forget:<command eventType>        a re-send of that command is applied again as if new (a participant that
 *                                     does not de-duplicate): a second effect (e.g. a second charge with another
 *                                     paymentId) and a reply with a new eventId
 *   ignore-resend:<command eventType> a re-send of that command is not answered (with late:, the only answer
 *                                     is the late one)
 *   duplicate-replies                 every reply is published twice with the same eventId
 *   fail-release                      ReleaseInventory is never answered (= silent:ReleaseInventory), so the
 *                                     compensation keeps failing
 * Any other customerId is a well-behaved customer. Unknown tokens are ignored (and reported).
 */
export const SCENARIO_PREFIX = 'sim:';

export interface Scenario {
  tokens: readonly string[];
  failReservation: boolean;
  rejectCoupon: boolean;
  failPayment: boolean;
  /** Payment methods whose parts fail. */
  failPaymentMethods: ReadonlySet<string>;
  failConfirmation: boolean;
  /** Command eventTypes answered late on their first attempt. */
  late: ReadonlySet<string>;
  /** Command eventTypes never answered. */
  silent: ReadonlySet<string>;
  /** Command eventTypes whose re-sends are applied again as new commands. */
  forget: ReadonlySet<string>;
  /** Command eventTypes whose re-sends are not answered. */
  ignoreResend: ReadonlySet<string>;
  duplicateReplies: boolean;
  unknownTokens: readonly string[];
}

export const HAPPY: Scenario = parseTokens([]);

/** The customerId that makes an order follow the given scenario tokens. */
export function scenarioCustomerId(...tokens: string[]): string {
  if (tokens.length === 0) throw new Error('scenarioCustomerId needs at least one token');
  for (const t of tokens) if (!t || t.includes(',')) throw new Error(`invalid scenario token '${t}'`);
  return SCENARIO_PREFIX + tokens.join(',');
}

export function parseScenario(customerId: string): Scenario {
  if (!customerId.startsWith(SCENARIO_PREFIX)) return HAPPY;
  return parseTokens(customerId.slice(SCENARIO_PREFIX.length).split(',').map((t) => t.trim()).filter(Boolean));
}

function parseTokens(tokens: string[]): Scenario {
  const failPaymentMethods = new Set<string>();
  const late = new Set<string>();
  const silent = new Set<string>();
  const forget = new Set<string>();
  const ignoreResend = new Set<string>();
  const unknownTokens: string[] = [];
  const flags = new Set<string>();
  for (const token of tokens) {
    const colon = token.indexOf(':');
    const [name, arg] = colon < 0 ? [token, ''] : [token.slice(0, colon), token.slice(colon + 1)];
    if (name === 'fail-payment-part' && arg) failPaymentMethods.add(arg);
    else if (name === 'late' && arg) late.add(arg);
    else if (name === 'silent' && arg) silent.add(arg);
    else if (name === 'forget' && arg) forget.add(arg);
    else if (name === 'ignore-resend' && arg) ignoreResend.add(arg);
    else if (!arg && KNOWN_FLAGS.has(name)) flags.add(name);
    else unknownTokens.push(token);
  }
  if (flags.has('fail-release')) silent.add('ReleaseInventory');
  return {
    tokens,
    failReservation: flags.has('fail-reservation'),
    rejectCoupon: flags.has('reject-coupon'),
    failPayment: flags.has('fail-payment'),
    failPaymentMethods,
    failConfirmation: flags.has('fail-confirmation'),
    late,
    silent,
    forget,
    ignoreResend,
    duplicateReplies: flags.has('duplicate-replies'),
    unknownTokens,
  };
}

const KNOWN_FLAGS = new Set(['fail-reservation', 'reject-coupon', 'fail-payment', 'fail-confirmation', 'duplicate-replies', 'fail-release']);

/**
 * Scenario per orderId. Commands without a customerId (ReserveInventory, ConfirmInventory, ...)
 * are looked up here; the book is filled by createOrder, by watching order-created-events, and by
 * commands that do carry the customerId.
 */
export class ScenarioBook {
  private readonly byOrder = new Map<string, Scenario>();
  private readonly own = new Set<string>();
  private readonly waiters = new Map<string, Array<() => void>>();

  register(orderId: string, customerId: string, own = false): Scenario {
    if (own) this.own.add(orderId);
    const known = this.byOrder.get(orderId);
    if (known) return known;
    const scenario = parseScenario(customerId);
    this.byOrder.set(orderId, scenario);
    const waiting = this.waiters.get(orderId);
    if (waiting) {
      this.waiters.delete(orderId);
      for (const wake of waiting) wake();
    }
    return scenario;
  }

  get(orderId: string): Scenario | undefined {
    return this.byOrder.get(orderId);
  }

  isOwn(orderId: string): boolean {
    return this.own.has(orderId);
  }

  /** Waits until every order is known or `ms` passed: the watcher may lag the command topics. */
  async waitFor(orderIds: Iterable<string>, ms: number): Promise<void> {
    const missing = [...new Set(orderIds)].filter((id) => !this.byOrder.has(id));
    if (missing.length === 0 || ms <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    const all = Promise.all(
      missing.map((id) => new Promise<void>((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]))),
    );
    await Promise.race([all, new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); })]);
    clearTimeout(timer);
    for (const id of missing) this.waiters.delete(id);
  }
}
