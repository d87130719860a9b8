-- Description: hybrid stop-loss columns (seed 002's 002_add_hybrid_sl)

-- migrate:up
ALTER TABLE trades ADD COLUMN hybrid_sl_enabled BOOLEAN DEFAULT FALSE;
ALTER TABLE trades ADD COLUMN hybrid_sl_pips TEXT;

-- migrate:down
ALTER TABLE trades DROP COLUMN hybrid_sl_pips;
ALTER TABLE trades DROP COLUMN hybrid_sl_enabled;
