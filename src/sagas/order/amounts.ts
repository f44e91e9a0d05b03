/**
 * The order's money rules, shared by every way an order comes in (OrderCreated from Kafka,
 * startSaga): the total is positive and is what the items add up to, a split payment's parts
 * are positive and add up to the amount due (the total; a coupon's discount comes off the parts
 * later), and, where a list is configured, only known payment methods. Pure: no zod, no GraphQL,
 * so the contract and the control plane both call it and say the same thing.
 */
import { fromUnits, isAmount, toUnits } from '../../core/money';

export interface OrderAmounts {
  items: readonly { quantity: number; unitPrice: string }[];
  totalAmount: string;
  paymentMethod?: string | null;
  payments?: readonly { paymentMethod: string; amount: string }[] | null;
}

/** One refused field: `path` as zod and GraphQL name it (e.g. ['payments', 1, 'amount']). */
export interface AmountIssue {
  path: (string | number)[];
  message: string;
}

/** What is wrong with the order's amounts (and methods, if `paymentMethods` is given); empty when nothing. */
export function orderAmountIssues(order: OrderAmounts, paymentMethods?: readonly string[]): AmountIssue[] {
  const issues: AmountIssue[] = [];
  const units = (amount: string) => (isAmount(amount) ? toUnits(amount) : null);
  const total = units(order.totalAmount);
  if (total !== null && total <= 0n) issues.push({ path: ['totalAmount'], message: 'must be greater than zero' });

  let itemsSum = 0n;
  order.items.forEach((item, i) => {
    const price = units(item.unitPrice);
    if (price === null) return;
    if (price < 0n) issues.push({ path: ['items', i, 'unitPrice'], message: 'must not be negative' });
    itemsSum += price * BigInt(item.quantity);
  });
  const itemsPriced = order.items.every((item) => units(item.unitPrice) !== null && Number.isInteger(item.quantity));
  if (total !== null && itemsPriced && itemsSum !== total) {
    issues.push({ path: ['totalAmount'], message: `must equal the sum of the items' quantity × unitPrice (${fromUnits(itemsSum)})` });
  }

  const split = order.payments?.length ? order.payments : null;
  if (split) {
    let partsSum = 0n;
    split.forEach((part, i) => {
      const amount = units(part.amount);
      if (amount === null) return;
      if (amount <= 0n) issues.push({ path: ['payments', i, 'amount'], message: 'must be greater than zero' });
      partsSum += amount;
    });
    if (total !== null && split.every((p) => units(p.amount) !== null) && partsSum !== total) {
      issues.push({ path: ['payments'], message: `parts must add up to the amount due ${fromUnits(total)} (they add up to ${fromUnits(partsSum)})` });
    }
  }

  if (paymentMethods) {
    const known = (method: string) => paymentMethods.includes(method);
    const list = paymentMethods.join(', ');
    if (split) {
      split.forEach((part, i) => {
        if (!known(part.paymentMethod)) issues.push({ path: ['payments', i, 'paymentMethod'], message: `unknown payment method '${part.paymentMethod}' (one of ${list})` });
      });
    } else if (order.paymentMethod && !known(order.paymentMethod)) {
      issues.push({ path: ['paymentMethod'], message: `unknown payment method '${order.paymentMethod}' (one of ${list})` });
    }
  }
  return issues;
}
