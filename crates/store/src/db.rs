//! The registration database (SQLite): which paths are valid, their NAR hash and size,
//! deriver, content address and references. The schema follows Nix's `ValidPaths`/`Refs`.

use crate::error::StoreError;
use nest_nixcompat::{Hash, HashAlgo, StoreDir, StorePath};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeSet;
use std::path::Path;

const SCHEMA: &str = "
create table if not exists ValidPaths (
    id               integer primary key autoincrement not null,
    path             text unique not null,
    hash             text not null,
    registrationTime integer not null,
    deriver          text,
    narSize          integer,
    ultimate         integer,
    sigs             text,
    ca               text
);
create table if not exists Refs (
    referrer  integer not null,
    reference integer not null,
    primary key (referrer, reference),
    foreign key (referrer) references ValidPaths(id) on delete cascade,
    foreign key (reference) references ValidPaths(id) on delete restrict
);
create index if not exists IndexReferrer on Refs(referrer);
create index if not exists IndexReference on Refs(reference);
create table if not exists SchemaVersion (version integer not null);
";

/// Everything registered about one valid path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathInfo {
    pub path: StorePath,
    pub nar_hash: Hash,
    pub nar_size: u64,
    pub deriver: Option<StorePath>,
    pub references: BTreeSet<StorePath>,
    /// Seconds since the epoch.
    pub registration_time: i64,
    /// Content address (`text:sha256:…`, `fixed:r:sha256:…`), when the path has one.
    pub ca: Option<String>,
}

/// id, hash, registrationTime, deriver, narSize, ca.
type Row = (
    i64,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
);

pub struct Db {
    conn: Connection,
}

