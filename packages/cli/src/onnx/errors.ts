import { RnnError } from '@rnn/core';

/** A model (or a layer in it) that has no ONNX form here; the message names what and why. */
export class NotExportableError extends RnnError {
  constructor(message: string) {
    super('E_NOT_EXPORTABLE', message);
  }
}
