//! The gate's durable state, in SQLite: deliveries seen, jobs (states,
//! attempts, leases, the phase a job's write-back reached), approvals (the
//! recorded gate passes), and the alias writes the gate made itself.
//!
//! Embedded, so a gate needs no server to start. WAL with full sync: an
//! acknowledged delivery is on disk. Webhook enqueues go through one writer
//! thread that commits whatever is waiting in one transaction (group
//! commit), so a burst costs a few fsyncs, not one per delivery.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY, received_at INTEGER NOT NULL, event TEXT NOT NULL,
  model TEXT, version TEXT, outcome TEXT NOT NULL, job_id INTEGER);
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL, model TEXT NOT NULL, version TEXT, step TEXT NOT NULL,
  reason TEXT NOT NULL, key TEXT NOT NULL UNIQUE, delivery_id TEXT,
  state TEXT NOT NULL, phase TEXT NOT NULL DEFAULT 'new',
  attempts INTEGER NOT NULL DEFAULT 0, evaluations INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL, lease_until INTEGER,
  created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
  verdict TEXT, summary TEXT, champion TEXT, suite_sha256 TEXT,
  report_json TEXT, junit TEXT, error TEXT);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, next_at);
CREATE INDEX IF NOT EXISTS jobs_model ON jobs (model, version, step);
CREATE TABLE IF NOT EXISTS approvals (
  model TEXT NOT NULL, step TEXT NOT NULL, version TEXT NOT NULL,
  job_id INTEGER NOT NULL, approved_at INTEGER NOT NULL,
  PRIMARY KEY (model, step, version));
CREATE TABLE IF NOT EXISTS alias_writes (
  model TEXT NOT NULL, alias TEXT NOT NULL, version TEXT NOT NULL,
  job_id INTEGER NOT NULL, written_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS job_events (
  job_id INTEGER NOT NULL, at INTEGER NOT NULL, what TEXT NOT NULL);
";

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("gate state: {0}")]
#[diagnostic(code(mltest::gate::store))]
pub(crate) struct StoreError(String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

type Result<T> = std::result::Result<T, StoreError>;

/// A job to insert; `key` makes it idempotent (a second insert is a no-op).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewJob {
    pub(crate) kind: Kind,
    pub(crate) model: String,
    pub(crate) version: Option<String>,
    pub(crate) step: String,
    pub(crate) reason: String,
    pub(crate) key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    /// Run a step's suite on a version, write the verdict, maybe promote.
    Evaluate,
    /// Check that a protected alias points at an approved version.
    Guard,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Evaluate => "evaluate",
            Kind::Guard => "guard",
        }
    }
}

/// How far a job's write-back got, so a restarted job resumes, not repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Phase {
    New,
    /// The suite ran; verdict and reports are stored.
    Evaluated,
    /// The verdict tags are on the version.
    Tagged,
    /// The alias was moved (or deliberately not).
    Promoted,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::New => "new",
            Phase::Evaluated => "evaluated",
            Phase::Tagged => "tagged",
            Phase::Promoted => "promoted",
        }
    }
    fn parse(s: &str) -> Phase {
        match s {
            "evaluated" => Phase::Evaluated,
            "tagged" => Phase::Tagged,
            "promoted" => Phase::Promoted,
            _ => Phase::New,
        }
    }
}

/// A job with its run's reports and the steps it recorded.
pub(crate) struct JobDetail {
    pub(crate) job: Job,
    pub(crate) report_json: Option<String>,
    pub(crate) junit: Option<String>,
    /// (unix milliseconds, what happened)
    pub(crate) events: Vec<(i64, String)>,
}

