declare module 'asl-validator' {
  interface AslValidationResult {
    isValid: boolean;
    errors: unknown[];
    errorsText: (separator?: string) => string;
  }
  function aslValidator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): AslValidationResult;
  export = aslValidator;
}

/** The framework's own parser of `${…}` variables (serverless@3). Returns null when a string holds none. */
declare module 'serverless/lib/configuration/variables/parse' {
  function parse(value: string): { start?: number; end?: number; sources: unknown[] }[] | null;
  export = parse;
}
