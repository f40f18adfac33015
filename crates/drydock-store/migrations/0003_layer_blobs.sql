-- drydock results store, schema 3: layer analyses shared between machines through the server,
-- by layer-cache key. Opaque to the store and the server: clients seal them (encrypted and
-- authenticated) with a key the fleet holds and the server does not. The table itself is
-- created in migrate.rs (the blob column's type differs: BLOB in SQLite, BYTEA in PostgreSQL).
SELECT 1;
