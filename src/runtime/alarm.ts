/** A sleep that something else can cut short (a commit notice, new work, a stop). */
export class Alarm {
  private ring?: () => void;

  sleep(ms: number): Promise<void> {
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
    this.ring?.();
  }
}
