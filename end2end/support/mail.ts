/**
 * Reading the mail the portal sends, as stored by smtp_sink.py: one JSON file
 * per message ({mail_from, rcpt_tos, data}) in MAIL_DIR, names sorted by arrival.
 *
 * Holds a small MIME reader: folded headers, RFC 2047 encoded words,
 * multipart bodies (nested), quoted-printable and base64 transfer encodings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAIL_DIR } from './paths';

export interface Mail {
  /** File name in the sink directory. */
  file: string;
  /** Envelope sender. */
  mailFrom: string;
  /** Envelope recipients. */
  rcptTos: string[];
  /** Decoded Subject header. */
  subject: string;
  /** Decoded text/plain body ('' when the message has none). */
  text: string;
  /** Decoded text/html body ('' when the message has none). */
  html: string;
  /** Unfolded, decoded headers of the top-level message, names in lower case. */
  headers: Map<string, string[]>;
  /** The raw RFC 5322 message. */
  raw: string;
}

interface SinkRecord {
  mail_from: string;
  rcpt_tos: string[];
  data: string;
}

interface Entity {
  headers: Map<string, string[]>;
  body: string;
}

interface ContentType {
  type: string;
  params: Record<string, string>;
}

// ---------------------------------------------------------------------------
// Low-level decoding

function decodeBytes(bytes: Uint8Array, charset: string | undefined): string {
  const label = (charset || 'utf-8').trim().toLowerCase();
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

/** Turns a string whose code points are bytes (0-255) into bytes; larger code points become UTF-8. */
function stringToBytes(value: string): number[] {
  const bytes: number[] = [];
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 256) {
      bytes.push(code);
    } else {
      bytes.push(...Buffer.from(char, 'utf8'));
    }
  }
  return bytes;
}

function decodeQuotedPrintable(value: string): Uint8Array {
  const joined = value.replace(/=[ \t]*\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const char = joined[i];
    if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...stringToBytes(char));
    }
  }
  return Uint8Array.from(bytes);
}

function decodeBase64(value: string): Uint8Array {
  return Uint8Array.from(Buffer.from(value.replace(/[^A-Za-z0-9+/=_-]/g, ''), 'base64'));
}

/** Decodes RFC 2047 encoded words (=?charset?Q|B?text?=) in a header value. */
export function decodeEncodedWords(value: string): string {
  // Whitespace between two adjacent encoded words is not part of the text.
  const squeezed = value.replace(/(\?=)\s+(?==\?)/g, '$1');
  return squeezed.replace(/=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=/g, (_whole, charset: string, encoding: string, text: string) => {
    const cleanCharset = charset.split('*')[0];
    if (encoding.toUpperCase() === 'B') {
      return decodeBytes(decodeBase64(text), cleanCharset);
    }
    return decodeBytes(decodeQuotedPrintable(text.replace(/_/g, ' ')), cleanCharset);
  });
}

// ---------------------------------------------------------------------------
// MIME structure

function splitHeaderAndBody(raw: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  if (!match) {
    return { head: raw, body: '' };
  }
  return { head: raw.slice(0, match.index), body: raw.slice(match.index + match[0].length) };
}

function parseHeaders(head: string): Map<string, string[]> {
  const unfolded: string[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && unfolded.length > 0) {
      unfolded[unfolded.length - 1] += line;
    } else if (line.length > 0) {
      unfolded.push(line);
    }
  }
  const headers = new Map<string, string[]>();
  for (const line of unfolded) {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const values = headers.get(name) ?? [];
    values.push(value);
    headers.set(name, values);
  }
  return headers;
}

function header(entity: Entity, name: string): string | undefined {
  return entity.headers.get(name.toLowerCase())?.[0];
}

