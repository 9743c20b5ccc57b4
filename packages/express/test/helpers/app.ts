import { request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type express from 'express'
import express5 from 'express'
import express4 from 'express4'

/** The Express majors every middleware test runs on. */
export const EXPRESS_VERSIONS: ReadonlyArray<readonly [string, typeof express]> = [
  ['Express 5', express5],
  ['Express 4', express4],
]

/** An app listening on 127.0.0.1, port 0. */
export interface TestApp {
  readonly url: string
  close(): Promise<void>
}

/** Builds an app with `setup` and listens on a free loopback port. */
export async function startApp(expressOf: typeof express, setup: (app: express.Express) => void): Promise<TestApp> {
  const app = expressOf()
  setup(app)
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** An answer, its JSON body parsed when there is one. */
export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  body: any
}

/**
 * Sends a GET with raw headers (a flat `[name, value, ...]` list, so a header may repeat,
 * which `fetch` cannot do).
 */
export function get(url: string, rawHeaders: string[] = []): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // With raw headers Node.js adds no Host header, which HTTP/1.1 requires.
    const headers = ['host', new URL(url).host, ...rawHeaders]
    const req = httpRequest(url, { method: 'GET', headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () => {
        let body: unknown
        try {
          body = JSON.parse(text)
        } catch {
          body = text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
      })
    })
    req.on('error', reject)
    req.end()
  })
}
