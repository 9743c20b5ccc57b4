/**
 * Reads the import graph of a source folder and finds circles in it. Dependency-free (only
 * node:fs and node:path), so any package's tests can import it. The parser is deliberately
 * simple: it reads the static `import ... from './x.js'`, `export ... from './x.js'` and
 * `import './x.js'` statements that start a line, type-only ones included (a circle of types
 * still ties two files together), and follows relative specifiers only.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

/** Each source file (relative to the folder, with `/`) and the files it imports, in order. */
export type ImportGraph = Map<string, string[]>

const STATEMENT = /^[ \t]*(?:import|export)(?:[ \t]+type)?\b[^'"`;]*?\bfrom[ \t]*['"](\.{1,2}\/[^'"]+)['"]/gm
const BARE_IMPORT = /^[ \t]*import[ \t]*['"](\.{1,2}\/[^'"]+)['"]/gm
const SOURCE = /\.(?:ts|mts|cts|tsx)$/
const DECLARATION = /\.d\.(?:ts|mts|cts)$/

/** The relative specifiers a file's text imports or re-exports, in order of appearance. */
export function readImportSpecifiers(text: string): string[] {
  const found: { at: number; specifier: string }[] = []
  for (const pattern of [STATEMENT, BARE_IMPORT]) {
    for (const match of text.matchAll(pattern)) found.push({ at: match.index, specifier: match[1]! })
  }
  return found.sort((a, b) => a.at - b.at).map(({ specifier }) => specifier)
}

/**
 * Reads every TypeScript source under `folder` (declaration files aside) and the relative
 * imports of each, resolved to files of the folder: `./x.js` is `x.ts` (NodeNext writes the
 * emitted name). An import that leaves the folder or names no file is kept as written.
 *
 * @example
 * ```ts
 * const graph = readImportGraph(fileURLToPath(new URL('../src', import.meta.url)))
 * expect(findCircles(graph)).toEqual([])
 * ```
 */
export function readImportGraph(folder: string): ImportGraph {
  const root = resolve(folder)
  const graph: ImportGraph = new Map()
  for (const file of listSources(root)) {
    const name = toName(root, file)
    const imports = readImportSpecifiers(readFileSync(file, 'utf8')).map((specifier) =>
      toName(root, resolveSpecifier(dirname(file), specifier)),
    )
    graph.set(name, [...new Set(imports)])
  }
  return graph
}

/**
 * Every circle of the graph, each as the files along it with the first repeated at the end
 * (`['a.ts', 'b.ts', 'a.ts']`); one circle per strongly connected set of files. Empty when
 * the graph has none.
 */
export function findCircles(graph: ImportGraph): string[][] {
  const circles: string[][] = []
  const done = new Set<string>()
  const onPath = new Map<string, number>()
  const path: string[] = []
  const reported = new Set<string>()

  const visit = (node: string): void => {
    onPath.set(node, path.length)
    path.push(node)
    for (const next of graph.get(node) ?? []) {
      const at = onPath.get(next)
      if (at !== undefined) {
        const circle = [...path.slice(at), next]
        const key = [...new Set(circle)].sort().join('\n')
        if (!reported.has(key)) {
          reported.add(key)
          circles.push(circle)
        }
      } else if (!done.has(next) && graph.has(next)) {
        visit(next)
      }
    }
    path.pop()
    onPath.delete(node)
    done.add(node)
  }

  for (const node of [...graph.keys()].sort()) if (!done.has(node)) visit(node)
  return circles
}

/** The imports from files under `fromFolder` of files under any of `toFolders`, as `from -> to` lines. */
export function importsAcross(graph: ImportGraph, fromFolder: string, toFolders: readonly string[]): string[] {
  const under = (name: string, folder: string): boolean => name.startsWith(folder.endsWith('/') ? folder : `${folder}/`)
  const lines: string[] = []
  for (const [from, imports] of graph) {
    if (!under(from, fromFolder)) continue
    for (const to of imports) if (toFolders.some((folder) => under(to, folder))) lines.push(`${from} -> ${to}`)
  }
  return lines
}

function listSources(folder: string): string[] {
  const files: string[] = []
  for (const entry of readdirSync(folder).sort()) {
    const path = join(folder, entry)
    if (statSync(path).isDirectory()) files.push(...listSources(path))
    else if (SOURCE.test(entry) && !DECLARATION.test(entry)) files.push(path)
  }
  return files
}

function resolveSpecifier(from: string, specifier: string): string {
  const target = resolve(from, specifier)
  const candidates = [target, target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts'), target.replace(/\.cjs$/, '.cts')]
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // Not this one.
    }
  }
  return target
}

function toName(root: string, file: string): string {
  return relative(root, file).split(sep).join('/')
}
