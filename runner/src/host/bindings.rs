//! Host bindings of every contract version the host serves, one module per
//! `wit/since_v*` folder. Both versions' resources are the same host
//! handles, so the 0.1 adapter ([`super::v0_1`]) passes them straight on.

/// `mltest:plugin@0.2.x`, the current contract.
pub(crate) mod current {
    wasmtime::component::bindgen!({
        path: "../wit/since_v0.2.0",
        world: "check",
        with: {
            "mltest:plugin/artifacts.table": crate::host::state::TableHandle,
            "mltest:plugin/artifacts.column": crate::host::state::ColumnHandle,
        },
        imports: { default: trappable },
        require_store_data_send: true,
    });
}

/// `mltest:plugin@0.1.0`, served through the adapter.
pub(crate) mod v0_1 {
    wasmtime::component::bindgen!({
        path: "../wit/since_v0.1.0",
        world: "check",
        with: {
            "mltest:plugin/artifacts.table": crate::host::state::TableHandle,
            "mltest:plugin/artifacts.column": crate::host::state::ColumnHandle,
        },
        imports: { default: trappable },
        require_store_data_send: true,
    });
}

pub(crate) use current::mltest::plugin::types::{
    Capability, DataError as WitDataError, Error as WitError, Outcome,
};
pub(crate) use current::{Check, CheckPre, Finding};

impl WitError {
    /// The whole message, as a report shows it.
    pub(crate) fn message(&self) -> &str {
        match self {
            WitError::NotFound(m)
            | WitError::Unsupported(m)
            | WitError::Limit(m)
            | WitError::InvalidArgument(m)
            | WitError::Other(m) => m,
            WitError::Data(d) => &d.message,
        }
    }

    /// A data problem in `file`, at `column` when there is one.
    pub(crate) fn data(
        file: &std::path::Path,
        column: Option<&str>,
        message: impl std::fmt::Display,
    ) -> WitError {
        let message = match column {
            Some(c) => crate::catalog::column_error(file, c, message),
            None => format!("{}: {message}", file.display()),
        };
        WitError::Data(WitDataError {
            message,
            file: Some(file.display().to_string()),
            column: column.map(str::to_string),
        })
    }
}

impl From<crate::catalog::DataError> for WitError {
    fn from(e: crate::catalog::DataError) -> Self {
        use crate::catalog::DataError as D;
        let message = e.to_string();
        let located = |file: &std::path::Path, column: Option<&String>| {
            WitError::Data(WitDataError {
                message: message.clone(),
                file: Some(file.display().to_string()),
                column: column.cloned(),
            })
        };
        match &e {
            D::UnknownArtifact(_)
            | D::UnknownCommand(_)
            | D::Absent { .. }
            | D::NoColumn { .. } => WitError::NotFound(message),
            D::WrongKind { .. } => WitError::InvalidArgument(message),
            D::Io { path, .. } | D::Corrupt { path, .. } | D::Empty { path } => located(path, None),
            D::BadColumn { path, column, .. } | D::ProfileValues { path, column } => {
                located(path, Some(column))
            }
            D::DigestMismatch { path, .. } => located(path, None),
            D::Command { .. } => WitError::Data(WitDataError {
                message,
                file: None,
                column: None,
            }),
        }
    }
}
