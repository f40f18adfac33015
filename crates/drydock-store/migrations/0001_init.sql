-- drydock results store, schema 1. Written once for both backends: only types and syntax that
-- SQLite and PostgreSQL read alike (TEXT, BIGINT, BOOLEAN, ON CONFLICT). Ids are computed by
-- drydock (no AUTOINCREMENT / IDENTITY: a scan's id is a hash of its digest and database
-- version), timestamps are seconds since the Unix epoch.

-- One row per (image digest, advisory database version): writing the same scan again updates it.
CREATE TABLE scans (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    -- manifest, config (the image id) or inventory (rootfs, SBOM: a hash of the packages)
    digest_kind TEXT NOT NULL,
    db_version TEXT NOT NULL,
    db_built BIGINT,
    analyzer TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_path TEXT NOT NULL,
    config_digest TEXT,
    os_family TEXT,
    os_version TEXT,
    os_name TEXT,
    first_scanned BIGINT NOT NULL,
    last_scanned BIGINT NOT NULL,
    -- The database the stored findings were last matched against (`store rematch` moves it).
    matched_db_version TEXT NOT NULL,
    matched_at BIGINT NOT NULL,
    -- The digest's most recently written scan: what fleet queries read.
    current BOOLEAN NOT NULL,
    UNIQUE (digest, db_version)
);
CREATE INDEX scans_digest ON scans (digest);

CREATE TABLE image_refs (
    scan_id TEXT NOT NULL,
    ref TEXT NOT NULL,
    PRIMARY KEY (scan_id, ref)
);
CREATE INDEX image_refs_ref ON image_refs (ref);

CREATE TABLE layers (
    scan_id TEXT NOT NULL,
    idx BIGINT NOT NULL,
    digest TEXT,
    diff_id TEXT,
    PRIMARY KEY (scan_id, idx)
);
CREATE INDEX layers_diff_id ON layers (diff_id);

CREATE TABLE packages (
    scan_id TEXT NOT NULL,
    idx BIGINT NOT NULL,
    class TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    purl TEXT NOT NULL,
    source_name TEXT,
    source_version TEXT,
    layer BIGINT NOT NULL,
    location TEXT NOT NULL,
    unpublished BOOLEAN NOT NULL,
    PRIMARY KEY (scan_id, idx)
);
CREATE INDEX packages_name ON packages (name);
CREATE INDEX packages_source ON packages (source_name);
-- packages_purl: purl prefixes are byte ranges; migrate.rs creates it (PostgreSQL needs
-- COLLATE "C" for byte order, which SQLite's BINARY default already is).

CREATE TABLE findings (
    scan_id TEXT NOT NULL,
    idx BIGINT NOT NULL,
    finding_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT,
    package TEXT,
    installed_version TEXT,
    fixed_version TEXT,
    title TEXT NOT NULL,
    -- As the report shows it: secrets and cracked passwords already redacted.
    message TEXT NOT NULL,
    location TEXT,
    suppressed BOOLEAN NOT NULL,
    suppressed_by TEXT,
    suppressed_reason TEXT,
    PRIMARY KEY (scan_id, idx)
);
CREATE INDEX findings_id ON findings (finding_id);

CREATE TABLE finding_aliases (
    scan_id TEXT NOT NULL,
    finding_idx BIGINT NOT NULL,
    alias TEXT NOT NULL,
    PRIMARY KEY (scan_id, finding_idx, alias)
);
CREATE INDEX finding_aliases_alias ON finding_aliases (alias);

-- One `store rematch` run, and what it changed.
CREATE TABLE rematches (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    db_version TEXT NOT NULL,
    scans BIGINT NOT NULL
);

CREATE TABLE deltas (
    rematch_id TEXT NOT NULL,
    scan_id TEXT NOT NULL,
    finding_id TEXT NOT NULL,
    package TEXT NOT NULL,
    -- new or resolved
    change TEXT NOT NULL,
    severity TEXT NOT NULL,
    installed_version TEXT,
    fixed_version TEXT,
    at BIGINT NOT NULL,
    PRIMARY KEY (rematch_id, scan_id, finding_id, package, change)
);
CREATE INDEX deltas_at ON deltas (at);
