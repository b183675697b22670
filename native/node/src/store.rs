//! napi binding of histune-store: `SqliteDatabase`, the SQLite handle behind Histune's study storage.
//! Parameters and rows cross as JSON values (null, number, string); rows come back as objects keyed
//! by column name. Errors carry `{"code","message"}` as JSON in the message, like the engine's.

use histune_store::{Database, StoreError, Value};
use napi_derive::napi;
use serde_json::{Map, Number, Value as Json};

fn store_error(e: StoreError) -> napi::Error {
    let payload = serde_json::json!({ "code": e.code, "message": e.message });
    napi::Error::from_reason(payload.to_string())
}

fn closed() -> napi::Error {
    store_error(StoreError { code: "E_CLOSED", message: "the database is closed".into() })
}

fn to_value(j: &Json) -> napi::Result<Value> {
    Ok(match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Integer(i64::from(*b)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::Text(s.clone()),
        other => {
            return Err(store_error(StoreError {
                code: "E_BAD_REQUEST",
                message: format!("unsupported SQL parameter {other}"),
            }))
        }
    })
}

fn to_json(v: Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Integer(i) => Json::Number(i.into()),
        Value::Real(f) => Number::from_f64(f).map(Json::Number).unwrap_or(Json::Null),
        Value::Text(s) => Json::String(s),
        Value::Blob(b) => Json::Array(b.into_iter().map(|x| Json::Number(x.into())).collect()),
    }
}

fn params(p: Option<Vec<Json>>) -> napi::Result<Vec<Value>> {
    p.unwrap_or_default().iter().map(to_value).collect()
}

#[napi(object)]
pub struct SqliteRunResult {
    pub changes: i64,
    pub last_insert_rowid: i64,
}

#[napi]
pub struct SqliteDatabase {
    inner: Option<Database>,
}

#[napi]
impl SqliteDatabase {
    /// `new SqliteDatabase(path, busyTimeoutMs?)` opens or creates `path` (WAL mode, busy timeout in
    /// ms, default 30 s). A file that exists but is not an SQLite database is refused with code
    /// E_NOT_A_DATABASE and left untouched. (A constructor rather than a static factory: napi-rs
    /// defines statics non-configurable, which index.cjs's method wrapping cannot redefine.)
    #[napi(constructor)]
    pub fn new(path: String, busy_timeout_ms: Option<u32>) -> napi::Result<Self> {
        let db = Database::open(&path, u64::from(busy_timeout_ms.unwrap_or(30_000))).map_err(store_error)?;
        Ok(SqliteDatabase { inner: Some(db) })
    }

    fn db(&self) -> napi::Result<&Database> {
        self.inner.as_ref().ok_or_else(closed)
    }

    #[napi]
    pub fn exec(&self, sql: String) -> napi::Result<()> {
        self.db()?.exec(&sql).map_err(store_error)
    }

    #[napi]
    pub fn query(&self, sql: String, params_: Option<Vec<Json>>) -> napi::Result<Vec<Map<String, Json>>> {
        let rows = self.db()?.query(&sql, &params(params_)?).map_err(store_error)?;
        Ok(rows
            .rows
            .into_iter()
            .map(|row| rows.columns.iter().cloned().zip(row.into_iter().map(to_json)).collect())
            .collect())
    }

    #[napi]
    pub fn run(&self, sql: String, params_: Option<Vec<Json>>) -> napi::Result<SqliteRunResult> {
        let r = self.db()?.run(&sql, &params(params_)?).map_err(store_error)?;
        Ok(SqliteRunResult { changes: r.changes as i64, last_insert_rowid: r.last_insert_rowid })
    }

    #[napi]
    pub fn begin_immediate(&self) -> napi::Result<()> {
        self.db()?.begin_immediate().map_err(store_error)
    }

    #[napi]
    pub fn commit(&self) -> napi::Result<()> {
        self.db()?.commit().map_err(store_error)
    }

    #[napi]
    pub fn rollback(&self) -> napi::Result<()> {
        self.db()?.rollback().map_err(store_error)
    }

    #[napi(getter)]
    pub fn in_transaction(&self) -> bool {
        self.inner.as_ref().is_some_and(|d| d.in_transaction())
    }

    #[napi]
    pub fn close(&mut self) -> napi::Result<()> {
        match self.inner.take() {
            Some(db) => db.close().map_err(store_error),
            None => Ok(()),
        }
    }
}