/// A job as stored.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Job {
    pub(crate) id: i64,
    pub(crate) kind: Kind,
    pub(crate) model: String,
    pub(crate) version: Option<String>,
    pub(crate) step: String,
    pub(crate) reason: String,
    pub(crate) key: String,
    pub(crate) delivery_id: Option<String>,
    pub(crate) state: String,
    pub(crate) phase: Phase,
    pub(crate) attempts: u32,
    pub(crate) evaluations: u32,
    pub(crate) created_at: i64,
    pub(crate) started_at: Option<i64>,
    pub(crate) finished_at: Option<i64>,
    pub(crate) verdict: Option<String>,
    pub(crate) summary: Option<String>,
    pub(crate) champion: Option<String>,
    pub(crate) suite_sha256: Option<String>,
    pub(crate) error: Option<String>,
}

const JOB_COLUMNS: &str = "id, kind, model, version, step, reason, key, delivery_id, state, phase, attempts, evaluations, created_at, started_at, finished_at, verdict, summary, champion, suite_sha256, error";

fn job(row: &rusqlite::Row<'_>) -> rusqlite::Result<Job> {
    Ok(Job {
        id: row.get(0)?,
        kind: if row.get::<_, String>(1)? == "guard" {
            Kind::Guard
        } else {
            Kind::Evaluate
        },
        model: row.get(2)?,
        version: row.get(3)?,
        step: row.get(4)?,
        reason: row.get(5)?,
        key: row.get(6)?,
        delivery_id: row.get(7)?,
        state: row.get(8)?,
        phase: Phase::parse(&row.get::<_, String>(9)?),
        attempts: row.get(10)?,
        evaluations: row.get(11)?,
        created_at: row.get(12)?,
        started_at: row.get(13)?,
        finished_at: row.get(14)?,
        verdict: row.get(15)?,
        summary: row.get(16)?,
        champion: row.get(17)?,
        suite_sha256: row.get(18)?,
        error: row.get(19)?,
    })
}

/// A webhook delivery to record, with the jobs it queues.
pub(crate) struct Delivery {
    pub(crate) id: String,
    pub(crate) event: String,
    pub(crate) model: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) outcome: String,
    pub(crate) jobs: Vec<NewJob>,
}

/// What recording a delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// New delivery; the ids of jobs it queued (existing keys are not re-queued).
    New(Vec<i64>),
    /// Seen before: nothing new happened.
    Duplicate,
}

type Reply = std::sync::mpsc::SyncSender<Result<Recorded>>;

#[derive(Clone)]
pub(crate) struct Store {
    conn: Arc<Mutex<Connection>>,
    writer: mpsc::Sender<(Delivery, Reply)>,
}

