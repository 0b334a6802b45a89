/*  HMS API explorer: renders any OpenAPI 3.0 document (/openapi.json) as a
    readable reference with a "Try it" form per operation. Everything from
    the document goes into the page as text (textContent), never as HTML. */
'use strict';

const SPEC_URL = '/openapi.json';
const TOKEN_KEY = 'hms.token';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const MAX_DEPTH = 10;
const MAX_SHOWN = 200000; // characters of a response body shown

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || (value === false && !(key in node))) continue;
    if (key in node && !key.startsWith('aria') && key !== 'role') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  return add(node, ...children);
}

// Appends children, flattening arrays and skipping null, undefined and false.
function add(node, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// A little Markdown (CommonMark descriptions): paragraphs, "- " lists,
// `code`, **bold**, *em* and [links](url), all built as DOM nodes.

function inline(text) {
  const out = [];
  const re = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  for (let m; (m = re.exec(text));) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(el('code', {}, m[1]));
    else if (m[2] !== undefined) out.push(el('strong', {}, m[2]));
    else if (m[3] !== undefined) out.push(el('em', {}, m[3]));
    else {
      const href = m[5];
      out.push(/^(https?:|\/|#|\.)/i.test(href) ? el('a', { href }, m[4]) : `${m[4]} (${href})`);
    }
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function markdown(text) {
  const box = el('div', { className: 'md' });
  if (typeof text !== 'string' || !text.trim()) return box;
  for (const block of text.replace(/\r/g, '').split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim());
    if (!lines.length) continue;
    if (lines.every((l) => /^\s*[-*+]\s/.test(l))) {
      box.append(el('ul', {}, lines.map((l) => el('li', {}, inline(l.replace(/^\s*[-*+]\s+/, ''))))));
    } else if (lines.every((l) => /^( {4}|\t)/.test(l))) {
      box.append(el('pre', {}, lines.map((l) => l.replace(/^( {4}|\t)/, '')).join('\n')));
    } else {
      box.append(el('p', {}, inline(lines.join(' '))));
    }
  }
  return box;
}

// $ref resolution (local references only).

let spec = {};

function pointer(ref) {
  if (typeof ref !== 'string' || !ref.startsWith('#')) return undefined;
  let node = spec;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

// Follows $ref chains; returns {value, ref} (ref: the last name followed).
function deref(value) {
  let ref = null;
  for (let hops = 0; isObject(value) && typeof value.$ref === 'string' && hops < 20; hops++) {
    ref = value.$ref;
    const target = pointer(ref);
    if (target === undefined) return { value: { 'x-unresolved': ref }, ref };
    value = target;
  }
  return { value, ref };
}

const resolve = (value) => deref(value).value;
const refName = (ref) => (ref ? ref.split('/').pop().replace(/~1/g, '/').replace(/~0/g, '~') : '');

// Schemas, shown as an indented tree of properties.

function typeLabel(s) {
  if (!isObject(s)) return 'any';
  let type = Array.isArray(s.type) ? s.type.join(' | ') : s.type;
  if (!type) {
    if (s.properties || s.additionalProperties) type = 'object';
    else if (s.items) type = 'array';
    else if (s.allOf) type = mergeAllOf(s) ? 'object' : 'all of';
    else if (s.oneOf) type = 'one of';
    else if (s.anyOf) type = 'any of';
    else if (s.enum) type = 'enum';
    else type = 'any';
  }
  if (type === 'array' && s.items) {
    const { value, ref } = deref(s.items);
    type = `array of ${ref ? refName(ref) : typeLabel(value)}`;
  }
  if (s.format) type += ` (${s.format})`;
  if (s.nullable) type += ' | null';
  return type;
}

function constraints(s) {
  const out = [];
  const show = (v) => JSON.stringify(v);
  if (!isObject(s)) return out;
  if (Array.isArray(s.enum)) out.push(`one of: ${s.enum.map(show).join(', ')}`);
  if (s.minimum !== undefined) out.push(`${s.exclusiveMinimum === true ? '>' : '≥'} ${s.minimum}`);
  if (s.maximum !== undefined) out.push(`${s.exclusiveMaximum === true ? '<' : '≤'} ${s.maximum}`);
  if (typeof s.exclusiveMinimum === 'number') out.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.exclusiveMaximum === 'number') out.push(`< ${s.exclusiveMaximum}`);
  if (s.multipleOf !== undefined) out.push(`multiple of ${s.multipleOf}`);
  if (s.minLength !== undefined) out.push(`length ≥ ${s.minLength}`);
  if (s.maxLength !== undefined) out.push(`length ≤ ${s.maxLength}`);
  if (s.pattern !== undefined) out.push(`pattern ${s.pattern}`);
  if (s.minItems !== undefined) out.push(`items ≥ ${s.minItems}`);
  if (s.maxItems !== undefined) out.push(`items ≤ ${s.maxItems}`);
  if (s.uniqueItems) out.push('unique items');
  if (s.minProperties !== undefined) out.push(`properties ≥ ${s.minProperties}`);
  if (s.maxProperties !== undefined) out.push(`properties ≤ ${s.maxProperties}`);
  if (s.default !== undefined) out.push(`default ${show(s.default)}`);
  if (s.example !== undefined && !isObject(s.example) && !Array.isArray(s.example)) out.push(`example ${show(s.example)}`);
  if (s.readOnly) out.push('read-only');
  if (s.writeOnly) out.push('write-only');
  if (s.deprecated) out.push('deprecated');
  return out;
}

// Merges allOf parts that are all objects into one object schema.
function mergeAllOf(s, depth = 0) {
  if (depth > MAX_DEPTH) return null;
  const parts = s.allOf.map((p) => resolve(p));
  if (!parts.every((p) => isObject(p) && (p.type === 'object' || p.properties || p.allOf) && !p.oneOf && !p.anyOf)) return null;
  const merged = { type: 'object', properties: {}, required: [] };
  for (const part of parts) {
    const flat = part.allOf ? mergeAllOf(part, depth + 1) : part;
    if (!flat) return null;
    Object.assign(merged.properties, flat.properties || {});
    merged.required.push(...(flat.required || []));
    if (flat.additionalProperties !== undefined) merged.additionalProperties = flat.additionalProperties;
    if (!merged.description && flat.description) merged.description = flat.description;
  }
  for (const key of ['description', 'nullable', 'example']) if (s[key] !== undefined) merged[key] = s[key];
  return merged;
}

// One line: name, type, constraints, description; then its children.
function schemaLine(name, required, schema, depth, seen) {
  const { value: s0, ref } = deref(schema);
  const s = isObject(s0) ? s0 : {};
  const line = el('div', { className: 'schema-line' },
    name !== null ? el('span', { className: 'prop' }, name) : null,
    required ? el('span', { className: 'req', title: 'required' }, 'required') : null,
    el('span', { className: 'type' }, typeLabel(s)),
    ref ? el('span', { className: 'ref' }, refName(ref)) : null,
    Array.isArray(s.allOf) ? s.allOf.filter((p) => isObject(p) && p.$ref).map((p) => el('span', { className: 'ref' }, refName(p.$ref))) : null,
    constraints(s).map((c) => el('span', { className: 'constraint' }, c)),
    s['x-unresolved'] ? el('span', { className: 'constraint' }, `unresolved ${s['x-unresolved']}`) : null,
  );
  const description = (isObject(schema) && schema.description) || s.description;
  if (description) line.append(markdown(description));
  const children = schemaChildren(s, depth + 1, ref ? new Set([...seen, ref]) : seen, ref && seen.has(ref));
  return children ? [line, children] : [line];
}

// The nested part of a schema (properties, items, alternatives), or null.
function schemaChildren(s, depth, seen, recursive) {
  if (recursive) return el('div', { className: 'schema' }, el('span', { className: 'ref' }, '↻ recursive, shown above'));
  if (depth > MAX_DEPTH) return el('div', { className: 'schema' }, el('span', { className: 'ref' }, '…'));
  if (s.allOf) {
    const merged = mergeAllOf(s);
    if (merged) return schemaChildren(merged, depth, seen, false);
  }
  const box = el('div', { className: 'schema' });
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    if (!Array.isArray(s[key])) continue;
    add(box, el('div', { className: 'schema-line' }, el('em', {}, { allOf: 'all of:', oneOf: 'one of:', anyOf: 'any of:' }[key])));
    s[key].forEach((part, i) => add(box, el('div', { className: 'schema' }, schemaLine(`#${i + 1}`, false, part, depth, seen))));
  }
  if (s.not) add(box, schemaLine('not', false, s.not, depth, seen));
  if (isObject(s.properties)) {
    const required = new Set(Array.isArray(s.required) ? s.required : []);
    for (const [name, prop] of Object.entries(s.properties)) add(box, schemaLine(name, required.has(name), prop, depth, seen));
  }
  if (s.additionalProperties !== undefined && s.additionalProperties !== false) {
    add(box, schemaLine('[any key]', false, s.additionalProperties === true ? {} : s.additionalProperties, depth, seen));
  }
  if (s.items) {
    const { value, ref } = deref(s.items);
    const item = isObject(value) ? value : {};
    const inner = schemaChildren(item, depth, ref ? new Set([...seen, ref]) : seen, ref && seen.has(ref));
    if (inner && inner.childNodes.length) {
      box.append(el('div', { className: 'schema-line' }, el('em', {}, 'each item:')), inner);
    }
  }
  return box.childNodes.length ? box : null;
}

function renderSchema(schema) {
  return el('div', { className: 'schema' }, schemaLine(null, false, schema, 0, new Set()));
}

// An example value from a schema (for request bodies).
function sample(schema, depth = 0) {
  const s = resolve(schema);
  if (!isObject(s) || depth > 6) return null;
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  if (s.allOf) {
    const merged = mergeAllOf(s);
    if (merged) return sample(merged, depth + 1);
  }
  if (s.oneOf || s.anyOf) return sample((s.oneOf || s.anyOf)[0], depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'object' || s.properties) {
    const out = {};
    for (const [name, prop] of Object.entries(s.properties || {})) {
      const p = resolve(prop);
      if (isObject(p) && p.readOnly) continue;
      out[name] = sample(prop, depth + 1);
    }
    return out;
  }
  if (type === 'array') return s.items ? [sample(s.items, depth + 1)] : [];
  if (type === 'integer' || type === 'number') return typeof s.minimum === 'number' ? s.minimum : 0;
  if (type === 'boolean') return false;
  if (type === 'string') return s.format === 'date-time' ? new Date().toISOString() : '';
  return null;
}

function mediaExample(media) {
  if (!isObject(media)) return undefined;
  if (media.example !== undefined) return media.example;
  if (isObject(media.examples)) {
    const first = resolve(Object.values(media.examples)[0]);
    if (isObject(first) && first.value !== undefined) return first.value;
  }
  return media.schema ? sample(media.schema) : undefined;
}

const pretty = (v) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

// Operations.

function parameters(pathItem, op) {
  const byKey = new Map();
  for (const list of [pathItem.parameters, op.parameters]) {
    for (const raw of Array.isArray(list) ? list : []) {
      const p = resolve(raw);
      if (isObject(p) && p.name) byKey.set(`${p.in}:${p.name}`, p);
    }
  }
  return [...byKey.values()];
}

function securityText(op) {
  const req = op.security !== undefined ? op.security : spec.security;
  if (!Array.isArray(req) || !req.length) return null;
  const schemes = (spec.components && spec.components.securitySchemes) || {};
  const alternatives = req.map((r) => {
    const names = Object.keys(r || {});
    if (!names.length) return 'none';
    return names.map((n) => {
      const s = resolve(schemes[n]) || {};
      const kind = s.type === 'http' ? `HTTP ${s.scheme || ''}`.trim() : s.type === 'apiKey' ? `API key in ${s.in} "${s.name}"` : s.type || 'unknown';
      return `${n} (${kind})`;
    }).join(' + ');
  });
  return alternatives.join(', or ');
}

// The headers that carry the token for op: its API key header or bearer
// scheme if the document names one, else Authorization: Bearer.
function authHeaders(op, value) {
  const req = op.security !== undefined ? op.security : spec.security;
  const schemes = (spec.components && spec.components.securitySchemes) || {};
  for (const alternative of Array.isArray(req) ? req : []) {
    for (const name of Object.keys(alternative || {})) {
      const s = resolve(schemes[name]) || {};
      if (s.type === 'apiKey' && s.in === 'header' && s.name) return { [s.name]: value };
      if (s.type === 'http' && /^bearer$/i.test(s.scheme || '')) return { Authorization: `Bearer ${value}` };
    }
  }
  return { Authorization: `Bearer ${value}` };
}

function paramTable(params) {
  return el('div', { className: 'table-wrap' }, el('table', { className: 'params' },
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Name'), el('th', { scope: 'col' }, 'Type'), el('th', { scope: 'col' }, 'Description'))),
    el('tbody', {}, params.map((p) => {
      const schema = resolve(p.schema) || {};
      return el('tr', {},
        el('td', {}, el('code', {}, p.name), p.required ? el('span', { className: 'req' }, 'required') : null, el('span', { className: 'in' }, `in ${p.in}`)),
        el('td', {}, el('span', { className: 'type' }, typeLabel(schema)), constraints(schema).map((c) => [' ', el('span', { className: 'constraint' }, c)])),
        el('td', {}, markdown(p.description || schema.description), p.deprecated ? el('em', {}, 'deprecated') : null));
    }))));
}

function contentBlock(content) {
  const out = [];
  for (const [type, media0] of Object.entries(isObject(content) ? content : {})) {
    const media = resolve(media0) || {};
    out.push(el('div', { className: 'media' }, type));
    if (media.schema) out.push(renderSchema(media.schema));
    const example = media.example !== undefined ? media.example
      : isObject(media.examples) ? (resolve(Object.values(media.examples)[0]) || {}).value : undefined;
    if (example !== undefined) out.push(el('details', {}, el('summary', {}, 'Example'), el('pre', {}, pretty(example))));
  }
  return out;
}

function responseClass(code) {
  return /^[1-5]/.test(code) ? `c${code[0] === '1' ? '3' : code[0]}` : 'cd';
}

function responses(op) {
  const box = el('div', { className: 'responses' });
  for (const [code, raw] of Object.entries(isObject(op.responses) ? op.responses : {})) {
    const r = resolve(raw) || {};
    const headers = isObject(r.headers) ? Object.entries(r.headers) : [];
    box.append(el('div', { className: 'response' },
      el('div', { className: 'response-head' }, el('span', { className: `code ${responseClass(code)}` }, code), markdown(r.description)),
      headers.length ? el('div', { className: 'schema' }, headers.map(([name, h0]) => {
        const h = resolve(h0) || {};
        return el('div', { className: 'schema-line' }, el('span', { className: 'prop' }, name), el('span', { className: 'type' }, 'header'),
          h.schema ? el('span', { className: 'type' }, typeLabel(resolve(h.schema))) : null, markdown(h.description));
      })) : null,
      contentBlock(r.content)));
  }
  return box;
}

// "Try it": a form that sends the request with fetch.

function baseUrl() {
  const select = $('server');
  return select ? select.value : location.origin;
}

function token() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

function paramInput(p, id) {
  const schema = resolve(p.schema) || {};
  const initial = p.example !== undefined ? p.example : schema.example !== undefined ? schema.example : schema.default;
  if (Array.isArray(schema.enum)) {
    return el('select', { id, name: p.name },
      p.required ? null : el('option', { value: '' }, '(none)'),
      schema.enum.map((v) => el('option', { value: String(v), selected: v === initial }, String(v))));
  }
  if (schema.type === 'boolean') {
    return el('select', { id, name: p.name }, el('option', { value: '' }, '(none)'), el('option', { value: 'true' }, 'true'), el('option', { value: 'false' }, 'false'));
  }
  return el('input', {
    id, name: p.name, required: Boolean(p.required), autocomplete: 'off', spellcheck: false,
    placeholder: initial !== undefined ? String(initial) : typeLabel(schema),
    value: p.in === 'path' && initial !== undefined ? String(initial) : '',
  });
}

let formCount = 0;

function tryForm(method, path, op, params) {
  const n = ++formCount;
  const usable = params.filter((p) => ['path', 'query', 'header'].includes(p.in));
  const inputs = usable.map((p) => ({ p, input: paramInput(p, `try${n}-${p.in}-${p.name}`) }));
  const body = resolve(op.requestBody);
  const types = isObject(body) && isObject(body.content) ? Object.keys(body.content) : [];
  let bodyType = null;
  let textarea = null;
  const fields = el('div', { className: 'try-fields' });
  for (const { p, input } of inputs) {
    fields.append(el('label', { htmlFor: input.id }, `${p.name}${p.required ? ' *' : ''}`, el('span', { className: 'in' }, p.in)), input);
  }
  if (types.length) {
    const jsonType = types.find((t) => /json/i.test(t)) || types[0];
    bodyType = el('select', { id: `try${n}-ctype` }, types.map((t) => el('option', { value: t, selected: t === jsonType }, t)));
    const example = mediaExample(resolve(body.content[jsonType]));
    textarea = el('textarea', { id: `try${n}-body`, spellcheck: false, rows: 6 }, example === undefined ? '' : pretty(example));
    fields.append(el('label', { htmlFor: bodyType.id }, 'Content-Type'), bodyType,
      el('label', { htmlFor: textarea.id }, `body${body.required ? ' *' : ''}`), textarea);
    // Another media type: its example, unless the body was edited.
    let shown = textarea.value;
    bodyType.addEventListener('change', () => {
      if (textarea.value !== shown) return;
      const next = mediaExample(resolve(body.content[bodyType.value]));
      textarea.value = shown = next === undefined ? '' : pretty(next);
    });
  }
  const skipped = params.filter((p) => !['path', 'query', 'header'].includes(p.in));
  const send = el('button', { type: 'submit' }, 'Send');
  const clear = el('button', { type: 'button', className: 'quiet', hidden: true }, 'Clear');
  const result = el('div', { className: 'try-result', 'aria-live': 'polite' });
  const form = el('form', { className: 'try' },
    el('h3', {}, 'Try it'),
    inputs.length || textarea ? fields : el('p', { className: 'hint' }, 'This operation takes no parameters.'),
    skipped.length ? el('p', { className: 'hint' }, `Not sent from here: ${skipped.map((p) => `${p.name} (${p.in})`).join(', ')}.`) : null,
    el('div', { className: 'try-actions' }, send, clear),
    result);
  clear.addEventListener('click', () => { result.replaceChildren(); clear.hidden = true; });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let url = path.replace(/\{([^}]+)\}/g, (whole, name) => {
      const found = inputs.find(({ p }) => p.in === 'path' && p.name === name);
      return found ? encodeURIComponent(found.input.value) : whole;
    });
    const query = new URLSearchParams();
    const headers = { Accept: 'application/json, */*;q=0.5' };
    for (const { p, input } of inputs) {
      if (input.value === '') continue;
      if (p.in === 'query') query.append(p.name, input.value);
      if (p.in === 'header') headers[p.name] = input.value;
    }
    const qs = query.toString();
    url = baseUrl().replace(/\/+$/, '') + url + (qs ? `?${qs}` : '');
    const options = { method: method.toUpperCase(), headers, cache: 'no-store' };
    let note = '';
    if (textarea && textarea.value.trim() !== '') {
      headers['Content-Type'] = bodyType.value;
      options.body = textarea.value;
      if (/json/i.test(bodyType.value)) {
        try { JSON.parse(textarea.value); } catch (e) { note = `The body is not valid JSON (${e.message}); sent as typed.`; }
      }
    }
    if (token()) Object.assign(headers, authHeaders(op, token()));
    send.disabled = true;
    result.replaceChildren(el('p', { className: 'hint' }, `Sending ${options.method} ${url}…`));
    const started = performance.now();
    try {
      const response = await fetch(url, options);
      const text = await response.text();
      showResult(result, options, url, response, text, performance.now() - started, note);
    } catch (e) {
      result.replaceChildren(el('p', { className: 'try-error' }, `${options.method} ${url}: no answer (${e.message}).`));
    } finally {
      send.disabled = false;
      clear.hidden = false;
    }
  });
  return form;
}

