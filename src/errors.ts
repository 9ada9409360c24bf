// Two kinds of errors (after Shopify's cli-kit): a UserError is something the user can fix and is
// printed as one line with a "try ..." hint and no stack; anything else is a bug.
import { safeText } from './text.js';

export class UserError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  constructor(message: string, hint?: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.hint = hint;
    this.exitCode = exitCode;
  }
}

/** One line for the terminal: "snatscope: <message> (try <hint>)". */
export function formatUserError(err: UserError): string {
  // Messages quote user input (paths, flag values, server answers): no escape sequence reaches the terminal raw.
  return safeText(`snatscope: ${err.message}${err.hint ? ` (try ${err.hint})` : ''}`);
}
