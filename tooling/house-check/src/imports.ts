import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'

/** How a file refers to a module. */
export type ReferenceKind = 'import' | 'export' | 'import()' | 'require' | 'import type' | 'export type'

/** One module specifier a file refers to. */
export interface ModuleReference {
  readonly specifier: string
  readonly kind: ReferenceKind
  /** 1-based. */
  readonly line: number
  /**
   * True when the reference is erased from the JavaScript: `import type …`, `export type … from`,
   * and `import('x').T` in a type position. (`import { type T } from` is kept under
   * `verbatimModuleSyntax`, so it is not type-only.)
   */
  readonly typeOnly: boolean
}

const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/
const DECLARATION_FILE = /\.d\.[cm]?ts$/

/** A test file: `*.test.ts` (any JS/TS extension), or anything in a `test/` folder. */
export function isTestFile(path: string): boolean {
  return /\.test\.[cm]?[jt]sx?$/.test(path) || path.split(/[\\/]/).includes('test')
}

/** The source files under `dir` (recursively; no `node_modules`, no `.d.ts`), sorted, absolute. */
export function listSourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  const files: string[] = []
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue
      const path = join(at, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile() && SOURCE_FILE.test(entry.name) && !DECLARATION_FILE.test(entry.name))
        files.push(path)
    }
  }
  walk(dir)
  return files.sort()
}

/**
 * Every module a file refers to: static `import … from` / `import '…'`, `export … from`,
 * `import('…')` (in code and in types), `require('…')`, and `import x = require('…')`. Read with
 * TypeScript's parser, so strings and comments that merely look like imports are not counted.
 */
export function moduleReferences(file: string, text: string = readFileSync(file, 'utf8')): ModuleReference[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file))
  const references: ModuleReference[] = []
  const add = (node: ts.Node, literal: ts.Node | undefined, kind: ReferenceKind, typeOnly: boolean): void => {
    if (!literal || !ts.isStringLiteralLike(literal)) return
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
    references.push({ specifier: literal.text, kind, line, typeOnly })
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const typeOnly = node.importClause?.isTypeOnly === true
      add(node, node.moduleSpecifier, typeOnly ? 'import type' : 'import', typeOnly)
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node, node.moduleSpecifier, node.isTypeOnly ? 'export type' : 'export', node.isTypeOnly)
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, 'require', node.isTypeOnly)
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument
      if (ts.isLiteralTypeNode(argument)) add(node, argument.literal, 'import()', true)
    } else if (ts.isCallExpression(node)) {
      const [first] = node.arguments
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, first, 'import()', false)
      else if (ts.isIdentifier(node.expression) && node.expression.text === 'require')
        add(node, first, 'require', false)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return references
}

function scriptKind(file: string): ts.ScriptKind {
  if (/\.tsx$/.test(file)) return ts.ScriptKind.TSX
  if (/\.jsx$/.test(file)) return ts.ScriptKind.JSX
  if (/\.[cm]?js$/.test(file)) return ts.ScriptKind.JS
  return ts.ScriptKind.TS
}

/** The package a bare specifier names (`@ledgerport/core/testing` → `@ledgerport/core`); undefined for paths and `node:`. */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.includes(':')) return undefined
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/**
 * The file a relative specifier points to, as TypeScript's `nodenext` resolution finds it in the
 * sources: `./x.js` → `./x.ts` (or `.tsx`, or `./x.js` itself), `./x.mjs` → `./x.mts`, `./x.cjs` →
 * `./x.cts`, and, for extensionless specifiers, `./x.ts` or `./x/index.ts`. Undefined when none exists
 * or the specifier is not relative.
 */
export function resolveRelative(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../') && specifier !== '.' && specifier !== '..')
    return undefined
  const base = resolve(dirname(fromFile), specifier)
  const candidates: string[] = []
  const swap = (from: string, to: ReadonlyArray<string>): void => {
    const stem = base.slice(0, -from.length)
    for (const ext of to) candidates.push(stem + ext)
  }
  if (base.endsWith('.js')) swap('.js', ['.ts', '.tsx', '.js'])
  else if (base.endsWith('.jsx')) swap('.jsx', ['.tsx', '.jsx'])
  else if (base.endsWith('.mjs')) swap('.mjs', ['.mts', '.mjs'])
  else if (base.endsWith('.cjs')) swap('.cjs', ['.cts', '.cjs'])
  else if (/\.[cm]?tsx?$/.test(base)) candidates.push(base)
  else
    for (const ext of ['.ts', '.tsx', '.js', '/index.ts', '/index.tsx', '/index.js'])
      candidates.push(base + ext)
  return candidates.find((c) => existsSync(c) && statSync(c).isFile())
}

/** A path for messages: relative to `root`, with forward slashes. */
export function displayPath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/')
}