function curlCommand(options, url) {
  const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
  const parts = ['curl', '-i'];
  if (options.method === 'HEAD') parts.push('-I');
  else if (options.method !== 'GET') parts.push('-X', options.method);
  for (const [k, v] of Object.entries(options.headers)) {
    if (k === 'Accept') continue;
    // The token itself is not shown: $HMS_TOKEN stands for it.
    const t = token();
    if (t && String(v).includes(t)) parts.push('-H', `"${k}: ${String(v).split(t).join('$HMS_TOKEN')}"`);
    else parts.push('-H', q(`${k}: ${v}`));
  }
  if (options.body !== undefined) parts.push('--data', q(options.body));
  parts.push(q(new URL(url, location.href).href));
  return parts.join(' ');
}

function showResult(box, options, url, response, text, ms, note) {
  const type = response.headers.get('Content-Type') || '';
  let shown = text;
  if (/json/i.test(type) || /^\s*[[{]/.test(text)) {
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* as text */ }
  }
  if (shown.length > MAX_SHOWN) shown = `${shown.slice(0, MAX_SHOWN)}\n… (${text.length} characters in all)`;
  const headers = [...response.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
  const code = String(response.status);
  box.replaceChildren();
  add(box,
    el('div', { className: 'try-status' },
      el('span', { className: `code ${responseClass(code)}` }, `${code} ${response.statusText}`),
      el('span', { className: 'url' }, `${options.method} ${url}`),
      el('span', { className: 'hint' }, `${Math.round(ms)} ms · ${text.length} bytes`)),
    note ? el('p', { className: 'try-error' }, note) : null,
    el('h3', {}, 'Response headers'), el('pre', {}, headers || '(none)'),
    el('h3', {}, 'Response body'), el('pre', {}, shown || '(empty)'),
    el('details', {}, el('summary', {}, 'As a curl command'), el('pre', {}, curlCommand(options, url))));
}

// The page.

function opId(tagIndex, n) {
  return `op-${tagIndex}-${n}`;
}

function renderOperation(id, method, path, pathItem, op) {
  const params = parameters(pathItem, op);
  const security = securityText(op);
  const body = resolve(op.requestBody);
  const details = el('details', { className: `op m-${method}${op.deprecated ? ' deprecated' : ''}`, id },
    el('summary', {},
      el('span', { className: 'method' }, method.toUpperCase()),
      el('span', { className: 'op-path' }, path),
      el('span', { className: 'op-summary' }, op.summary || pathItem.summary || '')));
  const content = el('div', { className: 'op-body' });
  let built = false;
  // Built on first opening: a large document stays quick to show.
  const build = () => {
    if (built) return;
    built = true;
    add(content,
      op.deprecated ? el('p', { className: 'try-error' }, 'Deprecated.') : null,
      markdown(op.description || pathItem.description),
      op.operationId || security ? el('p', { className: 'hint' },
        op.operationId ? ['operationId ', el('code', {}, op.operationId)] : null,
        op.operationId && security ? ' · ' : null,
        security ? `Authorization: ${security}` : null) : null,
      params.length ? [el('h3', {}, 'Parameters'), paramTable(params)] : null,
      isObject(body) ? [el('h3', {}, `Request body${body.required ? ' (required)' : ''}`), markdown(body.description), contentBlock(body.content)] : null,
      el('h3', {}, 'Responses'), responses(op),
      tryForm(method, path, op, params));
  };
  details.addEventListener('toggle', () => { if (details.open) build(); });
  details.append(content);
  return details;
}

function collect() {
  const groups = new Map();
  for (const t of Array.isArray(spec.tags) ? spec.tags : []) {
    if (isObject(t) && t.name) groups.set(t.name, { tag: t, ops: [] });
  }
  for (const [path, raw] of Object.entries(isObject(spec.paths) ? spec.paths : {})) {
    const item = resolve(raw);
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const tags = Array.isArray(op.tags) && op.tags.length ? op.tags : ['default'];
      for (const name of tags) {
        if (!groups.has(name)) groups.set(name, { tag: { name }, ops: [] });
        groups.get(name).ops.push({ method, path, item, op });
      }
    }
  }
  return [...groups.values()].filter((g) => g.ops.length);
}

function serverChoices() {
  const servers = Array.isArray(spec.servers) && spec.servers.length ? spec.servers : [{ url: '/' }];
  return servers.filter(isObject).map((s) => {
    let url = String(s.url || '/');
    for (const [name, v] of Object.entries(isObject(s.variables) ? s.variables : {})) {
      url = url.split(`{${name}}`).join(String(v && v.default !== undefined ? v.default : ''));
    }
    let href;
    try { href = new URL(url, location.href).href; } catch { href = location.origin; }
    return { href, label: s.description ? `${href} (${s.description})` : href };
  });
}

function renderHead() {
  const info = isObject(spec.info) ? spec.info : {};
  const servers = serverChoices();
  const tokenInput = el('input', { id: 'token', type: 'password', autocomplete: 'off', spellcheck: false, placeholder: token() ? '•••• saved' : 'bearer token' });
  const tokenSave = el('button', { type: 'submit' }, 'Save');
  const tokenForget = el('button', { type: 'button', className: 'quiet' }, 'Forget');
  const tokenState = el('span', { className: 'hint' });
  const showToken = () => {
    tokenState.textContent = token() ? 'Sent as Authorization: Bearer with every request (kept in this tab).' : 'No token: needed only for changes when the controller runs with --token.';
    tokenInput.placeholder = token() ? '•••• saved' : 'bearer token';
  };
  const tokenForm = el('form', { className: 'row' }, el('label', { htmlFor: 'token' }, 'API token'), tokenInput, tokenSave, tokenForget, tokenState);
  tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    try { if (tokenInput.value.trim()) sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim()); } catch { /* not kept */ }
    tokenInput.value = '';
    showToken();
  });
  tokenForget.addEventListener('click', () => {
    try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing kept */ }
    showToken();
  });
  showToken();
  const expand = el('button', { type: 'button', className: 'quiet' }, 'Expand all');
  const collapse = el('button', { type: 'button', className: 'quiet' }, 'Collapse all');
  expand.addEventListener('click', () => document.querySelectorAll('details.op').forEach((d) => { d.open = true; }));
  collapse.addEventListener('click', () => document.querySelectorAll('details.op').forEach((d) => { d.open = false; }));
  return el('header', { className: 'doc-head' },
    el('h1', {}, info.title || 'API', info.version ? el('span', { className: 'version' }, `v${info.version} · OpenAPI ${spec.openapi || '?'}`) : null),
    markdown(info.description),
    el('div', { className: 'doc-meta' },
      el('label', { htmlFor: 'server' }, 'Server'),
      el('select', { id: 'server' }, servers.map((s) => el('option', { value: s.href }, s.label))),
      expand, collapse),
    el('div', { className: 'doc-meta' }, tokenForm));
}

