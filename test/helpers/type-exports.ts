import { readFileSync } from 'node:fs'

/**
 * The type names an entry file exports, read from its source (types leave no runtime
 * trace), sorted: what each package's export snapshot test pins.
 */
export function typeExports(file: URL): string[] {
  const source = readFileSync(file, 'utf8')
  const names: string[] = []
  for (const [, list] of source.matchAll(/export type \{([^}]*)\}/g)) names.push(...list!.split(',').map((n) => n.trim()))
  for (const [, list] of source.matchAll(/export \{([^}]*)\}/g)) {
    for (const item of list!.split(',')) if (item.trim().startsWith('type ')) names.push(item.trim().slice(5))
  }
  return names.filter(Boolean).sort()
}
