//! The one trait both databases implement ([`Exec`]), and the two implementations. Every query
//! of the store is written once, in PostgreSQL's placeholder spelling (`$1`), and runs through
//! this trait; SQLite gets the same text with `?1` (its numbered placeholders), so both bind by
//! position and no value is ever spliced into SQL.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// A bound parameter or a column value: the four types the schema uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
    Bytes(Vec<u8>),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Text(s.clone())
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}
impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Value::Bytes(b)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One result row.
#[derive(Debug)]
pub(crate) struct Row(pub Vec<Value>);

impl Row {
    fn get(&self, i: usize) -> Result<&Value> {
        self.0
            .get(i)
            .ok_or_else(|| Error::Data(format!("column {i} missing from a row")))
    }

    pub fn text(&self, i: usize) -> Result<String> {
        match self.get(i)? {
            Value::Text(s) => Ok(s.clone()),
            v => Err(Error::Data(format!("column {i}: expected text, got {v:?}"))),
        }
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            v => Err(Error::Data(format!("column {i}: expected text, got {v:?}"))),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64> {
        match self.get(i)? {
            Value::Int(n) => Ok(*n),
            v => Err(Error::Data(format!(
                "column {i}: expected an integer, got {v:?}"
            ))),
        }
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::Int(n) => Ok(Some(*n)),
            v => Err(Error::Data(format!(
                "column {i}: expected an integer, got {v:?}"
            ))),
        }
    }

    pub fn bytes(&self, i: usize) -> Result<Vec<u8>> {
        match self.get(i)? {
            Value::Bytes(b) => Ok(b.clone()),
            v => Err(Error::Data(format!(
                "column {i}: expected bytes, got {v:?}"
            ))),
        }
    }

    /// SQLite keeps BOOLEAN as 0/1; PostgreSQL has the type.
    pub fn bool(&self, i: usize) -> Result<bool> {
        match self.get(i)? {
            Value::Bool(b) => Ok(*b),
            Value::Int(n) => Ok(*n != 0),
            v => Err(Error::Data(format!(
                "column {i}: expected a boolean, got {v:?}"
            ))),
        }
    }
}

/// Statements inside one transaction. Object-safe, so the store's logic is written once over
/// `&mut dyn Exec`.
pub(crate) trait Exec {
    /// Runs one statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    /// Runs one query; every row.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;
    /// Runs a script of several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<()>;
    /// Serialises schema migrations between processes. SQLite's write transactions are
    /// `IMMEDIATE` already; PostgreSQL takes a transaction-scoped advisory lock.
    fn lock_migrations(&mut self) -> Result<()>;
    /// Serialises writers of one key (an image digest) until the transaction ends: SQLite's
    /// write transactions are exclusive already; PostgreSQL takes an advisory lock.
    fn lock_key(&mut self, key: i64) -> Result<()>;
    /// Whether this is PostgreSQL: the one place the SQL differs is text ordering for purl
    /// prefixes (PostgreSQL's default collation is linguistic; see queries.rs).
    fn is_postgres(&self) -> bool;
}

/// `$1` → `?1`: SQLite's numbered placeholder. Our SQL has no `$` anywhere else (no string
/// literals with one, no dollar quoting).
pub(crate) fn sqlite_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// SQLite

pub(crate) struct Sqlite {
    conn: rusqlite::Connection,
    path: String,
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(n) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*b))),
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl Sqlite {
    /// Opens (creating) the file: WAL so readers never block the writer, a busy timeout so a
    /// second writer waits for the first instead of failing with `SQLITE_BUSY`.
    pub fn open(path: &Path) -> Result<Sqlite> {
        let name = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::Io(parent.display().to_string(), e))?;
        }
        let sql = |e| Error::Sqlite(name.clone(), e);
        let conn = rusqlite::Connection::open(path).map_err(sql)?;
        conn.busy_timeout(Duration::from_secs(60)).map_err(sql)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(sql)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Data(format!(
                "{name}: SQLite refused WAL mode (journal mode {mode}); is it on a network filesystem?"
            )));
        }
        conn.execute_batch("PRAGMA synchronous=NORMAL;")
            .map_err(sql)?;
        Ok(Sqlite { conn, path: name })
    }

    pub fn transaction<T>(&mut self, f: impl FnOnce(&mut dyn Exec) -> Result<T>) -> Result<T> {
        let name = self.path.clone();
        // IMMEDIATE: take the write lock up front (waiting out the busy timeout), so a
        // read-then-write transaction never fails halfway on a lock upgrade.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| Error::Sqlite(name.clone(), e))?;
        let mut exec = SqliteTx {
            tx: &tx,
            path: &name,
        };
        let out = f(&mut exec)?;
        tx.commit().map_err(|e| Error::Sqlite(name, e))?;
        Ok(out)
    }
}

