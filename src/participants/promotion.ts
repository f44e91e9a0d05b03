/** Simulated Promotion service: every coupon is worth 10 % of the amount, unless the scenario rejects it. */
import { format2, fromUnits, subtract, toUnits } from '../core/money';
import { TOPICS } from '../sagas/order/contract';
import type { Ledger } from './ledger';
import type { ServiceSpec } from './service';

/** 10 % of the amount, rounded half away from zero to whole cents. */
export function couponDiscount(amount: string): string {
  return format2(fromUnits(toUnits(amount) / 10n));
}

export function promotionService(ledger: Ledger): ServiceSpec {
  return {
    name: 'promotion',
    topics: [TOPICS.applyCoupon, TOPICS.cancelCoupon],
    handle(command, scenario, reply) {
      const order = ledger.record(command.orderId);
      switch (command.eventType) {
        case 'ApplyCoupon': {
          const { couponCode, amount } = command;
          if (scenario.rejectCoupon) {
            order.couponRejections += 1;
            reply('CouponFailed', { couponCode, reason: 'coupon expired' });
            return;
          }
          if (order.coupons.some((c) => c.couponCode === couponCode && !c.cancelled)) {
            order.problems.push(`ApplyCoupon: coupon ${couponCode} applied twice`);
          }
          const discountAmount = couponDiscount(amount);
          const finalAmount = subtract(amount, discountAmount);
          order.coupons.push({ couponCode, amount, discountAmount, finalAmount, cancelled: false });
          reply('CouponApplied', { couponCode, discountAmount, finalAmount });
          return;
        }
        case 'CancelCoupon': {
          const { couponCode, reason } = command;
          const use = order.coupons.find((c) => c.couponCode === couponCode && !c.cancelled);
          if (!use) order.problems.push(`CancelCoupon: coupon ${couponCode} is not applied`);
          else {
            use.cancelled = true;
            order.couponCancellations.push({ couponCode, reason });
          }
          reply('CouponCancelled', { couponCode });
          return;
        }
        default:
          throw new Error(`Promotion service does not handle ${command.eventType}`);
      }
    },
  };
}
