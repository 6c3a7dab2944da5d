/** Text as HTML or XML element content and attribute values (the JUnit file, the HTML report). */
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
