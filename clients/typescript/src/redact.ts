/**
 * Keeping secrets out of errors. A call knows the secrets it holds (its tokens, a pre-signed
 * URL); whatever an answer or a failed fetch says is cleaned of them before it reaches an error,
 * in case a server echoes one back.
 */
import { escapeLabel } from "./shapes.js";

/** What a secret is replaced with. */
export const REDACTED = "<redacted>";

/**
 * The shortest value that is redacted when it is not marked sensitive (a NextToken, a
 * ViewToken): a shorter one cannot be told from ordinary words, and cutting it out
 * would mangle every message. Values the contract marks sensitive are redacted at any length.
 */
const MIN_REDACTED_LENGTH = 8;

/** The set of secrets a call holds, each also in the encoded forms a URL or a message may show. */
export class Secrets {
  readonly #values = new Set<string>();

  /** Adds value, unless empty; a value not marked sensitive only when it is long enough to tell apart. */
  add(value: unknown, sensitive = true): this {
    if (typeof value !== "string" || value === "") return this;
    if (!sensitive && value.length < MIN_REDACTED_LENGTH) return this;
    this.#values.add(value);
    this.#values.add(escapeLabel(value));
    this.#values.add(encodeURIComponent(value));
    return this;
  }

  /** Adds a pre-signed URL: the whole URL and its query, which is the credential. */
  addUrl(url: string): this {
    this.add(url);
    const q = url.indexOf("?");
    if (q >= 0 && q < url.length - 1) this.add(url.slice(q + 1));
    return this;
  }

  /** Replaces every secret in s with {@link REDACTED}, longest first. */
  redact(s: string): string;
  redact(s: string | undefined): string | undefined;
  redact(s: string | undefined): string | undefined {
    if (s === undefined || s === "") return s;
    for (const secret of [...this.#values].sort((a, b) => b.length - a.length)) {
      if (s.includes(secret)) s = s.replaceAll(secret, REDACTED);
    }
    return s;
  }

  /** Whether s contains a secret. */
  foundIn(s: string | undefined): boolean {
    if (!s) return false;
    for (const secret of this.#values) if (s.includes(secret)) return true;
    return false;
  }

  /**
   * Returns err unchanged when nothing it says contains a secret (so that an AbortError stays
   * what it is), or else a copy of it, and of its causes, with every secret redacted.
   */
  scrub(err: unknown): unknown {
    return this.#mentions(err, 0) ? this.#copy(err, 0) : err;
  }

  #mentions(err: unknown, depth: number): boolean {
    if (depth > 8 || err === undefined || err === null) return false;
    if (!(err instanceof Error)) return this.foundIn(String(err));
    return this.foundIn(err.message) || this.foundIn(err.stack) || this.#mentions(err.cause, depth + 1);
  }

  #copy(err: unknown, depth: number): Error {
    if (!(err instanceof Error)) return new Error(this.redact(String(err)));
    const options = depth < 8 && err.cause !== undefined && err.cause !== null ? { cause: this.#copy(err.cause, depth + 1) } : undefined;
    const message = this.redact(err.message);
    // The same class when it takes (message, options) as Error does (TypeError, ...), so that
    // `instanceof` still holds; a plain Error otherwise.
    let copy: Error;
    try {
      copy = new (err.constructor as new (message: string, options?: ErrorOptions) => Error)(message, options);
      if (!(copy instanceof Error) || copy.message !== message) throw new Error("not an Error-like constructor");
    } catch {
      copy = new Error(message, options);
    }
    try {
      if (copy.name !== err.name) copy.name = err.name;
    } catch {
      // A read-only name (DOMException): the class already says it.
    }
    const stack = this.redact(err.stack);
    if (stack !== undefined) copy.stack = stack;
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" || typeof code === "number") Object.assign(copy, { code });
    return copy;
  }
}
