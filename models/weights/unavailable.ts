// The error of named weights that cannot be had, shared by the Node resolver and the browser stub.

/**
 * Named weights that are neither cached nor downloadable. The caller decides whether that is
 * fatal or a model with random weights will do.
 */
export class WeightsUnavailableError extends Error {
  override readonly name = 'WeightsUnavailableError';
  constructor(
    message: string,
    readonly arch: string,
    readonly weightsName: string,
    readonly url: string,
    /** Where the file would be found: webgrad's cache first, then torch.hub's. */
    readonly expectedPaths: string[],
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
