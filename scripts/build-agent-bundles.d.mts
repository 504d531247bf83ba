/** Types for build-agent-bundles.mjs (tests import it to bundle the agents into a temp dir). */
export declare const agentEntries: Record<string, string>;
export declare function wrapTopLevelAwait(source: string): string;
/** Bundles every agent into `outDir` (default dist/agent-bundles); returns bytes per bundle. */
export declare function buildAgentBundles(outDir?: string): Promise<Record<string, number>>;
