/**
 * Where things are in a JSON file's text: the line and column of the value (or property key) a
 * JSON Pointer names, and of a syntax error. A small position-keeping JSON scanner; the values
 * themselves come from JSON.parse.
 */

export interface Position {
  line: number;
  column: number;
}

interface Node {
  /** Offset of the property key (for object members) or of the value. */
  at: number;
  children?: Map<string, Node>;
}

export class JsonSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Line and column (both from 1) of an offset. */
export function positionOf(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Parses `text`; on a syntax error, throws a JsonSyntaxError with the offset of the problem. */
export function parseJson(text: string): unknown {
  scan(text); // throws with an offset on malformed text
  try {
    return JSON.parse(text);
  } catch (error) {
    const at = /position (\d+)/.exec((error as Error).message);
    throw new JsonSyntaxError((error as Error).message, at ? Number(at[1]) : 0);
  }
}

/**
 * The position of what `pointer` names in `text`: an object member's key, an array item's value.
 * A pointer to something absent (a missing property) answers its nearest present ancestor.
 */
export function locatePointer(text: string, pointer: string): Position {
  let node: Node;
  try {
    node = scan(text);
  } catch {
    return { line: 1, column: 1 };
  }
  const tokens = pointer === '' ? [] : pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const token of tokens) {
    const child = node.children?.get(token);
    if (!child) break;
    node = child;
  }
  return positionOf(text, node.at);
}

function scan(text: string): Node {
  let i = 0;
  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, Math.min(i, text.length));
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const string = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail('control character in a string');
      i++;
    }
    if (i >= text.length) {
      i = start;
      fail('unterminated string');
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (at: number): Node => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const children = new Map<string, Node>();
      ws();
      if (text[i] === '}') {
        i++;
        return { at, children };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a property name in double quotes');
        const keyAt = i;
        const key = string();
        ws();
        if (text[i] !== ':') fail(`expected ':' after the property name "${key}"`);
        i++;
        const child = value(keyAt);
        children.set(key, child);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { at, children };
        }
        fail("expected ',' or '}' after a property value");
      }
    }
    if (c === '[') {
      i++;
      const children = new Map<string, Node>();
      ws();
      if (text[i] === ']') {
        i++;
        return { at, children };
      }
      for (let index = 0; ; index++) {
        ws();
        children.set(String(index), value(i));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { at, children };
        }
        fail("expected ',' or ']' after an array item");
      }
    }
    if (c === '"') {
      string();
      return { at };
    }
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!literal) fail(i >= text.length ? 'unexpected end of the file' : `unexpected character '${c}'`);
    i += literal![0].length;
    return { at };
  };
  ws();
  const root = value(i);
  ws();
  if (i < text.length) fail('unexpected text after the JSON value');
  return root;
}
