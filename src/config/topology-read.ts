// Reads a parsed YAML document by the file's shape: every accessor checks the node it is given,
// records a problem with line and column when it is not what the format asks for, and returns
// undefined so the caller goes on with the rest of the file (every problem is listed, not the first).
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node as YamlNode } from 'yaml';

/** One thing wrong in a topology file, located for a person and for an editor. */
export interface TopologyProblem {
  /** The file as given (workspace-relative, '/'). */
  readonly file: string;
  /** 1-based, from the YAML nodes. */
  readonly line: number;
  readonly column: number;
  /** Where in the file's structure: 'hubs[0].spokes[3]', 'tenants.contoso.tenant-id'. */
  readonly entry: string;
  /** The offending value, shortened; '' when it is missing. */
  readonly value: string;
  /** The form expected. */
  readonly expected: string;
  /** One line: "<file>:<line>:<column>: <entry>: <what is wrong>; expected <form>". */
  readonly message: string;
}

/** A value of the file: its node (aliases followed), where it is written, and its entry path. */
export interface Val {
  /** undefined for an empty value (`key:` with nothing after it). */
  readonly node: YamlNode | undefined;
  readonly at: number;
  readonly entry: string;
}

/** A key of a mapping with its value. */
export interface Field {
  readonly key: string;
  readonly keyAt: number;
  readonly value: Val;
}

const MAX_SHOWN = 60;

/** Collapses whitespace and cuts long values, so a message stays on one line. */
export function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_SHOWN ? `${flat.slice(0, MAX_SHOWN - 1)}…` : flat;
}

export const child = (entry: string, key: string): string => (entry === '' ? key : `${entry}.${key}`);
export const item = (entry: string, index: number): string => `${entry}[${index}]`;

export class FileReader {
  readonly problems: TopologyProblem[] = [];
  readonly path: string;
  readonly #doc: Document.Parsed;
  readonly #lines: LineCounter;
  readonly #text: string;

  constructor(doc: Document.Parsed, lines: LineCounter, text: string, path: string) {
    this.#doc = doc;
    this.#lines = lines;
    this.#text = text;
    this.path = path;
  }

  /** "12:7" for messages that point at a second place in the file. */
  lineOf(at: number): number {
    return this.#lines.linePos(at).line;
  }

  report(at: number, entry: string, value: string, what: string, expected: string): void {
    const { line, col } = this.#lines.linePos(at);
    const shown = shorten(value);
    const where = entry === '' ? '' : `${entry}: `;
    this.problems.push({
      file: this.path,
      line,
      column: col,
      entry,
      value: shown,
      expected,
      message: `${this.path}:${line}:${col}: ${where}${what}; expected ${expected}`,
    });
  }

  root(): Val {
    return this.#val(this.#doc.contents ?? undefined, 0, '');
  }