struct SqliteTx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    path: &'a str,
}

impl SqliteTx<'_> {
    fn err(&self, e: rusqlite::Error) -> Error {
        Error::Sqlite(self.path.to_owned(), e)
    }
}

impl Exec for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut stmt = self
            .tx
            .prepare_cached(&sqlite_sql(sql))
            .map_err(|e| self.err(e))?;
        let n = stmt
            .execute(rusqlite::params_from_iter(params.iter()))
            .map_err(|e| self.err(e))?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut stmt = self
            .tx
            .prepare_cached(&sqlite_sql(sql))
            .map_err(|e| self.err(e))?;
        let columns = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let mut row = Vec::with_capacity(columns);
            for i in 0..columns {
                use rusqlite::types::ValueRef;
                row.push(match r.get_ref(i).map_err(|e| self.err(e))? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::Int(n),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
                    v => {
                        return Err(Error::Data(format!(
                            "{}: column {i} holds {:?}, not a store type",
                            self.path,
                            v.data_type()
                        )));
                    }
                });
            }
            out.push(Row(row));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.tx.execute_batch(sql).map_err(|e| self.err(e))
    }

    fn lock_migrations(&mut self) -> Result<()> {
        Ok(())
    }

    fn lock_key(&mut self, _key: i64) -> Result<()> {
        Ok(())
    }

    fn is_postgres(&self) -> bool {
        false
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

pub(crate) struct Postgres {
    client: postgres::Client,
    /// Prepared once per connection, by SQL text.
    statements: HashMap<String, postgres::Statement>,
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        use postgres::types::Type;
        match self {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Int(n) => match *ty {
                Type::INT8 => n.to_sql(ty, out),
                Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
                _ => Err(format!("integer parameter for a {ty} column").into()),
            },
            Value::Text(s) => s.to_sql(ty, out),
            Value::Bool(b) => b.to_sql(ty, out),
            Value::Bytes(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

impl Postgres {
    pub fn connect(url: &str) -> Result<Postgres> {
        let (url, rootcert) = tls_params(url)?;
        let config: postgres::Config = url
            .parse()
            .map_err(|e: postgres::Error| Error::Postgres(e.to_string()))?;
        let connected = if config.get_ssl_mode() == postgres::config::SslMode::Disable {
            config.connect(postgres::NoTls)
        } else {
            config.connect(tls_connector(rootcert.as_deref())?)
        };
        let mut client = connected.map_err(|e| {
            // The TLS cause (rustls' certificate error) is in the source chain, not the text.
            let mut text = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                text.push_str(": ");
                text.push_str(&c.to_string());
                cause = c.source();
            }
            let hint = if text.contains("certificate") || text.contains("Certificate") {
                " (is the server's CA trusted? give sslrootcert=FILE in the URL)"
            } else {
                ""
            };
            Error::Postgres(format!("{text}{hint}"))
        })?;
        // The store's statements are short lookups, but fleet-sized row estimates push their
        // cost past jit_above_cost: compiling them took ~230 ms of a 240 ms query at 10,000
        // images. (A server without JIT, before PostgreSQL 11, has no such setting: ignored.)
        let _ = client.batch_execute("SET jit = off");
        Ok(Postgres {
            client,
            statements: HashMap::new(),
        })
    }

    pub fn transaction<T>(&mut self, f: impl FnOnce(&mut dyn Exec) -> Result<T>) -> Result<T> {
        let tx = self.client.transaction().map_err(pg)?;
        let mut exec = PgTx {
            tx,
            statements: &mut self.statements,
        };
        let out = f(&mut exec)?;
        exec.tx.commit().map_err(pg)?;
        Ok(out)
    }
}

/// libpq's TLS parameters that tokio-postgres does not read: `sslrootcert=FILE` (taken out and
/// returned) and `sslmode=verify-ca|verify-full`, which become `require`: with rustls every TLS
/// connection verifies the certificate and the host name, so `require` here is `verify-full`.
/// Without `sslmode` tokio-postgres prefers TLS when the server offers it (verified too).
fn tls_params(url: &str) -> Result<(String, Option<String>)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), None));
    };
    let mut rootcert = None;
    let mut kept = Vec::new();
    for kv in query.split('&').filter(|kv| !kv.is_empty()) {
        match kv.split_once('=') {
            Some(("sslrootcert", v)) => rootcert = Some(v.to_owned()),
            Some(("sslmode", "verify-full" | "verify-ca")) => {
                kept.push("sslmode=require".to_owned())
            }
            Some(("sslmode", "allow")) => kept.push("sslmode=prefer".to_owned()),
            _ => kept.push(kv.to_owned()),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, rootcert))
}

