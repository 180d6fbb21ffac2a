"""The admin area without Reflex: usage aggregates over a date range, prices, exports, account management, audit."""