impl Store {
    pub(crate) fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError(format!("cannot create {}: {e}", dir.display())))?;
        let conn = Connection::open(dir.join("gate.db"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        let conn = Arc::new(Mutex::new(conn));
        let (writer, queue) = mpsc::channel::<(Delivery, Reply)>();
        let shared = conn.clone();
        std::thread::Builder::new()
            .name("mltest-gate-writer".into())
            .spawn(move || group_commit(&shared, &queue))
            .map_err(|e| StoreError(format!("cannot start the writer thread: {e}")))?;
        Ok(Store { conn, writer })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (each call is one statement or one transaction), so go on.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a delivery and its jobs durably; blocks until committed.
    pub(crate) fn record(&self, delivery: Delivery) -> Result<Recorded> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.writer
            .send((delivery, reply))
            .map_err(|_| StoreError("the writer thread has stopped".into()))?;
        answer
            .recv()
            .map_err(|_| StoreError("the writer thread has stopped".into()))?
    }

    /// Queues jobs outside any delivery (reconciliation, chains).
    pub(crate) fn enqueue(&self, jobs: &[NewJob]) -> Result<Vec<i64>> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let ids = insert_jobs(&tx, jobs, None)?;
        tx.commit()?;
        Ok(ids)
    }

    /// After a crash: jobs that were running belong to no one now.
    pub(crate) fn recover(&self) -> Result<usize> {
        Ok(self.lock().execute("UPDATE jobs SET state = 'queued', lease_until = NULL, next_at = ?1 WHERE state = 'running'", [now()])?)
    }

    /// Takes the oldest due job of a model that has no job running, so one
    /// alias writer runs per model while different models run in parallel.
    pub(crate) fn claim(&self, lease_secs: i64) -> Result<Option<Job>> {
        let conn = self.lock();
        let t = now();
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = ?1,
               started_at = COALESCE(started_at, ?2)
             WHERE id = (SELECT id FROM jobs j WHERE state = 'queued' AND next_at <= ?2
                AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running' AND r.model = j.model)
                ORDER BY next_at, id LIMIT 1)
             RETURNING {JOB_COLUMNS}"
        );
        Ok(conn
            .query_row(&sql, params![t + lease_secs, t], job)
            .optional()?)
    }

    pub(crate) fn renew(&self, id: i64, lease_secs: i64) -> Result<()> {
        self.lock().execute(
            "UPDATE jobs SET lease_until = ?1 WHERE id = ?2 AND state = 'running'",
            params![now() + lease_secs, id],
        )?;
        Ok(())
    }

    /// Puts a job back to try again after `delay_secs`.
    pub(crate) fn retry(&self, id: i64, delay_secs: i64, error: &str) -> Result<()> {
        self.lock().execute(
            "UPDATE jobs SET state = 'queued', lease_until = NULL, next_at = ?1, error = ?2 WHERE id = ?3",
            params![now() + delay_secs, error, id],
        )?;
        Ok(())
    }

    pub(crate) fn save_evaluation(&self, id: i64, e: &Evaluation) -> Result<()> {
        self.lock().execute(
            "UPDATE jobs SET phase = 'evaluated', evaluations = evaluations + 1, verdict = ?1, summary = ?2,
               champion = ?3, suite_sha256 = ?4, report_json = ?5, junit = ?6, error = NULL WHERE id = ?7",
            params![e.verdict, e.summary, e.champion, e.suite_sha256, e.report_json, e.junit, id],
        )?;
        Ok(())
    }

    pub(crate) fn set_phase(&self, id: i64, phase: Phase) -> Result<()> {
        self.lock().execute(
            "UPDATE jobs SET phase = ?1 WHERE id = ?2",
            params![phase.name(), id],
        )?;
        Ok(())
    }

    /// Back to evaluating (the champion moved during the run).
    pub(crate) fn reset_phase(&self, id: i64) -> Result<()> {
        self.set_phase(id, Phase::New)
    }

    pub(crate) fn finish(&self, id: i64, state: &str, error: Option<&str>) -> Result<()> {
        self.lock().execute(
            "UPDATE jobs SET state = ?1, finished_at = ?2, lease_until = NULL, error = COALESCE(?3, error) WHERE id = ?4",
            params![state, now(), error, id],
        )?;
        Ok(())
    }

    pub(crate) fn event(&self, id: i64, what: &str) -> Result<()> {
        self.lock().execute(
            "INSERT INTO job_events (job_id, at, what) VALUES (?1, ?2, ?3)",
            params![id, now_ms(), what],
        )?;
        Ok(())
    }

    pub(crate) fn approve(&self, model: &str, step: &str, version: &str, job: i64) -> Result<()> {
        self.lock().execute(
            "INSERT OR IGNORE INTO approvals (model, step, version, job_id, approved_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![model, step, version, job, now()],
        )?;
        Ok(())
    }

    /// The job that approved this version for this step, if one did.
    pub(crate) fn approval(&self, model: &str, step: &str, version: &str) -> Result<Option<i64>> {
        Ok(self
            .lock()
            .query_row(
                "SELECT job_id FROM approvals WHERE model = ?1 AND step = ?2 AND version = ?3",
                params![model, step, version],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Recorded before the write, so the event it causes is known as ours.
    pub(crate) fn alias_write(
        &self,
        model: &str,
        alias: &str,
        version: &str,
        job: i64,
    ) -> Result<()> {
        self.lock().execute(
            "INSERT INTO alias_writes (model, alias, version, job_id, written_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![model, alias, version, job, now()],
        )?;
        Ok(())
    }

    /// Whether the gate itself pointed `alias` at `version` lately.
    pub(crate) fn wrote_alias(
        &self,
        model: &str,
        alias: &str,
        version: &str,
        within_secs: i64,
    ) -> Result<bool> {
        Ok(self
            .lock()
            .query_row(
                "SELECT 1 FROM alias_writes WHERE model = ?1 AND alias = ?2 AND version = ?3 AND written_at >= ?4 LIMIT 1",
                params![model, alias, version, now() - within_secs],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// The version the gate last moved `alias` to, which it approved.
    pub(crate) fn last_promoted(&self, model: &str, alias: &str) -> Result<Option<String>> {
        Ok(self
            .lock()
            .query_row(
                "SELECT w.version FROM alias_writes w JOIN approvals a ON a.model = w.model AND a.step = w.alias AND a.version = w.version
                 WHERE w.model = ?1 AND w.alias = ?2 ORDER BY w.rowid DESC LIMIT 1",
                params![model, alias],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Whether a queued or running evaluation exists for this version and step.
    pub(crate) fn live(&self, model: &str, version: &str, step: &str) -> Result<bool> {
        Ok(self
            .lock()
            .query_row(
                "SELECT 1 FROM jobs WHERE kind = 'evaluate' AND model = ?1 AND version = ?2 AND step = ?3 AND state IN ('queued', 'running') LIMIT 1",
                params![model, version, step],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// How many jobs of this kind, version and step were ever queued.
    pub(crate) fn count(&self, kind: Kind, model: &str, version: &str, step: &str) -> Result<i64> {
        Ok(self.lock().query_row(
            "SELECT COUNT(*) FROM jobs WHERE kind = ?1 AND model = ?2 AND version = ?3 AND step = ?4",
            params![kind.name(), model, version, step],
            |r| r.get(0),
        )?)
    }

    /// A later evaluation that did not pass withdraws the approval.
    pub(crate) fn revoke(&self, model: &str, step: &str, version: &str) -> Result<()> {
        self.lock().execute(
            "DELETE FROM approvals WHERE model = ?1 AND step = ?2 AND version = ?3",
            params![model, step, version],
        )?;
        Ok(())
    }

    pub(crate) fn job(&self, id: i64) -> Result<Option<JobDetail>> {
        let conn = self.lock();
        let found = conn
            .query_row(
                &format!("SELECT {JOB_COLUMNS}, report_json, junit FROM jobs WHERE id = ?1"),
                [id],
                |r| {
                    Ok((
                        job(r)?,
                        r.get::<_, Option<String>>(20)?,
                        r.get::<_, Option<String>>(21)?,
                    ))
                },
            )
            .optional()?;
        let Some((job, report, junit)) = found else {
            return Ok(None);
        };
        let mut stmt =
            conn.prepare("SELECT at, what FROM job_events WHERE job_id = ?1 ORDER BY rowid")?;
        let events = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(JobDetail {
            job,
            report_json: report,
            junit,
            events,
        }))
    }

    pub(crate) fn jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let conn = self.lock();
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR model = ?2)
             AND (?3 IS NULL OR version = ?3) AND (?4 IS NULL OR verdict = ?4) AND (?5 IS NULL OR step = ?5)
             ORDER BY id DESC LIMIT ?6"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(
            params![
                filter.state,
                filter.model,
                filter.version,
                filter.verdict,
                filter.step,
                filter.limit.unwrap_or(100).clamp(1, 1000)
            ],
            job,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Jobs per state, for `/metrics`.
    pub(crate) fn counts(&self) -> Result<Vec<(String, i64)>> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT state, COUNT(*) FROM jobs GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The store answers (for `/readyz`).
    pub(crate) fn ping(&self) -> Result<()> {
        self.lock().query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct JobFilter {
    pub(crate) state: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) verdict: Option<String>,
    pub(crate) step: Option<String>,
    pub(crate) limit: Option<i64>,
}

/// What an evaluation stores.
pub(crate) struct Evaluation {
    pub(crate) verdict: String,
    pub(crate) summary: String,
    pub(crate) champion: Option<String>,
    pub(crate) suite_sha256: String,
    pub(crate) report_json: String,
    pub(crate) junit: String,
}

fn insert_jobs(
    tx: &rusqlite::Transaction<'_>,
    jobs: &[NewJob],
    delivery: Option<&str>,
) -> rusqlite::Result<Vec<i64>> {
    let mut ids = Vec::new();
    let t = now();
    for j in jobs {
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO jobs (kind, model, version, step, reason, key, delivery_id, state, next_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?8)",
            params![j.kind.name(), j.model, j.version, j.step, j.reason, j.key, delivery, t],
        )?;
        if inserted == 1 {
            ids.push(tx.last_insert_rowid());
        }
    }
    Ok(ids)
}

/// The writer thread: one transaction (one fsync) for every delivery waiting.
fn group_commit(conn: &Mutex<Connection>, queue: &mpsc::Receiver<(Delivery, Reply)>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < 512 {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
        let outcome = (|| -> rusqlite::Result<Vec<Recorded>> {
            let tx = guard.transaction()?;
            let mut results = Vec::new();
            for (d, _) in &batch {
                let new = tx.execute(
                    "INSERT OR IGNORE INTO deliveries (id, received_at, event, model, version, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![d.id, now_ms(), d.event, d.model, d.version, d.outcome],
                )?;
                if new == 0 {
                    results.push(Recorded::Duplicate);
                    continue;
                }
                let ids = insert_jobs(&tx, &d.jobs, Some(&d.id))?;
                if let Some(first) = ids.first() {
                    tx.execute(
                        "UPDATE deliveries SET job_id = ?1 WHERE id = ?2",
                        params![first, d.id],
                    )?;
                }
                results.push(Recorded::New(ids));
            }
            tx.commit()?;
            Ok(results)
        })();
        drop(guard);
        match outcome {
            Ok(results) => {
                for ((_, reply), r) in batch.into_iter().zip(results) {
                    let _ = reply.send(Ok(r));
                }
            }
            Err(e) => {
                for (_, reply) in batch {
                    let _ = reply.send(Err(StoreError(e.to_string())));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(key: &str, model: &str) -> NewJob {
        NewJob {
            kind: Kind::Evaluate,
            model: model.into(),
            version: Some("1".into()),
            step: "champion".into(),
            reason: "created".into(),
            key: key.into(),
        }
    }

    fn delivery(id: &str, jobs: Vec<NewJob>) -> Delivery {
        Delivery {
            id: id.into(),
            event: "model_version.created".into(),
            model: None,
            version: None,
            outcome: "queued".into(),
            jobs,
        }
    }

    #[test]
    fn deliveries_and_jobs_are_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let first = store.record(delivery("d1", vec![job("k1", "m")])).unwrap();
        assert!(matches!(first, Recorded::New(ref ids) if ids.len() == 1));
        assert_eq!(
            store.record(delivery("d1", vec![job("k1", "m")])).unwrap(),
            Recorded::Duplicate
        );
        // A different delivery for the same job key queues nothing new.
        assert_eq!(
            store.record(delivery("d2", vec![job("k1", "m")])).unwrap(),
            Recorded::New(vec![])
        );
        assert_eq!(store.jobs(&JobFilter::default()).unwrap().len(), 1);
    }

    #[test]
    fn one_running_job_per_model_and_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .enqueue(&[job("a1", "a"), job("a2", "a"), job("b1", "b")])
            .unwrap();
        let first = store.claim(60).unwrap().unwrap();
        let second = store.claim(60).unwrap().unwrap();
        assert_eq!((first.key.as_str(), second.key.as_str()), ("a1", "b1"));
        assert!(store.claim(60).unwrap().is_none(), "a2 waits for a1");
        drop(store);
        // A restart (the process was killed): running jobs are queued again.
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.recover().unwrap(), 2);
        let again = store.claim(60).unwrap().unwrap();
        assert_eq!((again.key.as_str(), again.attempts), ("a1", 2));
    }
}
