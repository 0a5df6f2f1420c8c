// The checklist's DOM helpers: elements with text and attributes, and buttons that stay reachable.

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; title?: string; attrs?: Record<string, string> } = {},
  children: (Node | string | null)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title) node.title = props.title;
  for (const [key, value] of Object.entries(props.attrs ?? {})) node.setAttribute(key, value);
  for (const child of children) if (child !== null) node.append(child);
  return node;
}

/**
 * A button. An unavailable one stays focusable (aria-disabled, not disabled), so keyboard and
 * screen-reader users reach it and hear why it is unavailable: `reason` is read with it.
 */
export function button(label: string, onClick: () => void, title?: string, disabled = false, reason?: string): HTMLButtonElement {
  const b = el('button', { text: label, title });
  b.type = 'button';
  b.dataset.focusKey = label;
  if (disabled) b.setAttribute('aria-disabled', 'true');
  if (disabled && reason) b.append(el('span', { className: 'visually-hidden', text: ` (unavailable: ${reason})` }));
  b.addEventListener('click', () => {
    if (b.getAttribute('aria-disabled') !== 'true') onClick();
  });
  return b;
}
