/** A child of {@link h}: text (always a text node, never parsed as HTML), an element, or nothing. */
export type Child = Node | string | number | null | undefined | false;

/** Attributes of {@link h}: `on…` functions become listeners, `false`/`undefined` are left out. */
export type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/**
 * Creates an element. Strings become text nodes, so stream names, user names and error texts from
 * the server render as text whatever they contain: the console never hands the browser markup to parse.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === 'value' && 'value' in el) (el as HTMLInputElement).value = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (text as text nodes). */
export function append(parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces every child of `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

/** Sets an element's text only when it changed (no layout work, focus kept). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** A form in a panel, labelled by its heading (`labelledBy`): submitting it runs `onSubmit` instead of loading a page. */
export function panelForm(labelledBy: string, onSubmit: () => void, ...children: Child[]): HTMLFormElement {
  const submit = (e: Event): void => {
    e.preventDefault();
    onSubmit();
  };
  return h('form', { class: 'panel', 'aria-labelledby': labelledBy, onsubmit: submit }, ...children);
}
