/**
 * The charts section of report.md: PNG links relative to the report, so the run folder (or the
 * report with its images/ folder) can be committed or pasted into a pull request as it is.
 */
export interface ChartImage {
  title: string;
  caption: string;
  /** Relative to the Markdown file, with forward slashes. */
  path: string;
}

export function chartImageLines(images: readonly ChartImage[], htmlFile = 'report.html'): string[] {
  if (images.length === 0) return [];
  return [
    '## Charts',
    '',
    `The same charts as SVG with their Vega-Lite specs, and everything below, in [${htmlFile}](${htmlFile}) (one file that works offline).`,
    '',
    ...images.flatMap((image) => [`![${image.title}](${encodeURI(image.path)})`, '', `${image.caption}`, '']),
  ];
}
