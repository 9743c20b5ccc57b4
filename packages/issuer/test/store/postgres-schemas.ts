/**
 * PostgreSQL for tests: the URL from `JWTIS_TEST_PG_URL` (tests skip with a notice when it
 * is unset), and schemas of their own, each dropped afterwards.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The test database's URL, or undefined (after printing why the PostgreSQL tests skip). */
export function pgTestUrl(what: string): string | undefined {
  const url = process.env['JWTIS_TEST_PG_URL']
  if (url === undefined || url === '') {
    console.warn(`notice: JWTIS_TEST_PG_URL is not set; skipping ${what} on PostgreSQL`)
    return undefined
  }
  return url
}

/** A fresh schema name, not yet created (the store creates it). */
export function testSchemaName(): string {
  return `jwtis_test_${randomBytes(6).toString('hex')}`
}

/** `url` with its `schema` parameter set. */
export function urlWithSchema(url: string, schema: string): string {
  const parsed = new URL(url)
  parsed.searchParams.set('schema', schema)
  return parsed.href
}

/** Runs statements as the test database's user, on a connection of its own. */
export async function adminQuery(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, query_timeout: 10_000 })
  await client.connect()
  try {
    return await client.query(text, values)
  } finally {
    await client.end()
  }
}

/** Drops a test schema and everything in it; a schema that was never made is fine. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  await adminQuery(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
}
