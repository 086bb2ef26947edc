/** Email addresses in text, in linear time (bounded parts: a long run without "@" cannot go quadratic). */
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/g;

/** The addresses in `text`, lowercased, trailing dots removed, in order of appearance. */
export function findEmails(text: string): string[] {
  if (!text.includes('@')) return [];
  return (text.match(EMAIL) ?? []).map((e) => e.replace(/[.-]+$/, '').toLowerCase());
}
