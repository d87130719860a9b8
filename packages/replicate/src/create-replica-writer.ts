import type { DatabaseConnection } from '@ledgerport/core'
import { PostgresReplicaWriter } from './postgres-replica-writer.js'
import type { ReplicaWriter } from './replica-writer.js'
import { SqliteReplicaWriter } from './sqlite-replica-writer.js'
import type { TablePlan } from './table-plan.js'

/** The writer for the target's engine. */
export function createReplicaWriter(connection: DatabaseConnection, plan: TablePlan): ReplicaWriter {
  return connection.capabilities.copy
    ? new PostgresReplicaWriter(connection, plan)
    : new SqliteReplicaWriter(connection, plan)
}
