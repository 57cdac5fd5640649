/**
 * Link to an incident's page through the console's sign-in, so an operator
 * without a session (tapping the link in an e-mail) lands on the page after
 * signing in; one with a session goes straight through.
 */
export function consoleLink(
  consoleUrl: string | undefined,
  incidentId: string,
  kind: 'incidents' | 'groups' = 'incidents',
): string | undefined {
  if (!consoleUrl) return undefined;
  const page = `/${kind}/${encodeURIComponent(incidentId)}`;
  return `${consoleUrl.replace(/\/+$/, '')}/login?next=${encodeURIComponent(page)}`;
}
