-- drydock results store, schema 2: the server's bearer tokens. Only a SHA-256 of each token is
-- kept (tokens are 256 random bits, so a fast hash is enough: there is nothing to guess), with
-- the scopes it grants (comma-separated: read, submit, admin).
CREATE TABLE api_tokens (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used BIGINT
);
