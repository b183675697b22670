//! A small, synchronous SQLite handle for Histune's study storage. SQLite is compiled in (rusqlite's
//! `bundled` feature), so the Node binding needs no system library and no rebuild for Electron.
//! The SQL itself (Optuna's RDB schema) lives on the TypeScript side.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{params_from_iter, Connection, OpenFlags};

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

#[derive(Debug)]
pub struct StoreError {
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        let code = match &e {
            rusqlite::Error::SqliteFailure(err, _) => match err.code {
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => "E_BUSY",
                rusqlite::ErrorCode::ConstraintViolation => "E_CONSTRAINT",
                rusqlite::ErrorCode::NotADatabase => "E_NOT_A_DATABASE",
                _ => "E_SQLITE",
            },
            _ => "E_SQLITE",
        };
        StoreError { code, message: e.to_string() }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub struct RunResult {
    pub changes: u64,
    pub last_insert_rowid: i64,
}

pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

pub struct Database {
    conn: Connection,
}

/// Refuses a file that exists, is not empty and is not an SQLite database, before SQLite touches it.
fn check_header(path: &Path) -> Result<()> {
    let Ok(mut file) = File::open(path) else { return Ok(()) };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(StoreError { code: "E_IO", message: format!("{}: {e}", path.display()) }),
        }
    }
    if read == 0 || (read == header.len() && &header == SQLITE_HEADER) {
        return Ok(());
    }
    Err(StoreError {
        code: "E_NOT_A_DATABASE",
        message: format!("{} exists and is not an SQLite database; refusing to open it", path.display()),
    })
}

impl Database {
    /// Opens (creating if absent) a database file in WAL mode with a busy timeout, so several
    /// processes can share one study file.
    pub fn open(path: &str, busy_timeout_ms: u64) -> Result<Self> {
        let p = Path::new(path);
        if path != ":memory:" {
            check_header(p)?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(p, flags)?;
        conn.busy_timeout(Duration::from_millis(busy_timeout_ms))?;
        // Reading the schema first surfaces "file is not a database" before any write.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
        if path != ":memory:" {
            conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
            // In WAL mode NORMAL never corrupts the file; a power cut may only lose the last commits.
            conn.execute_batch("PRAGMA synchronous=NORMAL")?;
        }
        Ok(Database { conn })
    }

    pub fn exec(&self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql)?;
        Ok(())
    }

    pub fn query(&self, sql: &str, params: &[Value]) -> Result<Rows> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let columns: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
        let n = columns.len();
        let mut rows = stmt.query(params_from_iter(params.iter().map(to_sql)))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(n);
            for i in 0..n {
                values.push(from_sql(row.get_ref(i)?));
            }
            out.push(values);
        }
        Ok(Rows { columns, rows: out })
    }

    pub fn run(&self, sql: &str, params: &[Value]) -> Result<RunResult> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let changes = stmt.execute(params_from_iter(params.iter().map(to_sql)))? as u64;
        Ok(RunResult { changes, last_insert_rowid: self.conn.last_insert_rowid() })
    }

    /// BEGIN IMMEDIATE takes the write lock at once, so concurrent writers queue on the busy timeout
    /// instead of failing later with SQLITE_BUSY on lock upgrade.
    pub fn begin_immediate(&self) -> Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    pub fn commit(&self) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }

    pub fn rollback(&self) -> Result<()> {
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("ROLLBACK")?;
        }
        Ok(())
    }

    pub fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    pub fn close(self) -> Result<()> {
        self.conn.close().map_err(|(_, e)| e.into())
    }
}

fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Integer(i) => SqlValue::Integer(*i),
        Value::Real(f) => SqlValue::Real(*f),
        Value::Text(s) => SqlValue::Text(s.clone()),
        Value::Blob(b) => SqlValue::Blob(b.clone()),
    }
}

fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("histune-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        dir
    }

    #[test]
    fn round_trips_values() {
        let path = temp_path("roundtrip.db");
        let db = Database::open(path.to_str().unwrap(), 1000).unwrap();
        db.exec("CREATE TABLE t (a INTEGER, b FLOAT, c TEXT)").unwrap();
        let r = db
            .run("INSERT INTO t VALUES (?, ?, ?)", &[Value::Integer(3), Value::Real(0.25), Value::Text("x".into())])
            .unwrap();
        assert_eq!(r.changes, 1);
        assert_eq!(r.last_insert_rowid, 1);
        let rows = db.query("SELECT a, b, c FROM t WHERE a = ?", &[Value::Integer(3)]).unwrap();
        assert_eq!(rows.columns, vec!["a", "b", "c"]);
        assert_eq!(rows.rows, vec![vec![Value::Integer(3), Value::Real(0.25), Value::Text("x".into())]]);
        db.close().unwrap();
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn rollback_discards_writes() {
        let path = temp_path("rollback.db");
        let db = Database::open(path.to_str().unwrap(), 1000).unwrap();
        db.exec("CREATE TABLE t (a INTEGER)").unwrap();
        db.begin_immediate().unwrap();
        assert!(db.in_transaction());
        db.run("INSERT INTO t VALUES (1)", &[]).unwrap();
        db.rollback().unwrap();
        let rows = db.query("SELECT count(*) FROM t", &[]).unwrap();
        assert_eq!(rows.rows[0][0], Value::Integer(0));
        db.close().unwrap();
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn refuses_a_file_that_is_not_sqlite_and_leaves_it_untouched() {
        let path = temp_path("notes.txt");
        std::fs::write(&path, b"my precious notes, not a database\n").unwrap();
        let err = Database::open(path.to_str().unwrap(), 1000).err().expect("must refuse");
        assert_eq!(err.code, "E_NOT_A_DATABASE");
        assert_eq!(std::fs::read(&path).unwrap(), b"my precious notes, not a database\n");
        std::fs::remove_file(&path).unwrap();
    }
}
