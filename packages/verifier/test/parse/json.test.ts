import { describe, expect, it } from 'vitest'
import { countMemberNames, parseJsonObject } from '../../src/parse/json.js'

describe('parseJsonObject', () => {
  it('parses an object into plain data', () => {
    const value = parseJsonObject('{"a":1,"b":{"c":[1,{"d":"x"}]},"constructor":"y","prototype":2}')
    expect(value).toEqual({ a: 1, b: { c: [1, { d: 'x' }] }, constructor: 'y', prototype: 2 })
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>)['d']).toBeUndefined()
  })

  it('refuses a duplicate member name at the top level', () => {
    expect(parseJsonObject('{"sub":"alice","sub":"admin"}')).toBe('has a duplicate member name')
  })

  it('refuses a duplicate member name in a nested object or an object inside an array', () => {
    expect(parseJsonObject('{"a":{"x":1,"x":2}}')).toBe('has a duplicate member name')
    expect(parseJsonObject('{"a":[{"x":1},{"y":1,"y":2}]}')).toBe('has a duplicate member name')
  })

  it('refuses duplicates spelled differently with escapes', () => {
    expect(parseJsonObject('{"admin":false,"\\u0061dmin":true}')).toBe('has a duplicate member name')
  })

  it('accepts the same name in sibling objects and in different objects', () => {
    expect(parseJsonObject('{"a":{"x":1},"b":{"x":2},"x":3}')).toEqual({ a: { x: 1 }, b: { x: 2 }, x: 3 })
  })

  it('refuses __proto__ members, even escaped or nested', () => {
    expect(parseJsonObject('{"__proto__":{"admin":true}}')).toBe('has a __proto__ member')
    expect(parseJsonObject('{"a":{"__proto__":{"admin":true}}}')).toBe('has a __proto__ member')
    expect(parseJsonObject('{"a":[{"__pro\\u0074o__":1}]}')).toBe('has a __proto__ member')
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined()
  })

  it('is not fooled by braces, colons, commas and escaped quotes inside strings', () => {
    const text = '{"a":"{\\"a\\":1,\\"a\\":2}","b":"x,\\"b\\":y","c":"\\\\","d":"\\\\\\"}"}'
    expect(parseJsonObject(text)).toEqual(JSON.parse(text))
    expect(countMemberNames(text)).toBe(4)
  })

  it('refuses what is not a JSON object', () => {
    for (const text of ['[1]', '"x"', '1', 'null', 'true']) expect(parseJsonObject(text), text).toBe('is not a JSON object')
    for (const text of ['', '{', '{"a":1,}', "{'a':1}", '{"a":1}x', '\ufeff{"a":1}', '{"a":undefined}']) {
      expect(parseJsonObject(text), text).toBe('is not valid JSON')
    }
  })

  it('refuses nesting deep enough to exhaust the stack, as a refusal not a crash', () => {
    const depth = 200_000
    const text = `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`
    const result = parseJsonObject(text)
    expect(['is nested too deeply', 'is not valid JSON']).toContain(result)
  })

  it('counts member names at every depth', () => {
    expect(countMemberNames('{}')).toBe(0)
    expect(countMemberNames('{"a":[{"b":1},{"c":2}],"d":{"e":[]}}')).toBe(5)
    expect(countMemberNames(' { "a" : "b" , "c" : [ "d" , "e" ] } ')).toBe(2)
    expect(countMemberNames('{"a')).toBe(-1)
  })
})