function parseContentType(value: string | undefined): ContentType {
  if (!value) {
    return { type: 'text/plain', params: { charset: 'us-ascii' } };
  }
  const semicolon = value.indexOf(';');
  const type = (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  const params: Record<string, string> = {};
  const rest = semicolon === -1 ? '' : value.slice(semicolon);
  const paramPattern = /;\s*([^=\s;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  for (const match of rest.matchAll(paramPattern)) {
    let paramValue = match[2].trim();
    if (paramValue.startsWith('"')) {
      paramValue = paramValue.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    params[match[1].toLowerCase()] = paramValue;
  }
  return { type: type || 'text/plain', params };
}

function parseEntity(raw: string): Entity {
  const { head, body } = splitHeaderAndBody(raw);
  return { headers: parseHeaders(head), body };
}

function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of body.split(/\r?\n/)) {
    const trimmed = line.trimEnd();
    if (trimmed === `${delimiter}--`) {
      if (current) {
        parts.push(current.join('\r\n'));
      }
      current = null;
      break;
    }
    if (trimmed === delimiter) {
      if (current) {
        parts.push(current.join('\r\n'));
      }
      current = [];
      continue;
    }
    if (current) {
      current.push(line);
    }
  }
  if (current) {
    parts.push(current.join('\r\n'));
  }
  return parts;
}

function decodeBody(entity: Entity, contentType: ContentType): string {
  const encoding = (header(entity, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  let text: string;
  if (encoding === 'quoted-printable') {
    text = decodeBytes(decodeQuotedPrintable(entity.body), contentType.params.charset);
  } else if (encoding === 'base64') {
    text = decodeBytes(decodeBase64(entity.body), contentType.params.charset);
  } else {
    // 7bit / 8bit / binary: the sink already decoded the bytes as UTF-8.
    text = entity.body;
  }
  return text.replace(/\r\n/g, '\n');
}

interface Leaf {
  type: string;
  attachment: boolean;
  text: string;
}

function collectLeaves(entity: Entity, leaves: Leaf[]): void {
  const contentType = parseContentType(header(entity, 'content-type'));
  if (contentType.type.startsWith('multipart/') && contentType.params.boundary) {
    for (const part of splitMultipart(entity.body, contentType.params.boundary)) {
      collectLeaves(parseEntity(part), leaves);
    }
    return;
  }
  const disposition = (header(entity, 'content-disposition') ?? '').toLowerCase();
  leaves.push({
    type: contentType.type,
    attachment: disposition.startsWith('attachment'),
    text: decodeBody(entity, contentType),
  });
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, '$2 ($1)')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

/** Parses a raw RFC 5322 message as stored by the sink. */
export function parseMail(raw: string): Pick<Mail, 'subject' | 'text' | 'html' | 'headers'> {
  const entity = parseEntity(raw);
  const headers = new Map<string, string[]>();
  for (const [name, values] of entity.headers) {
    headers.set(name, values.map(decodeEncodedWords));
  }
  const leaves: Leaf[] = [];
  collectLeaves(entity, leaves);
  const inline = leaves.filter((leaf) => !leaf.attachment);
  const html = inline.find((leaf) => leaf.type === 'text/html')?.text ?? '';
  const plain = inline.find((leaf) => leaf.type === 'text/plain')?.text;
  return {
    subject: headers.get('subject')?.[0] ?? '',
    text: plain ?? (html ? htmlToText(html) : ''),
    html,
    headers,
  };
}

// ---------------------------------------------------------------------------
// Reading the sink directory

const cache = new Map<string, Mail>();

function readMail(file: string): Mail | undefined {
  const cached = cache.get(file);
  if (cached) {
    return cached;
  }
  let record: SinkRecord;
  try {
    record = JSON.parse(fs.readFileSync(path.join(MAIL_DIR, file), 'utf8')) as SinkRecord;
  } catch {
    return undefined;
  }
  const mail: Mail = {
    file,
    mailFrom: record.mail_from,
    rcptTos: record.rcpt_tos,
    raw: record.data,
    ...parseMail(record.data),
  };
  cache.set(file, mail);
  return mail;
}

/** Every message the sink holds, oldest first. */
export function allMail(): Mail[] {
  let files: string[];
  try {
    files = fs.readdirSync(MAIL_DIR);
  } catch {
    return [];
  }
  return files
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map(readMail)
    .filter((mail): mail is Mail => mail !== undefined);
}

function isAddressedTo(mail: Mail, address: string): boolean {
  const wanted = address.trim().toLowerCase();
  if (mail.rcptTos.some((rcpt) => rcpt.trim().toLowerCase() === wanted)) {
    return true;
  }
  const visible = [...(mail.headers.get('to') ?? []), ...(mail.headers.get('cc') ?? [])].join(',').toLowerCase();
  return visible.includes(wanted);
}

function describeSink(): string {
  const mails = allMail();
  if (mails.length === 0) {
    return `  (no messages in ${MAIL_DIR})`;
  }
  return mails.map((mail) => `  ${mail.file}: to ${mail.rcptTos.join(', ')}: ${JSON.stringify(mail.subject)}`).join('\n');
}

/**
 * Waits until the sink holds a message to `to` whose subject contains
 * `subjectIncludes` (case-insensitive) and returns the newest such message.
 */
export async function waitForMail(to: string, subjectIncludes: string, timeoutMs = 15_000): Promise<Mail> {
  const deadline = Date.now() + timeoutMs;
  const wantedSubject = subjectIncludes.toLowerCase();
  for (;;) {
    const matches = allMail().filter(
      (mail) => isAddressedTo(mail, to) && mail.subject.toLowerCase().includes(wantedSubject),
    );
    if (matches.length > 0) {
      return matches[matches.length - 1];
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `No mail to ${to} with a subject containing ${JSON.stringify(subjectIncludes)} within ${timeoutMs} ms.\n` +
          `Messages in the sink:\n${describeSink()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Returns the first http(s) URL in `text` whose path starts with `pathPrefix`. */
export function extractLink(text: string, pathPrefix: string): string {
  const candidates = text.replace(/&amp;/g, '&').match(/https?:\/\/[^\s<>"'`()[\]{}]+/g) ?? [];
  for (const candidate of candidates) {
    const trimmed = candidate.replace(/[.,;:!?]+$/, '');
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      continue;
    }
    if (url.pathname.startsWith(pathPrefix)) {
      return url.href;
    }
  }
  throw new Error(`No http(s) link whose path starts with ${JSON.stringify(pathPrefix)} in:\n${text}`);
}