/// Whether SQLite refused for a lock another connection holds.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Db {
    /// Opens (creating if needed) the database. Processes that open a new database at
    /// the same moment race to switch it to WAL and to create its tables; SQLite
    /// answers the loser "database is locked" at once for those steps (its busy
    /// handler is not called where waiting could deadlock), so the setup is retried
    /// until it succeeds or a minute has passed.
    pub fn open(file: &Path) -> Result<Db, StoreError> {
        let ctx = format!("opening '{}'", file.display());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut pause = std::time::Duration::from_millis(2);
        loop {
            match Db::try_open(file) {
                Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_millis(100));
                }
                r => return r.map_err(StoreError::db(ctx)),
            }
        }
    }

    fn try_open(file: &Path) -> rusqlite::Result<Db> {
        let mut conn = Connection::open(file)?;
        conn.busy_timeout(std::time::Duration::from_secs(60))?;
        conn.pragma_update(None, "journal_mode", "wal")?;
        conn.pragma_update(None, "synchronous", "normal")?;
        conn.pragma_update(None, "foreign_keys", "on")?;
        // The write lock first (IMMEDIATE), so that a writer busy with the same setup
        // is waited for instead of failing a read lock's upgrade.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(SCHEMA)?;
        let v: Option<i64> = tx
            .query_row("select version from SchemaVersion", [], |r| r.get(0))
            .optional()?;
        if v.is_none() {
            tx.execute("insert into SchemaVersion (version) values (1)", [])?;
        }
        tx.commit()?;
        Ok(Db { conn })
    }

    fn id_of(&self, dir: &StoreDir, p: &StorePath) -> Result<Option<i64>, StoreError> {
        self.conn
            .prepare_cached("select id from ValidPaths where path = ?1")
            .and_then(|mut s| s.query_row([dir.print(p)], |r| r.get(0)).optional())
            .map_err(StoreError::db(format!("looking up '{}'", dir.print(p))))
    }

    pub fn is_valid(&self, dir: &StoreDir, p: &StorePath) -> Result<bool, StoreError> {
        Ok(self.id_of(dir, p)?.is_some())
    }

    /// Registers `infos` in one transaction. References must be valid already or be
    /// among `infos` (self-references included).
    pub fn register(&mut self, dir: &StoreDir, infos: &[PathInfo]) -> Result<(), StoreError> {
        let ctx = "registering paths";
        let tx = self.conn.transaction().map_err(StoreError::db(ctx))?;
        for i in infos {
            let printed = dir.print(&i.path);
            // Cached statements: every built or added path comes through here, and an
            // uncached statement is parsed and planned again on each call.
            tx.prepare_cached(
                "insert into ValidPaths (path, hash, registrationTime, deriver, narSize, ca) values (?1, ?2, ?3, ?4, ?5, ?6)
                 on conflict (path) do update set hash = excluded.hash, narSize = excluded.narSize, ca = excluded.ca, deriver = coalesce(excluded.deriver, deriver)",
            )
            .and_then(|mut st| st.execute(params![
                    printed,
                    format!("sha256:{}", i.nar_hash.to_base16()),
                    if i.registration_time == 0 { now() } else { i.registration_time },
                    i.deriver.as_ref().map(|d| dir.print(d)),
                    i.nar_size as i64,
                    i.ca
                ]))
            .map_err(StoreError::db(format!("registering '{printed}'")))?;
        }
        for i in infos {
            let printed = dir.print(&i.path);
            for r in &i.references {
                let n = tx
                    .prepare_cached(
                        "insert or ignore into Refs (referrer, reference)
                         select a.id, b.id from ValidPaths a, ValidPaths b where a.path = ?1 and b.path = ?2",
                    )
                    .and_then(|mut st| st.execute(params![printed, dir.print(r)]))
                    .map_err(StoreError::db(format!("registering references of '{printed}'")))?;
                if n == 0 {
                    let exists: Option<i64> = tx
                        .query_row("select 1 from Refs, ValidPaths a, ValidPaths b where a.path = ?1 and b.path = ?2 and referrer = a.id and reference = b.id", params![printed, dir.print(r)], |r| r.get(0))
                        .optional()
                        .map_err(StoreError::db(ctx))?;
                    if exists.is_none() {
                        return Err(StoreError::InvalidReference {
                            path: printed,
                            reference: dir.print(r),
                        });
                    }
                }
            }
        }
        tx.commit().map_err(StoreError::db(ctx))
    }

    pub fn query(&self, dir: &StoreDir, p: &StorePath) -> Result<Option<PathInfo>, StoreError> {
        let printed = dir.print(p);
        let row: Option<Row> = self
            .conn
            .prepare_cached("select id, hash, registrationTime, deriver, narSize, ca from ValidPaths where path = ?1")
            .and_then(|mut s| s.query_row([&printed], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))).optional())
            .map_err(StoreError::db(format!("querying '{printed}'")))?;
        let Some(row) = row else { return Ok(None) };
        let references = self.references_by_id(dir, row.0, &printed)?;
        row_to_info(dir, &printed, row, references).map(Some)
    }

    fn references_by_id(
        &self,
        dir: &StoreDir,
        id: i64,
        printed: &str,
    ) -> Result<BTreeSet<StorePath>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "select path from Refs join ValidPaths on reference = id where referrer = ?1",
            )
            .map_err(StoreError::db("preparing reference query"))?;
        let rows = stmt
            .query_map([id], |r| r.get::<_, String>(0))
            .map_err(StoreError::db(format!("references of '{printed}'")))?;
        let mut out = BTreeSet::new();
        for r in rows {
            let s = r.map_err(StoreError::db(format!("references of '{printed}'")))?;
            out.insert(dir.parse(&s).map_err(|e| StoreError::CorruptDb {
                path: printed.to_string(),
                what: format!("reference '{s}': {e}"),
            })?);
        }
        Ok(out)
    }

    pub fn references(
        &self,
        dir: &StoreDir,
        p: &StorePath,
    ) -> Result<BTreeSet<StorePath>, StoreError> {
        match self.id_of(dir, p)? {
            Some(id) => self.references_by_id(dir, id, &dir.print(p)),
            None => Err(StoreError::NotValid(dir.print(p))),
        }
    }

    pub fn all_paths(&self, dir: &StoreDir) -> Result<Vec<StorePath>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("select path from ValidPaths order by path")
            .map_err(StoreError::db("listing paths"))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(StoreError::db("listing paths"))?;
        let mut out = Vec::new();
        for r in rows {
            let s = r.map_err(StoreError::db("listing paths"))?;
            out.push(dir.parse(&s).map_err(|e| StoreError::CorruptDb {
                path: s.clone(),
                what: e.to_string(),
            })?);
        }
        Ok(out)
    }

    /// Row ids of `roots`; every one must be valid.
    fn ids_of(&self, dir: &StoreDir, roots: &[StorePath]) -> Result<Vec<i64>, StoreError> {
        let mut ids = Vec::with_capacity(roots.len());
        for p in roots {
            ids.push(
                self.id_of(dir, p)?
                    .ok_or_else(|| StoreError::NotValid(dir.print(p)))?,
            );
        }
        Ok(ids)
    }

    /// The ids of everything reachable from `ids`, found by SQLite in one recursive
    /// query (a query per path made closures of 1000 paths cost tens of ms). The ids go
    /// in as one JSON array, so any number of roots is one statement.
    fn closure_ids(&self, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
        let ctx = "computing a closure";
        let mut stmt = self
            .conn
            .prepare_cached(
                "with recursive c(id) as (select value from json_each(?1) union select reference from Refs join c on referrer = c.id)
                 select id from c",
            )
            .map_err(StoreError::db(ctx))?;
        let rows = stmt
            .query_map([json_ids(ids)], |r| r.get::<_, i64>(0))
            .map_err(StoreError::db(ctx))?;
        rows.collect::<Result<Vec<i64>, _>>()
            .map_err(StoreError::db(ctx))
    }

    pub fn closure(
        &self,
        dir: &StoreDir,
        roots: &[StorePath],
    ) -> Result<Vec<StorePath>, StoreError> {
        let ids = self.closure_ids(&self.ids_of(dir, roots)?)?;
        let ctx = "listing a closure";
        let mut stmt = self
            .conn
            .prepare_cached(
                "select path from ValidPaths where id in (select value from json_each(?1))",
            )
            .map_err(StoreError::db(ctx))?;
        let rows = stmt
            .query_map([json_ids(&ids)], |r| r.get::<_, String>(0))
            .map_err(StoreError::db(ctx))?;
        let mut out = BTreeSet::new();
        for r in rows {
            let s = r.map_err(StoreError::db(ctx))?;
            out.insert(dir.parse(&s).map_err(|e| StoreError::CorruptDb {
                path: s.clone(),
                what: e.to_string(),
            })?);
        }
        Ok(out.into_iter().collect())
    }

    /// Everything registered about the closure of `roots`, sorted by path, in three
    /// statements whatever its size.
    pub fn closure_infos(
        &self,
        dir: &StoreDir,
        roots: &[StorePath],
    ) -> Result<Vec<PathInfo>, StoreError> {
        let ids = self.closure_ids(&self.ids_of(dir, roots)?)?;
        let json = json_ids(&ids);
        let ctx = "reading a closure";
        let mut by_id: std::collections::HashMap<i64, PathInfo> =
            std::collections::HashMap::with_capacity(ids.len());
        let mut stmt = self
            .conn
            .prepare_cached("select id, path, hash, registrationTime, deriver, narSize, ca from ValidPaths where id in (select value from json_each(?1))")
            .map_err(StoreError::db(ctx))?;
        let mut rows = stmt.query([&json]).map_err(StoreError::db(ctx))?;
        while let Some(r) = rows.next().map_err(StoreError::db(ctx))? {
            let get = |e| StoreError::db(ctx)(e);
            let id: i64 = r.get(0).map_err(get)?;
            let printed: String = r.get(1).map_err(get)?;
            let (hash, time, deriver, size, ca): (
                String,
                i64,
                Option<String>,
                Option<i64>,
                Option<String>,
            ) = (
                r.get(2).map_err(get)?,
                r.get(3).map_err(get)?,
                r.get(4).map_err(get)?,
                r.get(5).map_err(get)?,
                r.get(6).map_err(get)?,
            );
            let info = row_to_info(
                dir,
                &printed,
                (id, hash, time, deriver, size, ca),
                BTreeSet::new(),
            )?;
            by_id.insert(id, info);
        }
        drop(rows);
        let mut stmt = self
            .conn
            .prepare_cached("select referrer, path from Refs join ValidPaths on reference = id where referrer in (select value from json_each(?1))")
            .map_err(StoreError::db(ctx))?;
        let mut rows = stmt.query([&json]).map_err(StoreError::db(ctx))?;
        while let Some(r) = rows.next().map_err(StoreError::db(ctx))? {
            let referrer: i64 = r.get(0).map_err(StoreError::db(ctx))?;
            let s: String = r.get(1).map_err(StoreError::db(ctx))?;
            if let Some(info) = by_id.get_mut(&referrer) {
                let reference = dir.parse(&s).map_err(|e| StoreError::CorruptDb {
                    path: dir.print(&info.path),
                    what: format!("reference '{s}': {e}"),
                })?;
                info.references.insert(reference);
            }
        }
        let mut out: Vec<PathInfo> = by_id.into_values().collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Removes the registrations of `paths` (which must include every valid path
    /// that refers to one of them) in one transaction.
    pub fn unregister(&mut self, dir: &StoreDir, paths: &[StorePath]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction()
            .map_err(StoreError::db("unregistering"))?;
        for p in paths {
            tx.execute(
                "delete from Refs where referrer = (select id from ValidPaths where path = ?1)",
                [dir.print(p)],
            )
            .map_err(StoreError::db(format!("unregistering '{}'", dir.print(p))))?;
        }
        for p in paths {
            tx.execute("delete from ValidPaths where path = ?1", [dir.print(p)])
                .map_err(StoreError::db(format!("unregistering '{}'", dir.print(p))))?;
        }
        tx.commit().map_err(StoreError::db("unregistering"))
    }
}

fn json_ids(ids: &[i64]) -> String {
    let mut s = String::with_capacity(ids.len() * 8 + 2);
    s.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&id.to_string());
    }
    s.push(']');
    s
}

