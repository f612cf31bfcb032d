'use strict';
// The median the benchmarks report: of the finite values (a failed run leaves NaN), the middle one, or the mean of
// the two middle ones; NaN when there is none.
function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

module.exports = { median };
