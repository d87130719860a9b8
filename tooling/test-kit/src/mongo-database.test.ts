import { MongoClient } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { mongoFixture } from './fixtures/mongo.js'
import { createMongoDatabase, mongoUrlWithDatabase } from './mongo-database.js'

describe('createMongoDatabase', () => {
  it('replaces the database of a URL, keeping hosts, options and where the user authenticates', () => {
    expect(mongoUrlWithDatabase('mongodb://127.0.0.1:27017', 'lp_x')).toBe('mongodb://127.0.0.1:27017/lp_x')
    expect(mongoUrlWithDatabase('mongodb://a:1,b:2/app?replicaSet=rs0', 'lp_x')).toBe(
      'mongodb://a:1,b:2/lp_x?replicaSet=rs0',
    )
    expect(mongoUrlWithDatabase('mongodb://u:p@h/app', 'lp_x')).toBe('mongodb://u:p@h/lp_x?authSource=app')
    expect(mongoUrlWithDatabase('mongodb+srv://u:p@cluster.example.net/?retryWrites=true', 'lp_x')).toBe(
      'mongodb+srv://u:p@cluster.example.net/lp_x?retryWrites=true&authSource=admin',
    )
    expect(mongoUrlWithDatabase('mongodb://u:p@h/app?authSource=admin', 'lp_x')).toBe(
      'mongodb://u:p@h/lp_x?authSource=admin',
    )
    expect(() => mongoUrlWithDatabase('postgres://h/db', 'x')).toThrow(/mongodb:\/\//)
  })

  it('loads a fixture through the driver into a fresh database, and drops it', async () => {
    const db = await createMongoDatabase('lp_kit')
    expect(db.name).toMatch(/^lp_kit_[0-9a-f]{12}$/)
    expect(db.url.endsWith(`/${db.name}`) || db.url.includes(`/${db.name}?`)).toBe(true)
    expect(db.server === undefined).toBe(Boolean(process.env.MONGODB_URL))
    const fixture = mongoFixture({ ugly: true })
    await db.load(fixture)
    const client = new MongoClient(db.url)
    try {
      const names = (await client.db().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name)
      expect(names.sort()).toEqual(['botinstances', 'portfoliosnapshots', 'trades', 'users'])
      expect(await client.db().collection('users').countDocuments()).toBe(fixture.users.length)
    } finally {
      await client.close()
    }
    await db.drop()
    if (db.server) {
      expect(db.server.documents(db.name, 'users')).toEqual([])
      return
    }
    const check = new MongoClient(db.url)
    try {
      expect(await check.db().listCollections().toArray()).toEqual([])
    } finally {
      await check.close()
    }
  })
})
