declare module 's3rver' {
  import type { IncomingHttpHeaders, Server } from 'node:http';
  import type { AddressInfo } from 'node:net';
  import type { Readable } from 'node:stream';

  namespace S3rver {
    interface Options {
      address?: string;
      port?: number;
      silent?: boolean;
      directory?: string;
      resetOnClose?: boolean;
      allowMismatchedSignatures?: boolean;
      vhostBuckets?: boolean;
      serviceEndpoint?: string;
    }

    /** The parts of a Koa context this project touches. */
    interface Context {
      req: Readable & { headers: IncomingHttpHeaders };
    }

    type Middleware = (ctx: Context, next: () => Promise<void>) => Promise<void>;
  }

  class S3rver {
    constructor(options?: S3rver.Options);
    /** Koa's middleware stack, composed when the server starts. */
    readonly middleware: S3rver.Middleware[];
    /** Set once run() has resolved. */
    readonly httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }

  export = S3rver;
}

declare module 's3rver/lib/models/account' {
  interface AwsAccount {
    readonly id: string | number;
    readonly displayName: string;
    createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  }
  export const DUMMY_ACCOUNT: AwsAccount;
}

declare module 's3rver/lib/models/error' {
  /** An S3 error; s3rver's error handler renders it as S3's XML error document with `status`. */
  class S3Error extends Error {
    constructor(code: string, message?: string, detail?: Record<string, string>);
    readonly code: string;
    status: number;
    expose: boolean;
  }
  export = S3Error;
}
