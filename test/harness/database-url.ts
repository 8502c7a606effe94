/** The same server as `url`, another database. */
export function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
