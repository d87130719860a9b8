-- Description: trades and orders of a bot, as seed 002's combined_v3 database starts

-- migrate:up
CREATE TABLE trades (
  id INTEGER PRIMARY KEY,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  quantity TEXT NOT NULL,
  entry_price TEXT NOT NULL,
  opened_at TEXT NOT NULL,
  closed_at TEXT
);
CREATE INDEX idx_trades_symbol ON trades (symbol);

-- migrate:down
DROP TABLE trades;
