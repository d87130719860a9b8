/**
 * Remembers keys seen in a file without keeping the keys: an open-addressing hash table of 53-bit
 * hashes (16 bytes a key), so de-duplicating a million trades takes about 32 MB, not the hundreds a
 * `Map` of strings would. Each key has a `group` (e.g. symbol + entry time) and a `detail` (price +
 * quantity): the table is keyed by the group's hash and stores, for the first record of each group,
 * its position and a 32-bit hash of its detail; groups with more than one distinct record (rare) are
 * kept exactly in a small map.
 */
export class SeenKeys {
  #hashes = new Float64Array(1 << 12)
  #positions = new Int32Array(1 << 12)
  #details = new Uint32Array(1 << 12)
  #size = 0
  /** Groups with several distinct records, by group text: their details and positions. */
  readonly #crowded = new Map<string, Array<{ detail?: string; detailHash: number; position: number }>>()

  /** How many groups are stored. */
  get size(): number {
    return this.#size
  }

  /**
   * Records a key. Returns `{ duplicateOf }` (the position of the first record with the same group
   * and detail) when it was seen, else `{ ordinal }`: 1 for the first record of its group, 2 for the
   * second distinct one, and so on.
   */
  add(group: string, detail: string, position: number): { duplicateOf: number } | { ordinal: number } {
    const detailHash = fnv1a(detail)
    const crowded = this.#crowded.get(group)
    if (crowded) {
      const same = crowded.find((entry) =>
        entry.detail === undefined ? entry.detailHash === detailHash : entry.detail === detail,
      )
      if (same) return { duplicateOf: same.position }
      crowded.push({ detail, detailHash, position })
      return { ordinal: crowded.length }
    }
    const hash = hash53(group) + 1 // 0 marks an empty slot
    const mask = this.#hashes.length - 1
    let slot = hash % this.#hashes.length
    for (;;) {
      const stored = this.#hashes[slot]!
      if (stored === 0) break
      if (stored === hash) {
        const first = this.#positions[slot]!
        if (this.#details[slot] === detailHash) return { duplicateOf: first }
        // A second distinct record of this group: keep the group exactly from now on. The first
        // record's detail is known only by its hash, which is enough to compare later details.
        this.#crowded.set(group, [
          { detailHash: this.#details[slot]!, position: first },
          { detail, detailHash, position },
        ])
        return { ordinal: 2 }
      }
      slot = (slot + 1) & mask
    }
    this.#hashes[slot] = hash
    this.#positions[slot] = position
    this.#details[slot] = detailHash
    this.#size++
    if (this.#size * 4 > this.#hashes.length * 3) this.#grow()
    return { ordinal: 1 }
  }

  /**
   * The position stored for a key, without recording it: that of the first record with this group
   * and detail, or `undefined` when none was added.
   */
  find(group: string, detail = ''): number | undefined {
    const detailHash = fnv1a(detail)
    const crowded = this.#crowded.get(group)
    if (crowded) {
      const same = crowded.find((entry) =>
        entry.detail === undefined ? entry.detailHash === detailHash : entry.detail === detail,
      )
      return same?.position
    }
    const hash = hash53(group) + 1
    const mask = this.#hashes.length - 1
    let slot = hash % this.#hashes.length
    for (;;) {
      const stored = this.#hashes[slot]!
      if (stored === 0) return undefined
      if (stored === hash) return this.#details[slot] === detailHash ? this.#positions[slot] : undefined
      slot = (slot + 1) & mask
    }
  }

  #grow(): void {
    const hashes = this.#hashes
    const positions = this.#positions
    const details = this.#details
    const capacity = hashes.length * 2
    this.#hashes = new Float64Array(capacity)
    this.#positions = new Int32Array(capacity)
    this.#details = new Uint32Array(capacity)
    const mask = capacity - 1
    for (let i = 0; i < hashes.length; i++) {
      const hash = hashes[i]!
      if (hash === 0) continue
      let slot = hash % capacity
      while (this.#hashes[slot] !== 0) slot = (slot + 1) & mask
      this.#hashes[slot] = hash
      this.#positions[slot] = positions[i]!
      this.#details[slot] = details[i]!
    }
  }
}

/** cyrb53: a fast 53-bit string hash (public domain, bryc). */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507)
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507)
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/** FNV-1a, 32 bits. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}