  /** The value as the user wrote it, for messages: a scalar's value, a collection's source. */
  show(v: Val): string {
    const n = v.node;
    if (n === undefined) return '';
    if (isScalar(n)) return n.value === null ? 'null' : String(n.value);
    const range = n.range;
    return range ? shorten(this.#text.slice(range[0], range[1])) : '';
  }

  /** What kind of value it is, for "expected a list" messages. */
  kind(v: Val): string {
    const n = v.node;
    if (n === undefined) return 'nothing';
    if (isMap(n)) return 'a mapping';
    if (isSeq(n)) return 'a list';
    if (isScalar(n)) {
      const value = n.value;
      if (value === null) return 'null';
      if (typeof value === 'string') return 'a string';
      if (typeof value === 'boolean') return 'a boolean';
      if (typeof value === 'number' || typeof value === 'bigint') return 'a number';
    }
    return 'another kind of value';
  }

  /** Records that `v` is not of the form expected. */
  wrong(v: Val, expected: string): undefined {
    const shown = this.show(v);
    const what = v.node === undefined ? 'missing value' : `${this.kind(v)}${shown === '' ? '' : ` '${shorten(shown)}'`}`;
    this.report(v.at, v.entry, shown, `got ${what}`, expected);
    return undefined;
  }

  /** A mapping's fields in order; duplicate keys and keys that are not names are problems. */
  mapping(v: Val, expected: string): Field[] | undefined {
    const n = v.node;
    if (!isMap(n)) return this.wrong(v, expected);
    const fields: Field[] = [];
    const seen = new Map<string, number>();
    for (const pair of n.items) {
      const keyNode: unknown = pair.key;
      const keyAt = isNode(keyNode) ? (keyNode.range?.[0] ?? v.at) : v.at;
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
        const shown = isScalar(keyNode) ? String(keyNode.value) : 'a complex key';
        this.report(keyAt, v.entry, shown, `key '${shorten(shown)}' is not a name`, 'keys that are names (quote a key made of digits)');
        continue;
      }
      const key = keyNode.value;
      const entry = child(v.entry, key);
      const first = seen.get(key);
      if (first !== undefined) {
        this.report(keyAt, entry, key, `duplicate key '${shorten(key)}' (first at line ${this.lineOf(first)})`, 'each key once in a mapping');
        continue;
      }
      seen.set(key, keyAt);
      const valueNode: unknown = pair.value;
      fields.push({ key, keyAt, value: this.#val(isNode(valueNode) ? valueNode : undefined, keyAt, entry) });
    }
    return fields;
  }

  /**
   * A mapping with a fixed set of keys: unknown keys and missing required ones (key -> the form
   * expected for it) are problems. Returns the known fields by key.
   */
  object(
    v: Val,
    expected: string,
    allowed: readonly string[],
    required: Readonly<Record<string, string>> = {},
  ): Map<string, Val> | undefined {
    const fields = this.mapping(v, expected);
    if (fields === undefined) return undefined;
    const out = new Map<string, Val>();
    for (const f of fields) {
      if (allowed.includes(f.key)) {
        out.set(f.key, f.value);
        continue;
      }
      const near = closest(f.key, allowed);
      this.report(
        f.keyAt,
        f.value.entry,
        f.key,
        `unknown key '${shorten(f.key)}'${near === undefined ? '' : ` (did you mean '${near}'?)`}`,
        `one of ${allowed.join(', ')}`,
      );
    }
    for (const [key, form] of Object.entries(required)) {
      if (!out.has(key)) this.report(v.at, child(v.entry, key), '', 'missing', form);
    }
    return out;
  }

  list(v: Val, expected: string): Val[] | undefined {
    const n = v.node;
    if (!isSeq(n)) return this.wrong(v, expected);
    return n.items.map((x: unknown, i) => this.#val(isNode(x) ? x : undefined, isNode(x) ? (x.range?.[0] ?? v.at) : v.at, item(v.entry, i)));
  }

  string(v: Val, expected: string): string | undefined {
    const n = v.node;
    if (isScalar(n) && typeof n.value === 'string') return n.value;
    return this.wrong(v, expected);
  }

  boolean(v: Val): boolean | undefined {
    const n = v.node;
    if (isScalar(n) && typeof n.value === 'boolean') return n.value;
    return this.wrong(v, 'true or false (unquoted)');
  }

  isMapping(v: Val): boolean {
    return isMap(v.node);
  }

  isList(v: Val): boolean {
    return isSeq(v.node);
  }

  /** The scalar's value, or undefined for a collection or an empty value. */
  scalar(v: Val): unknown {
    return isScalar(v.node) ? v.node.value : undefined;
  }

  /** Is this an empty value (`key:` or `key: null`)? Optional sections accept it as absent. */
  isEmpty(v: Val): boolean {
    const n = v.node;
    return n === undefined || (isScalar(n) && n.value === null);
  }

  /** Follows aliases; positions point at where the value is written (the alias, not the anchor). */
  #val(node: YamlNode | undefined, fallbackAt: number, entry: string): Val {
    const at = node?.range?.[0] ?? fallbackAt;
    const resolved = isAlias(node) ? node.resolve(this.#doc) : node;
    // An empty value has an empty range right after the key: point at the key instead.
    const empty = resolved !== undefined && isScalar(resolved) && resolved.value === null && resolved.range?.[0] === resolved.range?.[1];
    return { node: resolved, at: empty ? fallbackAt : at, entry };
  }
}

function isNode(x: unknown): x is YamlNode {
  return isAlias(x) || isScalar(x) || isMap(x) || isSeq(x);
}

/** The allowed word nearest to a misspelt one (at most a third of its letters off), if any. */
export function closest(word: string, words: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const w of words) {
    const d = distance(word.toLowerCase(), w.toLowerCase());
    if (d < bestDistance) {
      best = w;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Number.MAX_SAFE_INTEGER;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? Number.MAX_SAFE_INTEGER;
}
