/** A sleep that a notice can cut short: live streams poll now and then and wake on commit notices. */
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
