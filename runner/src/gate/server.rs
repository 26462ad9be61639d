//! The gate's HTTP side: the webhook receiver and the operations endpoints.
//!
//! The receiver answers after a durable enqueue and never runs checks in
//! the request: a slow answer would hold MLflow's delivery threads for
//! every webhook. Everything that touches SQLite runs on blocking threads.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tracing::{info, warn};

use super::Gate;
use super::hooks::{self, Headers, MAX_BODY_BYTES, Rejection};
use super::store::{Delivery, JobFilter, Recorded};

pub(crate) fn router(gate: Arc<Gate>) -> Router {
    Router::new()
        .route("/hooks/mlflow", post(hook))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route("/jobs", get(jobs))
        .route("/jobs/{id}", get(job))
        .route("/jobs/{id}/junit", get(job_junit))
        .route("/jobs/{id}/report", get(job_report))
        .route("/approvals", get(approval))
        .with_state(gate)
}

fn reply(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn hook(State(gate): State<Arc<Gate>>, headers: HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let response = receive(&gate, &headers, body).await;
    gate.metrics
        .ack_seconds
        .observe(started.elapsed().as_secs_f64());
    response
}

async fn receive(gate: &Arc<Gate>, headers: &HeaderMap, body: Body) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let delivery_id = header("x-mlflow-delivery-id").map(str::to_string);
    let reject = |r: Rejection, status: StatusCode, message: &str| {
        gate.metrics.reject(r.reason());
        warn!(
            delivery_id = delivery_id.as_deref().unwrap_or(""),
            reason = r.reason(),
            "delivery rejected"
        );
        reply(status, json!({"error": r.reason(), "message": message}))
    };
    let declared = header("content-length").and_then(|l| l.parse::<usize>().ok());
    if declared.is_some_and(|l| l > DRAIN_BYTES) {
        return reject(
            Rejection::TooLarge,
            StatusCode::PAYLOAD_TOO_LARGE,
            "bodies are at most 1 MiB",
        );
    }
    let bytes = match tokio::time::timeout(hooks::BODY_TIMEOUT, read_body(body)).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return reject(
                Rejection::TooLarge,
                StatusCode::PAYLOAD_TOO_LARGE,
                "bodies are at most 1 MiB",
            );
        }
        Err(_) => {
            return reject(
                Rejection::Slow,
                StatusCode::REQUEST_TIMEOUT,
                "the body did not arrive within 10 s",
            );
        }
    };
    let signed = Headers {
        delivery_id: delivery_id.as_deref(),
        timestamp: header("x-mlflow-timestamp"),
        signature: header("x-mlflow-signature"),
    };
    let id = match hooks::verify(&gate.secrets, &signed, &bytes, super::store::now()) {
        Ok(id) => id,
        Err(r @ Rejection::Replay) => {
            return reject(r, StatusCode::UNAUTHORIZED, "timestamp outside ±300 s");
        }
        Err(r @ Rejection::Malformed) => {
            return reject(r, StatusCode::BAD_REQUEST, "malformed delivery headers");
        }
        Err(r) => {
            return reject(
                r,
                StatusCode::UNAUTHORIZED,
                "missing or invalid X-MLflow-Signature",
            );
        }
    };
    let worker = gate.clone();
    let recorded = tokio::task::spawn_blocking(move || {
        let plan = hooks::plan(&worker.config, &bytes, &id, |m, a, v| {
            worker
                .store
                .wrote_alias(m, a, v, 24 * 3600)
                .unwrap_or(false)
        });
        let plan = match plan {
            Ok(p) => p,
            Err(r) => return Err(r),
        };
        let outcome = plan.outcome.clone();
        let delivery = Delivery {
            id: id.clone(),
            event: plan.event.clone(),
            model: plan.model.clone(),
            version: plan.version.clone(),
            outcome: outcome.clone(),
            jobs: plan.jobs,
        };
        Ok((
            id,
            plan.event,
            plan.model,
            plan.version,
            outcome,
            worker.store.record(delivery),
        ))
    })
    .await;
    match recorded {
        Ok(Err(r)) => reject(
            r,
            StatusCode::BAD_REQUEST,
            "the body is not an MLflow webhook payload",
        ),
        Ok(Ok((id, event, model, version, outcome, Ok(recorded)))) => {
            let (status, jobs) = match recorded {
                Recorded::Duplicate => ("duplicate".to_string(), vec![]),
                Recorded::New(jobs) if outcome == "queued" => ("queued".to_string(), jobs),
                Recorded::New(jobs) => (outcome.clone(), jobs),
            };
            gate.metrics
                .accept(status.split(':').next().unwrap_or("ignored"));
            if !jobs.is_empty() {
                gate.wake();
            }
            info!(delivery_id = %id, %event, model = model.as_deref().unwrap_or(""), version = version.as_deref().unwrap_or(""), %status, ?jobs, "delivery accepted");
            reply(StatusCode::OK, json!({"status": status, "jobs": jobs}))
        }
        // The store could not commit: MLflow retries 5xx, so say so.
        Ok(Ok((_, _, _, _, _, Err(e)))) => {
            warn!(error = %e, "cannot record a delivery");
            reply(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"error": "store", "message": e.to_string()}),
            )
        }
        Err(e) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "internal", "message": e.to_string()}),
        ),
    }
}

/// Oversized bodies up to this are read (and dropped) before the 413; larger
/// declared ones are refused at once.
const DRAIN_BYTES: usize = 16 << 20;

