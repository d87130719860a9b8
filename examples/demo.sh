#!/usr/bin/env bash
# The main job on the embedded SQLite default: evolve a bot database's schema, then migrate trading
# data into the canonical model in ./ledgerport.db and verify it.
set -euo pipefail
cd "$(dirname "$0")/.."
ledgerport() { node apps/cli/dist/bin.js "$@"; }

echo "== schema migrations on a bot database (sqlite:./bot.db) =="
ledgerport migrate latest --url sqlite:./bot.db --migrations examples/migrations
ledgerport migrate list --url sqlite:./bot.db --migrations examples/migrations

echo "== data migration into sqlite:./ledgerport.db =="
ledgerport run --from synthetic --trades 2000 --yes
ledgerport verify --from synthetic --trades 2000
ledgerport runs --limit 5
