/** A parsed XML element, for tests that read rendered output back. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string, at: number): string {
  return text.replace(/&([^;]*);|[&<]/g, (m, name: string | undefined) => {
    if (name === undefined) throw new Error(`Unescaped ${m} near offset ${at}`);
    if (name.startsWith("#x")) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(parseInt(name.slice(1), 10));
    const value = ENTITIES[name];
    if (value === undefined) throw new Error(`Unknown entity &${name}; near offset ${at}`);
    return value;
  });
}

/**
 * A deliberately small well-formedness check and parser: prolog, DOCTYPE, comments,
 * elements, attributes, text and the five entities. Throws on anything malformed.
 */
export function parseXml(xml: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const skipProlog = () => {
    for (;;) {
      const rest = xml.slice(i);
      const ws = /^\s*/.exec(rest)![0].length;
      if (rest.startsWith("<?", ws)) i = xml.indexOf("?>", i) + 2;
      else if (rest.startsWith("<!DOCTYPE", ws)) i = xml.indexOf(">", i) + 1;
      else if (rest.startsWith("<!--", ws)) i = xml.indexOf("-->", i) + 3;
      else return;
      if (i < 2) throw new Error("Unterminated prolog");
    }
  };
  skipProlog();
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const text = xml.slice(i, lt === -1 ? xml.length : lt);
    if (text !== "") {
      if (stack.length === 0) {
        if (text.trim() !== "") throw new Error(`Text outside the root element: ${text}`);
      } else stack[stack.length - 1].children.push(decode(text, i));
    }
    if (lt === -1) break;
    if (xml.startsWith("<!--", lt)) {
      i = xml.indexOf("-->", lt) + 3;
      continue;
    }
    const gt = xml.indexOf(">", lt);
    if (gt === -1) throw new Error(`Unterminated tag at ${lt}`);
    const tag = xml.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith("/")) {
      const open = stack.pop();
      if (open?.name !== tag.slice(1)) {
        throw new Error(`</${tag.slice(1)}> closes <${open?.name}> at ${lt}`);
      }
      continue;
    }
    const m = /^([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.:-]*="[^"<]*")*)\s*(\/?)$/.exec(tag);
    if (!m) throw new Error(`Malformed tag <${tag}> at ${lt}`);
    const el: XmlElement = { name: m[1], attrs: {}, children: [] };
    for (const a of m[2].matchAll(/([A-Za-z_][\w.:-]*)="([^"]*)"/g)) {
      el.attrs[a[1]] = decode(a[2], lt);
    }
    if (stack.length > 0) stack[stack.length - 1].children.push(el);
    else if (root === undefined) root = el;
    else throw new Error(`Second root element <${el.name}>`);
    if (m[3] !== "/") stack.push(el);
  }
  if (stack.length > 0) throw new Error(`Unclosed <${stack[stack.length - 1].name}>`);
  if (root === undefined) throw new Error("No root element");
  return root;
}

export function elements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== "string");
}

export function textOf(el: XmlElement): string {
  return el.children.filter((c): c is string => typeof c === "string").join("");
}

export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

/** Decodes the plist subset launchd agents use. */
export function decodePlist(xml: string): PlistValue {
  const root = parseXml(xml);
  if (root.name !== "plist") throw new Error(`Root is <${root.name}>, not <plist>`);
  const [top] = elements(root);
  const value = (el: XmlElement): PlistValue => {
    switch (el.name) {
      case "string":
        return textOf(el);
      case "integer":
        return Number(textOf(el));
      case "true":
        return true;
      case "false":
        return false;
      case "array":
        return elements(el).map(value);
      case "dict": {
        const kids = elements(el);
        const out: { [key: string]: PlistValue } = {};
        for (let k = 0; k < kids.length; k += 2) {
          if (kids[k].name !== "key") throw new Error(`Expected <key>, got <${kids[k].name}>`);
          out[textOf(kids[k])] = value(kids[k + 1]);
        }
        return out;
      }
      default:
        throw new Error(`Unexpected plist element <${el.name}>`);
    }
  };
  return value(top);
}
