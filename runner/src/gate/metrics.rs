//! Prometheus metrics for `GET /metrics`: deliveries by outcome and
//! rejection reason, jobs by state (the queue depth), job durations,
//! acknowledgement latency, verdicts and violations.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Reason {
    pub(crate) reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Outcome {
    pub(crate) outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct State {
    pub(crate) state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct Verdict {
    pub(crate) verdict: String,
}

pub(crate) struct Metrics {
    registry: Registry,
    pub(crate) rejected: Family<Reason, Counter>,
    pub(crate) accepted: Family<Outcome, Counter>,
    pub(crate) jobs: Family<State, Gauge>,
    pub(crate) verdicts: Family<Verdict, Counter>,
    pub(crate) violations: Counter,
    pub(crate) job_seconds: Histogram,
    pub(crate) ack_seconds: Histogram,
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::with_prefix("mltest_gate");
        let m = Metrics {
            rejected: Family::default(),
            accepted: Family::default(),
            jobs: Family::default(),
            verdicts: Family::default(),
            violations: Counter::default(),
            job_seconds: Histogram::new(exponential_buckets(0.25, 2.0, 14)),
            ack_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            registry: Registry::default(),
        };
        registry.register(
            "deliveries_rejected",
            "Webhook deliveries refused, by reason",
            m.rejected.clone(),
        );
        registry.register(
            "deliveries_accepted",
            "Webhook deliveries accepted, by outcome (queued, ignored, duplicate)",
            m.accepted.clone(),
        );
        registry.register(
            "jobs",
            "Jobs by state; state=\"queued\" is the queue depth",
            m.jobs.clone(),
        );
        registry.register(
            "verdicts",
            "Evaluations finished, by verdict",
            m.verdicts.clone(),
        );
        registry.register(
            "violations",
            "Protected aliases found on versions without a gate pass",
            m.violations.clone(),
        );
        registry.register(
            "job_duration_seconds",
            "Wall time of finished jobs",
            m.job_seconds.clone(),
        );
        registry.register(
            "ack_duration_seconds",
            "Time from a delivery's arrival to its acknowledgement",
            m.ack_seconds.clone(),
        );
        Metrics { registry, ..m }
    }

    pub(crate) fn reject(&self, reason: &str) {
        self.rejected
            .get_or_create(&Reason {
                reason: reason.into(),
            })
            .inc();
    }

    pub(crate) fn accept(&self, outcome: &str) {
        self.accepted
            .get_or_create(&Outcome {
                outcome: outcome.into(),
            })
            .inc();
    }

    pub(crate) fn verdict(&self, verdict: &str) {
        self.verdicts
            .get_or_create(&Verdict {
                verdict: verdict.into(),
            })
            .inc();
    }

    /// The text exposition, with job counts as of now.
    pub(crate) fn render(&self, counts: &[(String, i64)]) -> String {
        for state in ["queued", "running", "done", "error"] {
            let n = counts
                .iter()
                .find(|(s, _)| s == state)
                .map_or(0, |(_, n)| *n);
            self.jobs
                .get_or_create(&State {
                    state: state.into(),
                })
                .set(n);
        }
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
