/** Number formatting shared by the text reports. */
export function fixed(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

export function signed(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return (value >= 0 ? '+' : '') + value.toFixed(digits);
}

export function integer(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : Math.round(value).toLocaleString('en-US');
}

export function megabytes(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '–' : (bytes / 1024 / 1024).toFixed(1);
}

/** `+0.41 [+0.35, +0.52]` */
/** "+1.23 [+1.10, +1.40]", and with a confidence " @96.9%": the level that interval actually reaches. */
export function withInterval(estimate: number, low: number, high: number, digits = 2, confidence?: number): string {
  return `${signed(estimate, digits)} [${signed(low, digits)}, ${signed(high, digits)}]${confidence === undefined ? '' : ` @${confidenceLabel(confidence)}`}`;
}

/** 96.9%, 75%, 99.8%: one decimal unless it is whole. */
export function confidenceLabel(confidence: number): string {
  const pct = Math.floor(confidence * 1000 + 1e-9) / 10;
  return `${Number.isInteger(pct) ? pct.toFixed(0) : pct.toFixed(1)}%`;
}