/// The body, or `None` when it is over the limit. An oversized body is read
/// on (up to a bound, without keeping it) so the client sees the 413
/// instead of a connection reset halfway through its upload.
async fn read_body(body: Body) -> Option<axum::body::Bytes> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut kept = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { return None };
        if let Ok(data) = frame.into_data() {
            total += data.len();
            if total <= MAX_BODY_BYTES {
                kept.extend_from_slice(&data);
            } else if total > DRAIN_BYTES {
                return None;
            }
        }
    }
    (total <= MAX_BODY_BYTES).then(|| kept.into())
}

async fn blocking<T: Send + 'static>(
    gate: &Arc<Gate>,
    f: impl FnOnce(&Gate) -> T + Send + 'static,
) -> Option<T> {
    let gate = gate.clone();
    tokio::task::spawn_blocking(move || f(&gate)).await.ok()
}

/// A store query on a blocking thread; a store that cannot answer is 503,
/// a task that died is 500.
async fn stored<T: Send + 'static>(
    gate: &Arc<Gate>,
    f: impl FnOnce(&Gate) -> Result<T, super::store::StoreError> + Send + 'static,
) -> Result<T, Response> {
    match blocking(gate, f).await {
        Some(Ok(value)) => Ok(value),
        Some(Err(e)) => Err(reply(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": e.to_string()}),
        )),
        None => Err(reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "internal"}),
        )),
    }
}

async fn ready(State(gate): State<Arc<Gate>>) -> Response {
    let checks = blocking(&gate, |g| {
        (
            g.store.ping().map_err(|e| e.to_string()),
            g.client.health().map_err(|e| e.to_string()),
        )
    })
    .await;
    match checks {
        Some((Ok(()), Ok(()))) => reply(StatusCode::OK, json!({"store": "ok", "mlflow": "ok"})),
        Some((store, mlflow)) => reply(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"store": store.err().unwrap_or_else(|| "ok".into()), "mlflow": mlflow.err().unwrap_or_else(|| "ok".into())}),
        ),
        None => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "internal"}),
        ),
    }
}

async fn metrics(State(gate): State<Arc<Gate>>) -> Response {
    let counts = blocking(&gate, |g| g.store.counts().unwrap_or_default())
        .await
        .unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        gate.metrics.render(&counts),
    )
        .into_response()
}

async fn jobs(State(gate): State<Arc<Gate>>, Query(filter): Query<JobFilter>) -> Response {
    match stored(&gate, move |g| g.store.jobs(&filter)).await {
        Ok(jobs) => reply(StatusCode::OK, json!({"jobs": jobs})),
        Err(failed) => failed,
    }
}

async fn job(State(gate): State<Arc<Gate>>, Path(id): Path<i64>) -> Response {
    match stored(&gate, move |g| g.store.job(id)).await {
        Ok(Some(super::store::JobDetail {
            job,
            report_json: report,
            junit,
            events,
        })) => {
            let report: Option<serde_json::Value> =
                report.as_deref().and_then(|r| serde_json::from_str(r).ok());
            let events: Vec<_> = events
                .into_iter()
                .map(|(at, what)| json!({"at_ms": at, "what": what}))
                .collect();
            reply(
                StatusCode::OK,
                json!({"job": job, "events": events, "report": report, "junit": junit}),
            )
        }
        Ok(None) => reply(
            StatusCode::NOT_FOUND,
            json!({"error": format!("no job {id}")}),
        ),
        Err(failed) => failed,
    }
}

async fn job_junit(State(gate): State<Arc<Gate>>, Path(id): Path<i64>) -> Response {
    match blocking(&gate, move |g| g.store.job(id)).await {
        Some(Ok(Some(super::store::JobDetail {
            junit: Some(junit), ..
        }))) if !junit.is_empty() => {
            ([(header::CONTENT_TYPE, "application/xml")], junit).into_response()
        }
        _ => reply(
            StatusCode::NOT_FOUND,
            json!({"error": format!("job {id} has no JUnit report")}),
        ),
    }
}

async fn job_report(State(gate): State<Arc<Gate>>, Path(id): Path<i64>) -> Response {
    match blocking(&gate, move |g| g.store.job(id)).await {
        Some(Ok(Some(super::store::JobDetail {
            report_json: Some(report),
            ..
        }))) if !report.is_empty() => {
            ([(header::CONTENT_TYPE, "application/json")], report).into_response()
        }
        _ => reply(
            StatusCode::NOT_FOUND,
            json!({"error": format!("job {id} has no report")}),
        ),
    }
}

#[derive(serde::Deserialize)]
struct ApprovalQuery {
    model: String,
    version: String,
    alias: String,
}

/// Whether the gate recorded a pass: the deploy side's source of truth,
/// since anyone with EDIT on a model can also write its tags.
async fn approval(State(gate): State<Arc<Gate>>, Query(q): Query<ApprovalQuery>) -> Response {
    let (model, version, alias) = (q.model.clone(), q.version.clone(), q.alias.clone());
    match stored(&gate, move |g| g.store.approval(&model, &alias, &version)).await {
        Ok(Some(job)) => reply(
            StatusCode::OK,
            json!({"approved": true, "job": job, "model": q.model, "version": q.version, "alias": q.alias}),
        ),
        Ok(None) => reply(
            StatusCode::NOT_FOUND,
            json!({"approved": false, "model": q.model, "version": q.version, "alias": q.alias}),
        ),
        Err(failed) => failed,
    }
}
