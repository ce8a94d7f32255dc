//! Building the site (WASM through wasm-bindgen and wasm-opt, CSS, static assets, precompressed
//! copies) and the server binary — the sequence cargo-leptos would run, without downloads.

use std::{fs, path::PathBuf};

use crate::{
    setup::WASM_TARGET,
    shell::{self, Result, cmd, root, run, step},
};

/// The server's build profile. The WASM is always built with `wasm-release` (size settings):
/// it is what browsers download.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Dev,
    Release,
}

pub const OUTPUT_NAME: &str = "comptoir";

pub fn site_root() -> PathBuf {
    root().join("target/site")
}

/// Builds the site and the server; returns the server binary's path.
pub fn build(profile: Profile) -> Result<PathBuf> {
    build_site()?;
    build_server(profile)
}

/// One WASM bundle: the `frontend` crate built with one entry feature.
struct Bundle {
    feature: &'static str,
    output_name: &'static str,
}

/// Comptoir's pages (hydration) and the widgets foreign hosts load (embed).
const BUNDLES: &[Bundle] = &[
    Bundle {
        feature: "hydrate",
        output_name: OUTPUT_NAME,
    },
    Bundle {
        feature: "embed",
        output_name: "comptoir_embed",
    },
];

pub fn build_site() -> Result {
    let pkg = site_root().join("pkg");
    fs::create_dir_all(&pkg).map_err(|e| format!("could not create {}: {e}", pkg.display()))?;
    for bundle in BUNDLES {
        build_bundle(bundle, &pkg)?;
    }
    copy_file(
        &root().join("style/main.css"),
        &pkg.join(format!("{OUTPUT_NAME}.css")),
    )?;
    copy_file(
        &root().join("style/widgets.css"),
        &pkg.join("comptoir-widgets.css"),
    )?;
    let embed = site_root().join("embed");
    fs::create_dir_all(&embed).map_err(|e| format!("could not create {}: {e}", embed.display()))?;
    copy_file(
        &root().join("frontend/embed/connect.js"),
        &embed.join("connect.js"),
    )?;
    copy_dir(&root().join("style/assets"), &site_root())?;
    run(cmd("node")
        .arg(root().join("xtask/precompress.mjs"))
        .arg(&pkg))?;
    run(cmd("node")
        .arg(root().join("xtask/precompress.mjs"))
        .arg(&embed))
}

fn build_bundle(bundle: &Bundle, pkg: &std::path::Path) -> Result {
    step(&format!(
        "Building the {} WASM bundle (wasm-release)",
        bundle.feature
    ));
    run(shell::cargo().args([
        "build",
        "--package",
        "frontend",
        "--lib",
        "--target",
        WASM_TARGET,
        "--profile",
        "wasm-release",
        "--features",
        bundle.feature,
    ]))?;
    let wasm = root().join(format!("target/{WASM_TARGET}/wasm-release/frontend.wasm"));
    let bindgen_wasm = pkg.join(format!("{}_bg.wasm", bundle.output_name));
    let stamp = pkg.join(format!(".{}-stamp", bundle.output_name));
    let source_stamp = file_stamp(&wasm)?;
    if fs::read_to_string(&stamp).ok().as_deref() == Some(source_stamp.as_str())
        && bindgen_wasm.exists()
    {
        return Ok(());
    }
    step(&format!(
        "Generating JS bindings and optimising {}",
        bundle.output_name
    ));
    run(cmd("wasm-bindgen")
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            bundle.output_name,
            "--out-dir",
        ])
        .arg(pkg)
        .arg(&wasm))?;
    run(cmd(wasm_opt()?)
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
        ])
        .arg(&bindgen_wasm)
        .arg("-o")
        .arg(&bindgen_wasm))?;
    fs::write(&stamp, &source_stamp).map_err(|e| format!("could not write the stamp: {e}"))
}

pub fn build_server(profile: Profile) -> Result<PathBuf> {
    step("Building the server");
    let mut command = shell::cargo();
    command.args(["build", "--package", "server", "--bin", "comptoir"]);
    if profile == Profile::Release {
        command.arg("--release");
    }
    run(&mut command)?;
    let dir = if profile == Profile::Release {
        "release"
    } else {
        "debug"
    };
    Ok(root().join("target").join(dir).join("comptoir"))
}

/// npm's binaryen (Debian's wasm-opt 108 produces WASM that never hydrates).
fn wasm_opt() -> Result<PathBuf> {
    let path = root().join("end2end/node_modules/.bin/wasm-opt");
    if path.exists() {
        Ok(path)
    } else {
        Err("wasm-opt is missing: run `cargo xtask setup` (installs npm's binaryen)".into())
    }
}

fn file_stamp(path: &PathBuf) -> Result<String> {
    let meta = fs::metadata(path).map_err(|e| format!("{} is missing: {e}", path.display()))?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    Ok(format!("{}:{modified}", meta.len()))
}

fn copy_file(from: &PathBuf, to: &PathBuf) -> Result {
    fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("could not copy {} to {}: {e}", from.display(), to.display()))
}

fn copy_dir(from: &PathBuf, to: &PathBuf) -> Result {
    let Ok(entries) = fs::read_dir(from) else {
        return Ok(());
    };
    fs::create_dir_all(to).map_err(|e| format!("could not create {}: {e}", to.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target)?
        } else {
            copy_file(&path, &target)?
        }
    }
    Ok(())
}
