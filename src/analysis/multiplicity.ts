/**
 * Adjusting p-values for many figures decided at once.
 * - Holm (1979): step-down Bonferroni; controls the family-wise error (the chance of any false
 *   claim) under any dependence. The gate uses it for "regression", the claim that fails CI.
 * - Benjamini & Hochberg (1995): controls the false discovery rate (the expected share of false
 *   claims among those made) for independent or positively dependent tests. The report uses it
 *   for its many descriptive verdicts, where a share of wrong calls is the right currency.
 */

/** Holm-adjusted p-values, in the input order. */
export function holmAdjust(pValues: readonly number[]): number[] {
  const k = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(k);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (k - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/** Benjamini–Hochberg adjusted p-values (q-values), in the input order. */
export function benjaminiHochbergAdjust(pValues: readonly number[]): number[] {
  const k = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(k);
  let running = 1;
  for (let rank = k - 1; rank >= 0; rank--) {
    const { p, i } = order[rank];
    running = Math.min(running, Math.min(1, (k * p) / (rank + 1)));
    adjusted[i] = running;
  }
  return adjusted;
}
