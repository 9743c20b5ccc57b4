/**
 * The main entry must run on any runtime with WebCrypto and fetch: nothing it reaches may
 * import a `node:` module or use Node.js globals. Walks the entry's relative imports.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const IMPORT = /(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g
const NODE_GLOBALS = /\b(?:Buffer|process|require|__dirname|__filename|setImmediate)\b/

function reachable(entry: URL): Map<string, string> {
  const seen = new Map<string, string>()
  const pending = [entry]
  while (pending.length > 0) {
    const file = pending.pop()!
    if (seen.has(file.href)) continue
    const source = readFileSync(file, 'utf8')
    seen.set(file.href, source)
    for (const match of source.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3]!
      if (specifier.startsWith('.')) pending.push(new URL(specifier.replace(/\.js$/, '.ts'), file))
    }
  }
  return seen
}

function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
}

describe('the runtime-neutral entry', () => {
  const files = reachable(new URL('../src/index.ts', import.meta.url))

  it('reaches the core, the WebCrypto backend and the JWKS cache', () => {
    const names = [...files.keys()].map((href) => href.slice(href.indexOf('/src/') + 5))
    expect(names).toEqual(expect.arrayContaining(['backend/webcrypto.ts', 'core/verifier.ts', 'jwks/index.ts']))
    expect(names).not.toContain('backend/node.ts')
  })

  it('imports no node: module and uses no Node.js global', () => {
    for (const [file, source] of files) {
      const code = withoutComments(source)
      for (const match of code.matchAll(IMPORT)) {
        const specifier = match[1] ?? match[2] ?? match[3]!
        expect(specifier, file).not.toMatch(/^node:/)
        expect(['jose', 'jose/key/import', 'lru-cache', 'p-throttle'].includes(specifier) || specifier.startsWith('.'), `${file}: ${specifier}`).toBe(true)
      }
      expect(code, file).not.toMatch(NODE_GLOBALS)
    }
  })

  it('is told apart from the Node.js entry, which does use node:crypto', () => {
    const nodeFiles = reachable(new URL('../src/index.node.ts', import.meta.url))
    const sources = [...nodeFiles.values()].join('\n')
    expect(sources).toMatch(/from 'node:crypto'/)
  })
})
