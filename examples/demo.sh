#!/usr/bin/env bash
# The main job on the embedded SQLite default: evolve a bot database's schema, then migrate a broker
# bot's JSON files and paper-trading folder into the canonical model in ./ledgerport.db and verify.
set -euo pipefail
cd "$(dirname "$0")/.."
ledgerport() { node apps/ledgerport/dist/bin.js "$@"; }

echo "== schema migrations on a bot database (sqlite:./bot.db) =="
ledgerport migrate latest --url sqlite:./bot.db --migrations examples/migrations
ledgerport migrate list --url sqlite:./bot.db --migrations examples/migrations

echo "== broker bot data into sqlite:./ledgerport.db =="
node examples/write-sample-data.mjs sample
ledgerport run --from json-files --data-dir sample/data --user-id 1 --timezone Asia/Kolkata --yes
ledgerport run --from paper-trading --dir sample/paper_trading/unified_service --user-id 1 --timezone Asia/Kolkata --yes
ledgerport verify --from json-files --data-dir sample/data --user-id 1 --timezone Asia/Kolkata
ledgerport verify --from paper-trading --dir sample/paper_trading/unified_service --user-id 1 --timezone Asia/Kolkata
ledgerport runs --limit 5
