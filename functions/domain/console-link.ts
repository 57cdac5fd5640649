/**
 * Link to an incident's page through the console's sign-in, so an operator
 * without a session (tapping the link in an e-mail) lands on the page after
 * signing in; one with a session goes straight through. `page` names a page
 * beneath it (`report`: the incident's post-incident report).
 */
export function consoleLink(
  consoleUrl: string | undefined,
  incidentId: string,
  kind: 'incidents' | 'groups' = 'incidents',
  page?: 'report',
): string | undefined {
  if (!consoleUrl) return undefined;
  const path = `/${kind}/${encodeURIComponent(incidentId)}${page ? `/${page}` : ''}`;
  return `${consoleUrl.replace(/\/+$/, '')}/login?next=${encodeURIComponent(path)}`;
}
