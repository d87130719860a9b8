/** How many ids a warning names before it says "…". */
const SAMPLE = 5

/**
 * Things worth the user's attention found while reading one stream (orphaned trades, invalid JSON,
 * links to rows that do not exist), counted with a few example ids, and turned into one warning each
 * at the end of the stream.
 */
export class ReadNotes {
  readonly #notes = new Map<string, { count: number; ids: string[]; message: (what: string) => string }>()

  /**
   * Counts one occurrence. `message` gets "N rows (id=1, id=2, …)" and returns the sentence; notes
   * with the same `key` are counted together.
   */
  add(key: string, id: string, message: (what: string) => string): void {
    let note = this.#notes.get(key)
    if (!note) {
      note = { count: 0, ids: [], message }
      this.#notes.set(key, note)
    }
    note.count++
    if (note.ids.length < SAMPLE) note.ids.push(id)
  }

  /** How many were counted under `key`. */
  count(key: string): number {
    return this.#notes.get(key)?.count ?? 0
  }

  /** The warnings, one per key, in the order first seen. */
  messages(): string[] {
    return [...this.#notes.values()].map((note) => {
      const more = note.count > note.ids.length ? ', …' : ''
      const rows = note.count === 1 ? '1 row' : `${note.count} rows`
      return note.message(`${rows} (id=${note.ids.join(', id=')}${more})`)
    })
  }
}
