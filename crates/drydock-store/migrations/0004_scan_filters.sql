-- drydock results store, schema 4: the suppression a scan ran with (JSON the binary writes: the
-- fix statuses it ignored and its .drydockignore / VEX rules), so `store rematch` and the server
-- apply it again to findings a newer advisory database brings.
ALTER TABLE scans ADD COLUMN filters TEXT;
