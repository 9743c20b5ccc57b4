import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { findCircles, importsAcross, readImportGraph, readImportSpecifiers } from './helpers/import-graph.js'

const SRC = fileURLToPath(new URL('../src', import.meta.url))
const MAX_LINES = 400

describe('the import graph of src/', () => {
  const graph = readImportGraph(SRC)

  it('reads every source file and the imports that tie them', () => {
    expect(graph.size).toBeGreaterThan(40)
    expect(graph.get('index.ts')).toContain('create-verifier.ts')
    expect(graph.get('key-source.ts')).toEqual(['jwk-types.ts'])
  })

  it('has no circle', () => {
    expect(findCircles(graph)).toEqual([])
  })

  it('keeps the JWK shapes, durations and errors at the bottom: they import nothing of ours but each other', () => {
    expect(graph.get('jwk-types.ts')).toEqual([])
    expect(graph.get('duration.ts')).toEqual([])
    expect(graph.get('errors.ts')).toEqual([])
  })

  it('keeps the JWKS cache below the verifier core and the key sources', () => {
    expect(importsAcross(graph, 'jwks', ['core', 'sources', 'node'])).toEqual([])
  })

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = [...graph.keys()]
      .map((name) => ({ name, lines: readFileSync(join(SRC, name), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES)
    expect(long).toEqual([])
  })
})

describe('the import graph reader', () => {
  const folder = mkdtempSync(join(tmpdir(), 'import-graph-'))
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  function write(files: Record<string, string>): string {
    const root = mkdtempSync(join(folder, 'src-'))
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, name)), { recursive: true })
      writeFileSync(join(root, name), text)
    }
    return root
  }

  it('reads imports, type imports, re-exports and bare imports, across lines, but not words in comments', () => {
    const text = [
      "import { a } from './a.js'",
      'import type {',
      '  B,',
      '  C,',
      "} from '../b.js'",
      "export { d } from './d/index.js'",
      "export type { E } from './e.js'",
      "import './side-effect.js'",
      "import { readFileSync } from 'node:fs'",
      " * import { f } from './in-a-comment.js'",
      "// the value comes from './nowhere.js'",
      "const g = 'from ./g.js'",
    ].join('\n')
    expect(readImportSpecifiers(text)).toEqual(['./a.js', '../b.js', './d/index.js', './e.js', './side-effect.js'])
  })

  it('finds a circle of two files, and one of three through a folder', () => {
    const root = write({
      'a.ts': "import type { B } from './b.js'\nexport type A = B",
      'b.ts': "import type { A } from './a.js'\nexport type B = A",
      'c.ts': "export { d } from './deep/d.js'",
      'deep/d.ts': "import { e } from '../e.js'\nexport const d = e",
      'e.ts': "import { c } from './c.js'\nexport const e = 1",
      'leaf.ts': 'export const leaf = 1',
      'uses-leaf.ts': "import { leaf } from './leaf.js'",
    })
    const graph = readImportGraph(root)
    expect(graph.get('deep/d.ts')).toEqual(['e.ts'])
    expect(findCircles(graph)).toEqual([
      ['a.ts', 'b.ts', 'a.ts'],
      ['c.ts', 'deep/d.ts', 'e.ts', 'c.ts'],
    ])
  })

  it('finds no circle in a graph without one, and lists the imports from one folder into others', () => {
    const root = write({
      'core/a.ts': "import { b } from '../crypto/b.js'",
      'crypto/b.ts': "import { c } from '../core/c.js'",
      'core/c.ts': 'export const c = 1',
    })
    const graph = readImportGraph(root)
    expect(findCircles(graph)).toEqual([])
    expect(importsAcross(graph, 'crypto', ['core', 'http'])).toEqual(['crypto/b.ts -> core/c.ts'])
  })
})
