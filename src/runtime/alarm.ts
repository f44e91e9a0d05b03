/**
 * A sleep that something else can cut short (a commit notice, new work, a stop). A wake that
 * comes while nobody sleeps is kept, and the next sleep returns at once: a loop never sleeps
 * through a notice or a stop that arrived while it was busy.
 */
export class Alarm {
  private ring?: () => void;
  private rung = false;

  sleep(ms: number): Promise<void> {
    if (this.rung) {
      this.rung = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.ring?.(), ms);
      this.ring = () => {
        clearTimeout(timer);
        this.ring = undefined;
        resolve();
      };
    });
  }

  wake(): void {
    if (this.ring) this.ring();
    else this.rung = true;
  }
}
