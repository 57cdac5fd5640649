/** An error rendered as an AWS JSON 1.1 error body: `{"__type": code, "message": …}`. */
export class SsmError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export function validationError(message: string): SsmError {
  return new SsmError('ValidationException', message);
}

export function parameterNotFound(name: string): SsmError {
  return new SsmError('ParameterNotFound', `Parameter ${name} not found.`);
}
