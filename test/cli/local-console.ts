/**
 * The local HTTP API with the real authorizer in front of the console
 * function, whose dependencies are a test's fake world: what the CLI talks to
 * in tests that need no drill. Decisions and redrives reach no workflow.
 */
import { CognitoTokenVerifier } from '../../functions/console/token-verifier';
import { makeHandler as makeConsole, type ConsoleDeps } from '../../functions/handlers/console';
import { makeHandler as makeAuthorizer } from '../../functions/handlers/console-authorizer';
import { startLocalConsole, type LocalConsole } from '../../local/console';
import { lambdaContext, UNUSED_CONSOLE_PARTS } from '../fakes';

export async function startConsoleOver(
  world: Omit<ConsoleDeps, 'resumer' | 'redriver' | 'signIn'>,
): Promise<LocalConsole> {
  const consoleFn = makeConsole({
    ...world,
    ...UNUSED_CONSOLE_PARTS,
  });
  let authorizer: ReturnType<typeof makeAuthorizer> | undefined;
  const local: LocalConsole = await startLocalConsole({
    port: 0,
    invoke: async (name, payload) => {
      authorizer ??= makeAuthorizer({
        verifier: new CognitoTokenVerifier({
          issuer: local.identity.issuer,
          clientId: local.identity.audience,
          jwksUri: local.identity.jwksUrl,
        }),
      });
      const fn = name === 'console-authorizer' ? authorizer : consoleFn;
      return { ok: true, payload: await fn(payload as never, lambdaContext(name)) };
    },
  });
  return local;
}
