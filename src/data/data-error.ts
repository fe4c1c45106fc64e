// The one error type of the data layer. Callers branch on `code`, people read `message`.
import { SealError } from '../errors.js';

/** Stable reasons a dataset could not be loaded. */
export type DataErrorCode =
  | 'DATA_MISSING' // a file or folder that should be there is not
  | 'DATA_CORRUPT' // a file is there but its bytes cannot be what they claim to be
  | 'DATA_FORMAT' // a file or folder is readable but laid out in a way seal does not read
  | 'DATA_MISMATCH' // two parts of one dataset disagree (image and label counts, class lists)
  | 'DATA_UNKNOWN' // a dataset name or kind that the registry does not know
  | 'DATA_OPTION'; // an option value that cannot work (a limit of 0, an image size of -1)

/**
 * A dataset could not be read. The message is one paragraph naming the file or folder, what was
 * expected and what was found, then a line starting `hint:` that says what to do.
 * @example
 * try { await loadDataset('cifar10:/data/cifar') }
 * catch (e) { if (e instanceof DataError && e.code === 'DATA_MISSING') console.error(e.message) }
 */
export class DataError extends SealError {
  declare readonly code: DataErrorCode;
  declare readonly hint: string;
  /** The file or folder at fault, when there is one. */
  readonly path: string | undefined;

  constructor(
    code: DataErrorCode,
    /** What happened: names the path, the expectation and what was found. */
    readonly detail: string,
    /** What to do about it (without the `hint:` prefix). */
    hint: string,
    opts: { path?: string; cause?: unknown } = {},
  ) {
    super(code, detail, hint);
    this.path = opts.path;
    if (opts.cause !== undefined) this.cause = opts.cause;
  }
}

/** The message of an unknown thrown value, for wrapping a library error into a DataError. */
export function causeText(e: unknown): string {
  return e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e);
}
