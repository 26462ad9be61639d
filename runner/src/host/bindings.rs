//! Host bindings of the `check` world (`wit/plugin.wit`).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "check",
    with: {
        "mltest:plugin/artifacts.table": super::state::TableHandle,
        "mltest:plugin/artifacts.column": super::state::ColumnHandle,
    },
    imports: { default: trappable },
    require_store_data_send: true,
});

pub(crate) use self::mltest::plugin::types::Outcome;
