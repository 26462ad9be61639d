//! `docs/plugin-contract.md` is generated from the contract's own doc
//! comments, so the reference cannot drift from the WIT it describes.
//! Regenerate it with `MLTEST_BLESS=1 cargo test -p mltest-sdk --test reference`.

use std::fmt::Write;
use std::path::Path;

use wit_parser::{Docs, FunctionKind, Handle, Resolve, Type, TypeDefKind, TypeId, TypeOwner};

/// Doc comments as Markdown: lines joined, blank lines kept as paragraphs.
fn docs(d: &Docs) -> String {
    let text = d.contents.as_deref().unwrap_or_default();
    text.split("\n\n")
        .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A type as WIT writes it.
fn ty(resolve: &Resolve, t: &Type) -> String {
    match t {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::S8 => "s8".into(),
        Type::S16 => "s16".into(),
        Type::S32 => "s32".into(),
        Type::S64 => "s64".into(),
        Type::F32 => "f32".into(),
        Type::F64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
        Type::Id(id) => named(resolve, *id),
    }
}

fn named(resolve: &Resolve, id: TypeId) -> String {
    let def = &resolve.types[id];
    if let Some(name) = &def.name {
        return name.clone();
    }
    match &def.kind {
        TypeDefKind::List(t) => format!("list<{}>", ty(resolve, t)),
        TypeDefKind::Option(t) => format!("option<{}>", ty(resolve, t)),
        TypeDefKind::Tuple(t) => format!(
            "tuple<{}>",
            t.types
                .iter()
                .map(|t| ty(resolve, t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeDefKind::Result(r) => {
            let side = |t: &Option<Type>| t.as_ref().map_or("_".to_string(), |t| ty(resolve, t));
            format!("result<{}, {}>", side(&r.ok), side(&r.err))
        }
        TypeDefKind::Handle(Handle::Borrow(r)) => format!("borrow<{}>", named(resolve, *r)),
        TypeDefKind::Handle(Handle::Own(r)) => named(resolve, *r),
        TypeDefKind::Type(t) => ty(resolve, t),
        other => format!("{other:?}"),
    }
}

fn signature(resolve: &Resolve, f: &wit_parser::Function) -> String {
    let params: Vec<String> = f
        .params
        .iter()
        .filter(|(name, _)| name != "self")
        .map(|(name, t)| format!("{name}: {}", ty(resolve, t)))
        .collect();
    let result = f
        .result
        .as_ref()
        .map(|t| format!(" -> {}", ty(resolve, t)))
        .unwrap_or_default();
    format!("func({}){result}", params.join(", "))
}

fn reference() -> String {
    let mut resolve = Resolve::new();
    let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("wit");
    let (package, _) = resolve.push_dir(&wit).expect("the contract parses");
    let pkg = &resolve.packages[package];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Plugin contract reference: `{}`\n\n<!-- generated from plugins/sdk/wit/plugin.wit by plugins/sdk/tests/reference.rs; do not edit -->\n\n{}\n",
        pkg.name,
        docs(&pkg.docs)
    );
    for (name, &world) in &pkg.worlds {
        let world = &resolve.worlds[world];
        let _ = writeln!(out, "## World `{name}`\n\n{}\n", docs(&world.docs));
        for (key, item) in &world.exports {
            if let wit_parser::WorldItem::Function(f) = item {
                let _ = writeln!(
                    out,
                    "- export `{}: {}`: {}",
                    resolve.name_world_key(key),
                    signature(&resolve, f),
                    docs(&f.docs)
                );
            }
        }
        let imports: Vec<String> = world
            .imports
            .iter()
            .filter(|(_, item)| matches!(item, wit_parser::WorldItem::Interface { .. }))
            .map(|(key, _)| format!("`{}`", resolve.name_world_key(key)))
            .collect();
        let _ = writeln!(out, "\nImports: {}.\n", imports.join(", "));
    }
    for (name, &id) in &pkg.interfaces {
        let iface = &resolve.interfaces[id];
        let _ = writeln!(out, "## Interface `{name}`\n\n{}\n", docs(&iface.docs));
        for (type_name, &tid) in &iface.types {
            let def = &resolve.types[tid];
            // `use`d types are documented where they are defined.
            if let TypeDefKind::Type(Type::Id(other)) = def.kind
                && resolve.types[other].owner != TypeOwner::Interface(id)
            {
                continue;
            }
            let kind = match &def.kind {
                TypeDefKind::Record(_) => "record",
                TypeDefKind::Variant(_) => "variant",
                TypeDefKind::Enum(_) => "enum",
                TypeDefKind::Resource => "resource",
                _ => "type",
            };
            let _ = writeln!(out, "### {kind} `{type_name}`\n\n{}\n", docs(&def.docs));
            match &def.kind {
                TypeDefKind::Record(r) => {
                    for f in &r.fields {
                        let _ = writeln!(
                            out,
                            "- `{}: {}` {}",
                            f.name,
                            ty(&resolve, &f.ty),
                            docs(&f.docs)
                        );
                    }
                }
                TypeDefKind::Variant(v) => {
                    for c in &v.cases {
                        let payload =
                            c.ty.as_ref()
                                .map(|t| format!("({})", ty(&resolve, t)))
                                .unwrap_or_default();
                        let _ = writeln!(out, "- `{}{payload}` {}", c.name, docs(&c.docs));
                    }
                }
                TypeDefKind::Enum(e) => {
                    for c in &e.cases {
                        let _ = writeln!(out, "- `{}` {}", c.name, docs(&c.docs));
                    }
                }
                TypeDefKind::Resource => {
                    for f in iface.functions.values() {
                        if let FunctionKind::Method(owner) = f.kind
                            && owner == tid
                        {
                            let _ = writeln!(
                                out,
                                "- `{}: {}` {}",
                                f.item_name(),
                                signature(&resolve, f),
                                docs(&f.docs)
                            );
                        }
                    }
                }
                _ => {}
            }
            out.push('\n');
        }
        let free: Vec<_> = iface
            .functions
            .values()
            .filter(|f| matches!(f.kind, FunctionKind::Freestanding))
            .collect();
        if !free.is_empty() {
            let _ = writeln!(out, "### Functions\n");
            for f in free {
                let _ = writeln!(
                    out,
                    "- `{}: {}` {}",
                    f.name,
                    signature(&resolve, f),
                    docs(&f.docs)
                );
            }
            out.push('\n');
        }
    }
    // No trailing spaces, no runs of blank lines, one final newline.
    let mut tidy = String::new();
    for line in out.lines().map(str::trim_end) {
        if !(line.is_empty() && (tidy.is_empty() || tidy.ends_with("\n\n"))) {
            tidy.push_str(line);
            tidy.push('\n');
        }
    }
    tidy.trim_end().to_string() + "\n"
}

#[test]
fn the_contract_reference_is_generated_from_the_wit() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/plugin-contract.md");
    let fresh = reference();
    if std::env::var_os("MLTEST_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/plugin-contract.md is stale: run `MLTEST_BLESS=1 cargo test -p mltest-sdk --test reference`"
    );
    for needle in [
        "variant `error`",
        "`not-found(string)`",
        "## Interface `profile`",
        "`profile-pairs: func(",
    ] {
        assert!(fresh.contains(needle), "{needle}");
    }
}
