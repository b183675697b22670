//! Reading the cabinetry tutorial ntuples shipped in shared/fixtures.

use std::path::PathBuf;

use histune_ntuple::{NtupleError, SampleSpec, TreeColumns, WeightedEvents};

fn prediction() -> String {
    let manifest = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).unwrap();
    let path: PathBuf = manifest.join("../../../shared/fixtures/ntuples/prediction.root");
    path.to_str().unwrap().to_string()
}

fn spec(tree: &str, weight: &str, selection: Option<&str>) -> SampleSpec {
    SampleSpec {
        file: prediction(),
        tree: tree.into(),
        observable: "jet_pt".into(),
        weight: weight.into(),
        selection: selection.map(String::from),
    }
}

#[test]
fn reads_double_and_int64_branches() {
    let columns = TreeColumns::read(
        &prediction(),
        "background",
        &["jet_pt".into(), "lep_charge".into(), "weight_up".into()],
    )
    .unwrap();
    use histune_ntuple::ColumnSource;
    assert_eq!(columns.entries(), 5000);
    let charge = columns.column("lep_charge").unwrap();
    assert!(charge.iter().all(|q| *q == 1.0 || *q == -1.0));
    assert!(columns.column("jet_pt").unwrap().iter().all(|x| *x > 0.0));
}

#[test]
fn totals_match_the_fixture_description() {
    let background = WeightedEvents::load(&spec("background", "weight", None)).unwrap();
    assert_eq!(background.len(), 5000);
    assert!(
        (background.total().sumw - 1000.0).abs() < 2.0,
        "{}",
        background.total().sumw
    );
    let signal = WeightedEvents::load(&spec("signal", "weight", Some("lep_charge > 0"))).unwrap();
    assert!(
        (signal.total().sumw - 61.1).abs() < 0.05,
        "{}",
        signal.total().sumw
    );
    let selected =
        WeightedEvents::load(&spec("background", "weight", Some("lep_charge > 0"))).unwrap();
    assert!(
        (selected.total().sumw - 514.9).abs() < 0.05,
        "{}",
        selected.total().sumw
    );
}

#[test]
fn missing_tree_and_branch_are_named() {
    let err = WeightedEvents::load(&spec("sigal", "weight", None)).unwrap_err();
    assert!(
        matches!(err, NtupleError::MissingTree { ref tree, .. } if tree == "sigal"),
        "{err}"
    );
    let err = WeightedEvents::load(&spec("signal", "weight_up", None)).unwrap_err();
    assert!(err.to_string().contains("no branch `weight_up`"), "{err}");
    assert!(
        err.to_string().contains("lep_charge"),
        "lists the available branches: {err}"
    );
    let err = WeightedEvents::load(&spec("signal", "weight *", None)).unwrap_err();
    assert_eq!(err.code(), "E_BAD_REQUEST");
    assert!(matches!(err, NtupleError::Expression(_)));
}

#[test]
fn a_missing_file_is_an_io_error() {
    let mut s = spec("signal", "weight", None);
    s.file = "/nonexistent/prediction.root".into();
    let err = WeightedEvents::load(&s).unwrap_err();
    assert_eq!(err.code(), "E_IO", "{err}");
}

#[test]
fn a_file_that_is_not_root_is_an_error_not_a_crash() {
    let mut s = spec("signal", "weight", None);
    s.file = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .join("Cargo.toml")
        .to_str()
        .unwrap()
        .into();
    assert!(WeightedEvents::load(&s).is_err());
}

#[test]
fn an_unsupported_compression_is_named() {
    // Mark every ZLIB block ("ZL" + method 8) as ZSTD ("ZS"), which oxyroot cannot decompress.
    let mut bytes = std::fs::read(prediction()).unwrap();
    for i in 0..bytes.len() - 2 {
        if bytes[i] == b'Z' && bytes[i + 1] == b'L' && bytes[i + 2] == 8 {
            bytes[i + 1] = b'S';
        }
    }
    let path =
        std::env::temp_dir().join(format!("histune-ntuple-zstd-{}.root", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    let mut s = spec("signal", "weight", None);
    s.file = path.to_str().unwrap().into();
    let err = WeightedEvents::load(&s).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(err.code(), "E_IO", "{err}");
    assert!(err.to_string().contains("ZSTD"), "{err}");
}

#[test]
fn entry_number_splits_a_sample_into_halves() {
    let all = WeightedEvents::load(&spec("background", "weight", Some("lep_charge > 0"))).unwrap();
    let even = WeightedEvents::load(&spec(
        "background",
        "weight",
        Some("lep_charge > 0 && Entry$ % 2 == 0"),
    ))
    .unwrap();
    let odd = WeightedEvents::load(&spec(
        "background",
        "weight",
        Some("lep_charge > 0 && Entry$ % 2 == 1"),
    ))
    .unwrap();
    assert_eq!(even.len() + odd.len(), all.len());
    assert!(even.len() > all.len() / 3 && odd.len() > all.len() / 3);
    let edges = [0.0, 300.0, 500.0, 1400.0];
    let (h, he, ho) = (
        all.histogram(&edges).unwrap(),
        even.histogram(&edges).unwrap(),
        odd.histogram(&edges).unwrap(),
    );
    for i in 0..3 {
        assert!((he.sumw[i] + ho.sumw[i] - h.sumw[i]).abs() < 1e-9);
        assert_eq!(he.entries[i] + ho.entries[i], h.entries[i]);
    }
}