/// rustls on ring with the system's trusted roots and `sslrootcert`'s certificates.
fn tls_connector(rootcert: Option<&str>) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(c);
    }
    if let Some(path) = rootcert {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|i| i.collect::<std::result::Result<_, _>>())
            .map_err(|e| Error::Postgres(format!("sslrootcert {path}: {e}")))?;
        if certs.is_empty() {
            return Err(Error::Postgres(format!(
                "sslrootcert {path}: no PEM certificate in it"
            )));
        }
        for c in certs {
            roots
                .add(c)
                .map_err(|e| Error::Postgres(format!("sslrootcert {path}: {e}")))?;
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Postgres(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

fn pg(e: postgres::Error) -> Error {
    Error::Postgres(e.to_string())
}

struct PgTx<'a> {
    tx: postgres::Transaction<'a>,
    statements: &'a mut HashMap<String, postgres::Statement>,
}

impl PgTx<'_> {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql).map_err(pg)?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

fn pg_params(params: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| p as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

impl Exec for PgTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let stmt = self.statement(sql)?;
        self.tx.execute(&stmt, &pg_params(params)).map_err(pg)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        use postgres::types::Type;
        let stmt = self.statement(sql)?;
        let rows = self.tx.query(&stmt, &pg_params(params)).map_err(pg)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut row = Vec::with_capacity(r.len());
            for (i, c) in r.columns().iter().enumerate() {
                let v = match *c.type_() {
                    Type::INT8 => r.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
                    Type::INT4 => r
                        .try_get::<_, Option<i32>>(i)
                        .map(|v| v.map(|n| Value::Int(n.into()))),
                    Type::INT2 => r
                        .try_get::<_, Option<i16>>(i)
                        .map(|v| v.map(|n| Value::Int(n.into()))),
                    Type::BOOL => r.try_get::<_, Option<bool>>(i).map(|v| v.map(Value::Bool)),
                    Type::BYTEA => r
                        .try_get::<_, Option<Vec<u8>>>(i)
                        .map(|v| v.map(Value::Bytes)),
                    Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => r
                        .try_get::<_, Option<String>>(i)
                        .map(|v| v.map(Value::Text)),
                    ref t => {
                        return Err(Error::Data(format!(
                            "column {} is of type {t}, not a store type",
                            c.name()
                        )));
                    }
                };
                row.push(v.map_err(pg)?.unwrap_or(Value::Null));
            }
            out.push(Row(row));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.tx.batch_execute(sql).map_err(pg)
    }

    fn lock_migrations(&mut self) -> Result<()> {
        // Any constant both sides agree on: "drydock" in ASCII, fits in a bigint.
        self.tx
            .execute("SELECT pg_advisory_xact_lock(28258175745139563)", &[])
            .map_err(pg)?;
        Ok(())
    }

    fn lock_key(&mut self, key: i64) -> Result<()> {
        self.tx
            .execute("SELECT pg_advisory_xact_lock($1)", &[&key])
            .map_err(pg)?;
        Ok(())
    }

    fn is_postgres(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn libpq_tls_parameters() {
        assert_eq!(
            super::tls_params("postgres://u@h/db").unwrap(),
            ("postgres://u@h/db".into(), None)
        );
        assert_eq!(
            super::tls_params(
                "postgres://u@h/db?sslmode=verify-full&sslrootcert=/ca.pem&application_name=x"
            )
            .unwrap(),
            (
                "postgres://u@h/db?sslmode=require&application_name=x".into(),
                Some("/ca.pem".into())
            )
        );
    }

    #[test]
    fn placeholders_become_sqlite_numbered() {
        assert_eq!(
            super::sqlite_sql("SELECT a FROM t WHERE b = $1 AND c = $12"),
            "SELECT a FROM t WHERE b = ?1 AND c = ?12"
        );
    }
}
