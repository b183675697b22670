//! What a ROOT file holds, as the studio's ROOT browser lists it: the top-level keys with their
//! classes and, for each TTree, its entry count and branches with their C++ types and whether
//! Histune can read them.

use std::panic::{catch_unwind, AssertUnwindSafe};

use oxyroot::{Branch, Named, ReaderTree};

use crate::columns::{guarded, open_root, panic_message, READABLE_TYPES};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq)]
pub struct FileContents {
    pub path: String,
    pub keys: Vec<KeyInfo>,
}

/// One top-level key (the highest cycle when a name has several).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyInfo {
    pub name: String,
    pub class_name: String,
    pub title: String,
    /// Set for a TTree (or TNtuple) the reader could open.
    pub tree: Option<TreeInfo>,
    /// Why the key is not browsable (not a tree, or a tree the reader cannot open).
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TreeInfo {
    pub entries: u64,
    pub branches: Vec<BranchInfo>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BranchInfo {
    pub name: String,
    /// The C++ type oxyroot reports (`double`, `int64_t`, `vector<float>`, `float[3]`, …).
    pub type_name: String,
    /// Histune can histogram it and use it in expressions (one number per entry).
    pub readable: bool,
    /// Why it cannot be read, when it cannot.
    pub reason: Option<String>,
}

const TREE_CLASSES: [&str; 3] = ["TTree", "TNtuple", "TNtupleD"];

/// List the top-level keys of the ROOT file at `path`, with every tree's branches.
pub fn list_contents(path: &str) -> Result<FileContents> {
    guarded(path, || {
        let mut file = open_root(path)?;
        let mut keys: Vec<KeyInfo> = Vec::new();
        for key in file.keys() {
            if keys.iter().any(|k| k.name == key.name()) {
                continue;
            }
            keys.push(KeyInfo {
                name: key.name().to_string(),
                class_name: key.class_name().to_string(),
                title: key.title().to_string(),
                tree: None,
                note: None,
            });
        }
        for key in &mut keys {
            if !TREE_CLASSES.contains(&key.class_name.as_str()) {
                key.note = Some(not_browsable(&key.class_name));
                continue;
            }
            let name = key.name.clone();
            match catch_unwind(AssertUnwindSafe(|| file.get_tree(&name))) {
                Ok(Ok(tree)) => key.tree = Some(tree_info(&tree)),
                Ok(Err(e)) => key.note = Some(format!("the reader cannot open this tree: {e}")),
                Err(panic) => {
                    key.note = Some(format!(
                        "the reader cannot open this tree: {}",
                        panic_message(panic.as_ref())
                    ))
                }
            }
        }
        Ok(FileContents {
            path: path.into(),
            keys,
        })
    })
}

fn not_browsable(class_name: &str) -> String {
    if class_name == "ROOT::RNTuple" || class_name == "ROOT::Experimental::RNTuple" {
        "an RNTuple (ROOT's newer columnar format): this reader reads TTrees only; write the \
         events as a TTree (in uproot: file.mktree)"
            .into()
    } else if class_name.starts_with("TDirectory") {
        "a directory: this reader lists top-level keys only".into()
    } else if class_name.starts_with("TH") {
        format!("a {class_name} histogram: Histune reads ntuples (TTrees), not histograms")
    } else {
        format!("a {class_name}: Histune reads ntuples (TTrees) only")
    }
}

fn tree_info(tree: &ReaderTree) -> TreeInfo {
    TreeInfo {
        entries: tree.entries().max(0) as u64,
        branches: tree.branches().map(branch_info).collect(),
    }
}

fn branch_info(branch: &Branch) -> BranchInfo {
    let children: Vec<&str> = branch.branches().map(|b| b.name()).collect();
    // oxyroot reaches todo!() on some object branches; such a branch is listed, not read.
    let type_name = catch_unwind(AssertUnwindSafe(|| branch.item_type_name()))
        .unwrap_or_else(|_| branch.class().to_string());
    let reason = if !children.is_empty() {
        Some(format!(
            "a split object (sub-branches {}): only flat numeric branches are read",
            children.join(", ")
        ))
    } else if READABLE_TYPES.contains(&type_name.as_str()) {
        None
    } else if type_name.contains('[')
        || type_name.starts_with("vector")
        || type_name.ends_with("[]")
    {
        Some(format!(
            "`{type_name}` holds several numbers per entry (jagged or array): only flat numeric branches are read"
        ))
    } else {
        Some(format!(
            "`{type_name}` is not a flat numeric type (readable: {})",
            READABLE_TYPES.join(", ")
        ))
    };
    BranchInfo {
        name: branch.name().to_string(),
        type_name,
        readable: reason.is_none(),
        reason,
    }
}