fn row_to_info(
    dir: &StoreDir,
    printed: &str,
    row: Row,
    references: BTreeSet<StorePath>,
) -> Result<PathInfo, StoreError> {
    let (_, hash, time, deriver, size, ca) = row;
    let corrupt = |what: String| StoreError::CorruptDb {
        path: printed.to_string(),
        what,
    };
    let path = dir.parse(printed).map_err(|e| corrupt(e.to_string()))?;
    let nar_hash = Hash::parse_any(&hash, Some(HashAlgo::Sha256))
        .map_err(|e| corrupt(format!("hash '{hash}': {e}")))?;
    let deriver = match deriver {
        Some(d) => Some(
            dir.parse(&d)
                .map_err(|e| corrupt(format!("deriver '{d}': {e}")))?,
        ),
        None => None,
    };
    Ok(PathInfo {
        path,
        nar_hash,
        nar_size: size.unwrap_or(0).max(0) as u64,
        deriver,
        references,
        registration_time: time,
        ca,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Processes that open a store for the first time together (several `nest build`s)
    /// all get it: none is told "database is locked".
    #[test]
    fn a_new_database_opened_by_many_at_once_opens_for_all() {
        for round in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("db.sqlite");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
            let threads: Vec<_> = (0..8)
                .map(|_| {
                    let (file, barrier) = (file.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        Db::open(&file).map(|_| ()).map_err(|e| e.to_string())
                    })
                })
                .collect();
            for t in threads {
                let r = t.join().unwrap();
                assert!(r.is_ok(), "round {round}: {r:?}");
            }
            // One schema version row, however many created the tables.
            let db = Db::open(&file).unwrap();
            let n: i64 = db
                .conn
                .query_row("select count(*) from SchemaVersion", [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 1);
        }
    }
}
