import type { TransportMessage } from '../ports';
import { commitIsolating } from './batch-isolation';

export interface GroupCommitSteps {
  /** Applies messages in one transaction; throws what the transaction threw. */
  commit(messages: TransportMessage[]): Promise<void>;
  /** Dead-letters one message alone (what isolation found refused). */
  refuse(message: TransportMessage, error: unknown): Promise<void>;
  /** Which failures are the messages' fault (isolated, never redelivered); any other fails the group. */
  isRefusal(error: unknown): boolean;
  /** Transactions of grouped batches at once: one runs while the next is built and sent. */
  transactions: number;
  /** Messages per transaction at most (a larger single batch goes alone). */
  maxMessages: number;
}

interface Waiting {
  messages: TransportMessage[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: batches that arrive while a transaction runs (the consumer hands several
 * partitions' batches at once) wait, and the next transaction applies them all together; each
 * caller's promise settles after that one commit, so its offsets are resolved only then.
 */
export class GroupCommit {
  private readonly waiting: Waiting[] = [];
  private running = 0;

  constructor(private readonly steps: GroupCommitSteps) {}

  /** Settles once the messages committed (in a group, or apart after a refusal); rejects if they could not. */
  commit(messages: TransportMessage[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ messages, resolve, reject });
      if (this.running < this.steps.transactions) void this.commitGroups();
    });
  }

  private async commitGroups(): Promise<void> {
    this.running += 1;
    try {
      while (this.waiting.length > 0) {
        let count = 0;
        let take = 0;
        while (take < this.waiting.length && (take === 0 || count + this.waiting[take].messages.length <= this.steps.maxMessages)) {
          count += this.waiting[take].messages.length;
          take += 1;
        }
        const group = this.waiting.splice(0, take);
        try {
          await this.steps.commit(group.length === 1 ? group[0].messages : group.flatMap((g) => g.messages));
          for (const g of group) g.resolve();
        } catch (error) {
          if (!this.steps.isRefusal(error)) {
            for (const g of group) g.reject(error);
            continue;
          }
          // Something in the group was refused (by the database, or a command the contract
          // refuses): each caller's batch (one partition's) commits apart, isolating the refused
          // messages, so the others are not held back.
          for (const g of group) {
            try {
              await commitIsolating(g.messages, this.steps, group.length === 1 ? error : undefined);
              g.resolve();
            } catch (failure) {
              g.reject(failure);
            }
          }
        }
      }
    } finally {
      this.running -= 1;
    }
  }
}
