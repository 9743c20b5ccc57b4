/**
 * The layers of every package, read from the sources: no import circle, no layer reaching
 * upward, no file over 400 lines. The graph reader is the verifier's (dependency-free).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { findCircles, importsAcross, readImportGraph } from '../../packages/verifier/test/helpers/import-graph.js'

const PACKAGES = fileURLToPath(new URL('../../packages/', import.meta.url))
const MAX_LINES = 400

/** Imports that name a package (not `./` or `../`), each as `file -> specifier`. */
function packageImports(name: string): string[] {
  const src = join(PACKAGES, name, 'src')
  const lines: string[] = []
  for (const file of readImportGraph(src).keys()) {
    const text = readFileSync(join(src, file), 'utf8')
    for (const match of text.matchAll(/^[ \t]*(?:import|export)\b[^'"`;]*?\bfrom[ \t]*['"]([^./'"][^'"]*)['"]/gm)) {
      lines.push(`${file} -> ${match[1]}`)
    }
    for (const match of text.matchAll(/\bimport\(\s*['"]([^./'"][^'"]*)['"]\s*\)/g)) lines.push(`${file} -> ${match[1]}`)
  }
  return lines
}

const ours = (lines: string[]): string[] => lines.filter((line) => !/ -> node:/.test(line))

describe.each(readdirSync(PACKAGES).sort())('the sources of packages/%s', (name) => {
  const graph = readImportGraph(join(PACKAGES, name, 'src'))

  it('are read', () => {
    expect(graph.size).toBeGreaterThan(0)
    expect(graph.has('index.ts')).toBe(true)
  })

  it('have no import circle', () => {
    expect(findCircles(graph)).toEqual([])
  })

  it(`have no file over ${MAX_LINES} lines`, () => {
    const long = [...graph.keys()]
      .map((file) => ({ file, lines: readFileSync(join(PACKAGES, name, 'src', file), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES)
    expect(long).toEqual([])
  })
})

describe('the layers of @jwtis/issuer', () => {
  const graph = readImportGraph(join(PACKAGES, 'issuer', 'src'))

  it('has the folders the rules below speak of', () => {
    const folders = new Set([...graph.keys()].map((file) => file.split('/')[0]))
    for (const folder of ['jose', 'crypto', 'core', 'http', 'cli', 'store']) expect(folders).toContain(folder)
  })

  it('keeps the hand-written JOSE and the crypto below everything: they import neither core, http nor cli', () => {
    expect(importsAcross(graph, 'jose', ['core', 'http', 'cli', 'store', 'crypto'])).toEqual([])
    expect(importsAcross(graph, 'crypto', ['core', 'http', 'cli', 'store'])).toEqual([])
    const above = [...graph].filter(([file]) => /^(?:jose|crypto)\//.test(file)).flatMap(([file, imports]) =>
      imports.filter((to) => to === 'errors.ts' || to === 'index.ts').map((to) => `${file} -> ${to}`),
    )
    expect(above).toEqual([])
  })

  it('keeps core below the HTTP API and the CLI', () => {
    expect(importsAcross(graph, 'core', ['http', 'cli'])).toEqual([])
  })

  it('keeps the stores below everything but the store contract', () => {
    expect(importsAcross(graph, 'store', ['http', 'cli', 'core'])).toEqual([])
  })

  it('keeps the HTTP API out of the CLI', () => {
    expect(importsAcross(graph, 'http', ['cli'])).toEqual([])
  })
})

describe('the packages the others stand on', () => {
  it('@jwtis/client imports nothing: no package, not even node', () => {
    expect(packageImports('client')).toEqual([])
  })

  it('@jwtis/express does not import the issuer', () => {
    expect(packageImports('express').filter((line) => line.includes('@jwtis/issuer'))).toEqual([])
  })

  it('@jwtis/verifier imports no other package of ours', () => {
    expect(ours(packageImports('verifier')).filter((line) => line.includes('@jwtis/'))).toEqual([])
  })

  it('the reader sees package imports where they are', () => {
    expect(packageImports('express').some((line) => line.includes('@jwtis/verifier'))).toBe(true)
  })
})
