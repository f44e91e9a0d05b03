import { GraphQLError } from 'graphql';
import { toUnits } from '../core/money';
import type { SagaFilter } from './types/filter';
import { badInput } from './guards';
import type { SagaListFilter } from '../runtime/ports';

/** Decimal amounts as saga_instance.total_amount holds them: numeric(19, 4). */
const AMOUNT = /^\d{1,15}(\.\d{1,4})?$/;
export const MIN_ERROR_TEXT_LENGTH = 3;
export const MAX_SEARCH_TEXT_LENGTH = 200;

function badFilter(message: string): GraphQLError {
  return badInput(message, 'filter');
}

function amount(name: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!AMOUNT.test(value)) throw badFilter(`filter.${name} must be a decimal amount like "100" or "129.90" (at most 15 digits before the point and 4 after), got "${value}"`);
  return value;
}

function text(name: string, value: string | null | undefined, minLength = 1): string | null {
  if (value === null || value === undefined) return null;
  if (value.length < minLength || value.length > MAX_SEARCH_TEXT_LENGTH) {
    throw badFilter(`filter.${name} must have ${minLength} to ${MAX_SEARCH_TEXT_LENGTH} characters, got ${value.length}`);
  }
  return value;
}

/** The business-key part of `sagas(filter)`, validated (BAD_USER_INPUT otherwise). */
export function searchFilter(filter: SagaFilter): Pick<SagaListFilter, 'paymentMethod' | 'minAmount' | 'maxAmount' | 'failedStep' | 'lastErrorText'> {
  const minAmount = amount('minAmount', filter.minAmount);
  const maxAmount = amount('maxAmount', filter.maxAmount);
  if (minAmount !== null && maxAmount !== null && toUnits(minAmount) > toUnits(maxAmount)) {
    throw badFilter(`filter.minAmount (${minAmount}) is more than filter.maxAmount (${maxAmount})`);
  }
  return {
    paymentMethod: text('paymentMethod', filter.paymentMethod),
    minAmount,
    maxAmount,
    failedStep: text('failingStep', filter.failingStep),
    // Fewer than 3 characters give pg_trgm no trigram to look up: the index could not narrow.
    lastErrorText: text('lastErrorText', filter.lastErrorText, MIN_ERROR_TEXT_LENGTH),
  };
}
