/** A per-second reservoir: up to `perSecond` takes in each wall-clock second (X-Ray's `fixed_target`). */
export class Reservoir {
  private _second = -1;
  private _taken = 0;

  constructor(private readonly _perSecond: number) {}

  take(nowMillis: number): boolean {
    const second = Math.floor(nowMillis / 1000);
    if (second !== this._second) {
      this._second = second;
      this._taken = 0;
    }
    if (this._taken >= this._perSecond) return false;
    this._taken++;
    return true;
  }
}
