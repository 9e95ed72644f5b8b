//! Shared by every benchmark program: where and when it ran, and writing its own section of
//! docs/benchmarks.md (between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->`).
//! Included with `#[path]` by the benchmark examples of each crate.

use std::path::Path;

pub fn today() -> String {
    let out = std::process::Command::new("date").arg("-u").arg("+%Y-%m-%d").output();
    out.ok().and_then(|o| String::from_utf8(o.stdout).ok()).map(|s| s.trim().to_string()).unwrap_or_default()
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    format!("{cores} cores, {cpu}")
}

/// Replaces section `name` of docs/benchmarks.md, keeping everything else.
pub fn write_section(repo_root: &Path, name: &str, body: &str) {
    let path = repo_root.join("docs/benchmarks.md");
    let start = format!("<!-- bench:{name}:start -->");
    let end = format!("<!-- bench:{name}:end -->");
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        "# Benchmarks\n\nEvery figure here is written by the program named with it; rerun that command to refresh it.\n"
            .into()
    });
    let block = format!("{start}\n{body}{end}");
    let new = match (doc.find(&start), doc.find(&end)) {
        (Some(s), Some(e)) if e > s => format!("{}{}{}", &doc[..s], block, &doc[e + end.len()..]),
        _ => format!("{}\n\n{}\n", doc.trim_end(), block),
    };
    std::fs::write(&path, new).expect("write docs/benchmarks.md");
    println!("wrote section '{name}' of {}", path.display());
}
