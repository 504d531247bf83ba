/**
 * Load a YAML file and validate it against a zod schema, reporting every problem at once as
 * `file:line:col: message`: YAML syntax errors, unknown keys (with "did you mean"), wrong
 * types and cross-field rules. Shared by scenario files and (later) inventory files.
 */
import { readFile } from 'node:fs/promises';
import { closest, distance as levenshtein } from 'fastest-levenshtein';
import { LineCounter, isMap, isScalar, isPair, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';

export interface Located {
  line: number;
  col: number;
  message: string;
}

export async function loadYamlFile<S extends z.ZodType>(file: string, schema: S, what: string): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidInputError(`cannot read ${what} ${file}: ${code ?? String(err)}`, [`${file}: ${code === 'ENOENT' ? 'no such file' : String(err)}`]);
  }
  return parseYamlText(text, file, schema, what);
}

export function parseYamlText<S extends z.ZodType>(text: string, file: string, schema: S, what: string): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const problems: Located[] = doc.errors.map((e) => ({
    line: e.linePos?.[0].line ?? 1,
    col: e.linePos?.[0].col ?? 1,
    message: `YAML syntax: ${firstLine(e.message).replace(/ at line \d+, column \d+:?$/, "")}`,
  }));
  // The parser recovers from most syntax errors, so schema problems elsewhere in the file
  // can still be reported in the same pass.
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (err) {
    problems.push({ line: 1, col: 1, message: `YAML: ${(err as Error).message}` });
  }
  if (data !== undefined || problems.length === 0) {
    const result = schema.safeParse(data ?? {});
    if (result.success && problems.length === 0) return result.data;
    if (!result.success) problems.push(...result.error.issues.flatMap((issue) => locateIssue(issue, doc, lineCounter, schema)));
  }
  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  throw new InvalidInputError(
    `${what} ${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
    problems.map((p) => `${file}:${p.line}:${p.col}: ${p.message}`),
  );
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

function locateIssue(issue: z.core.$ZodIssue, doc: Document, lc: LineCounter, schema: z.ZodType): Located[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const where = path.length ? path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const node = nodeAt(doc, path);
    const known = knownKeys(schema, path);
    return issue.keys.map((key) => {
      const keyNode = isMap(node) ? node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key)?.key : undefined;
      const suggestion = known.length ? closest(key, known) : undefined;
      const hint = suggestion && similar(key, suggestion) ? ` (did you mean "${suggestion}"?)` : '';
      return { ...position(keyNode as YamlNode | undefined, node, lc), message: `${where}: unknown key "${key}"${hint}` };
    });
  }
  const own = nodeAt(doc, path);
  if (!own && issue.code === 'invalid_type' && path.length > 0) {
    // A missing key has no node of its own: point at the map that should hold it.
    const parentPath = path.slice(0, -1);
    const parentName = parentPath.length ? parentPath.join('.') : '(top level)';
    return [{ ...position(nodeAt(doc, parentPath), undefined, lc), message: `${parentName}: missing required key "${path[path.length - 1]}" (${issue.expected})` }];
  }
  return [{ ...position(own ?? nodeAt(doc, path.slice(0, -1)), undefined, lc), message: `${where}: ${issue.message}` }];
}

function nodeAt(doc: Document, path: (string | number)[]): YamlNode | undefined {
  if (path.length === 0) return (doc.contents as YamlNode | null) ?? undefined;
  return doc.getIn(path, true) as YamlNode | undefined;
}

function position(node: YamlNode | undefined, fallback: YamlNode | undefined, lc: LineCounter): { line: number; col: number } {
  const offset = node?.range?.[0] ?? fallback?.range?.[0] ?? 0;
  return lc.linePos(offset);
}

/** Cheap "did you mean": only suggest when the names are close relative to their length. */
function similar(a: string, b: string): boolean {
  const longest = Math.max(a.length, b.length);
  return levenshtein(a.toLowerCase(), b.toLowerCase()) <= Math.max(2, Math.floor(longest / 3));
}


/** The keys a strict object accepts at `path`, found by walking the zod schema (every branch of a union). */
function knownKeys(schema: z.ZodType, path: (string | number)[]): string[] {
  let current = branches(schema);
  for (const segment of path) {
    current = current.flatMap((s): z.ZodType[] => {
      if (s instanceof z.ZodObject && typeof segment === 'string') {
        const field = s.shape[segment] as z.ZodType | undefined;
        return field ? branches(field) : [];
      }
      if (s instanceof z.ZodArray && typeof segment === 'number') return branches(s.element as z.ZodType);
      return [];
    });
  }
  return [...new Set(current.flatMap((s) => (s instanceof z.ZodObject ? Object.keys(s.shape) : [])))];
}

/** The object-like schemas a value at this point may be checked against. */
function branches(schema: z.ZodType): z.ZodType[] {
  const s = schema;
  if (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) return branches(s.unwrap() as z.ZodType);
  // A preprocess step is a pipe from a transform into the real schema; a refinement pipe starts with it.
  if (s instanceof z.ZodPipe) return branches((s.in instanceof z.ZodTransform ? s.out : s.in) as z.ZodType);
  if (s instanceof z.ZodUnion) return (s.options as z.ZodType[]).flatMap(branches);
  return [s];
}
