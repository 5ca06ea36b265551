// True while the user is typing into something: a text field, a text area, a select or an editable
// element. Single-key shortcuts stand aside then (buttons, checkboxes and radios are not typing).
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  return target instanceof HTMLInputElement && !['radio', 'checkbox', 'button', 'submit', 'reset'].includes(target.type);
}