function renderSchemas() {
  const schemas = spec.components && isObject(spec.components.schemas) ? Object.entries(spec.components.schemas) : [];
  if (!schemas.length) return null;
  return el('section', { className: 'tag-group', id: 'schemas', 'aria-labelledby': 'schemas-title' },
    el('h2', { id: 'schemas-title' }, 'Schemas'),
    schemas.map(([name, schema]) => {
      const d = el('details', { className: 'op', id: `schema-${name}` },
        el('summary', {}, el('span', { className: 'op-path' }, name), el('span', { className: 'op-summary' }, typeLabel(resolve(schema)))));
      d.addEventListener('toggle', () => {
        if (d.open && d.childNodes.length === 1) add(d, el('div', { className: 'op-body' }, renderSchema({ $ref: `#/components/schemas/${name.replace(/~/g, '~0').replace(/\//g, '~1')}` })));
      });
      return d;
    }));
}

function render() {
  const groups = collect();
  const main = $('doc');
  const nav = $('nav');
  const sections = [];
  const navItems = [];
  groups.forEach((g, t) => {
    const ops = g.ops.map((o, i) => ({ ...o, id: opId(t, i) }));
    const headingId = `tag-${t}`;
    sections.push(el('section', { className: 'tag-group', 'aria-labelledby': headingId },
      el('h2', { id: headingId }, g.tag.name),
      markdown(g.tag.description),
      ops.map((o) => renderOperation(o.id, o.method, o.path, o.item, o.op))));
    navItems.push(el('h2', {}, g.tag.name), el('ul', {}, ops.map((o) => el('li', {},
      el('a', { href: `#${o.id}` }, el('span', { className: `method m-${o.method}` }, o.method.toUpperCase()), el('span', { className: 'path' }, o.path))))));
  });
  const schemas = renderSchemas();
  if (schemas) navItems.push(el('h2', {}, 'Schemas'), el('ul', {}, el('li', {}, el('a', { href: '#schemas' }, 'Components'))));
  main.replaceChildren();
  add(main, renderHead(),
    groups.length ? sections : el('p', { className: 'empty' }, 'This document describes no operation.'),
    schemas);
  nav.replaceChildren();
  add(nav, navItems);
  document.title = `${(spec.info && spec.info.title) || 'API'} · API explorer`;
  openHash();
}

function openHash() {
  const target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
  if (target && target.tagName === 'DETAILS') {
    target.open = true;
    target.scrollIntoView({ block: 'start' });
  }
}

async function load() {
  try {
    const response = await fetch(SPEC_URL, { cache: 'no-store', headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    const doc = await response.json();
    if (!isObject(doc)) throw new Error('not a JSON object');
    spec = doc;
    if (typeof spec.openapi !== 'string' || !spec.openapi.startsWith('3.')) {
      console.warn('not an OpenAPI 3 document; showing what can be shown');
    }
    render();
  } catch (e) {
    $('doc').replaceChildren(el('p', { className: 'banner', role: 'alert' }, `Cannot load ${SPEC_URL}: ${e.message}`));
  }
}

window.addEventListener('hashchange', openHash);
load();
