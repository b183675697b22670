//! Selected, weighted events of one sample, kept sorted by the observable so that filling a
//! histogram at any binning costs two binary searches per edge (prefix sums do the rest).

use crate::columns::TreeColumns;
use crate::error::{NtupleError, Result};
use crate::expr::{ColumnSource, Expression};

/// What to read for one sample: the tree, the observable to histogram, the event weight and the selection.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleSpec {
    pub file: String,
    pub tree: String,
    pub observable: String,
    /// Weight expression; `"1"` for unweighted events.
    pub weight: String,
    /// Selection expression; events where it is non-zero are kept. `None` keeps all.
    pub selection: Option<String>,
}

/// Content of one bin: sum of weights, sum of squared weights (MC stat error²) and the raw event count.
impl SampleSpec {
    /// Observable values and weights of the selected entries (in entry order), and the number of
    /// entries in the tree. Reads exactly the branches the three expressions use.
    pub fn read_selected(&self) -> Result<(Vec<f64>, Vec<f64>, usize)> {
        let parsed = self.parse()?;
        let columns = TreeColumns::read(&self.file, &self.tree, &parsed.branches)?;
        let (values, weights) = parsed.select(&columns)?;
        Ok((values, weights, columns.entries()))
    }

    /// The three expressions parsed, and the branches they read (each once, in order of use).
    pub(crate) fn parse(&self) -> Result<ParsedSample> {
        let observable = Expression::parse(&self.observable)?;
        let weight = Expression::parse(&self.weight)?;
        let selection = self
            .selection
            .as_deref()
            .map(Expression::parse)
            .transpose()?;
        let mut branches = observable.branches();
        for b in weight
            .branches()
            .into_iter()
            .chain(selection.iter().flat_map(|s| s.branches()))
        {
            if !branches.contains(&b) {
                branches.push(b);
            }
        }
        Ok(ParsedSample { observable, weight, selection, branches })
    }
}

/// A sample's observable, weight and selection parsed, with the branches they read.
pub(crate) struct ParsedSample {
    observable: Expression,
    weight: Expression,
    selection: Option<Expression>,
    pub(crate) branches: Vec<String>,
}

impl ParsedSample {
    /// Observable values and weights of the selected entries of `columns`, in entry order.
    pub(crate) fn select(&self, columns: &dyn ColumnSource) -> Result<(Vec<f64>, Vec<f64>)> {
        selected_values(columns, &self.observable, &self.weight, self.selection.as_ref())
    }
}

fn selected_values(
    columns: &dyn ColumnSource,
    observable: &Expression,
    weight: &Expression,
    selection: Option<&Expression>,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let values = observable.evaluate(columns)?;
    let weights = weight.evaluate(columns)?;
    Ok(match selection {
        None => (values, weights),
        Some(selection) => {
            let keep = selection.evaluate(columns)?;
            values
                .into_iter()
                .zip(weights)
                .zip(keep)
                .filter(|(_, k)| *k != 0.0)
                .map(|(event, _)| event)
                .unzip()
        }
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BinContent {
    pub sumw: f64,
    pub sumw2: f64,
    pub entries: u64,
}

/// A histogram over `edges`, bins half-open `[lo, hi)`; events outside are in `underflow` / `overflow`
/// and not in any bin.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub edges: Vec<f64>,
    pub sumw: Vec<f64>,
    pub sumw2: Vec<f64>,
    pub entries: Vec<u64>,
    pub underflow: BinContent,
    pub overflow: BinContent,
}

#[derive(Debug, Clone)]
pub struct WeightedEvents {
    values: Vec<f64>,
    /// `cumulative_sumw[i]` = sum of the weights of the `i` smallest values; one longer than `values`.
    cumulative_sumw: Vec<f64>,
    cumulative_sumw2: Vec<f64>,
}

/// Running sum with Neumaier compensation, so prefix differences stay accurate for large samples.
struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

impl WeightedEvents {
    /// Events from parallel observable values and weights; entries with a NaN observable are dropped.
    pub fn from_values(values: &[f64], weights: &[f64]) -> WeightedEvents {
        assert_eq!(values.len(), weights.len(), "one weight per value");
        let mut events: Vec<(f64, f64)> = values
            .iter()
            .zip(weights)
            .filter(|(v, _)| !v.is_nan())
            .map(|(v, w)| (*v, *w))
            .collect();
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut cumulative_sumw = Vec::with_capacity(events.len() + 1);
        let mut cumulative_sumw2 = Vec::with_capacity(events.len() + 1);
        let (mut sumw, mut sumw2) = (
            CompensatedSum {
                sum: 0.0,
                compensation: 0.0,
            },
            CompensatedSum {
                sum: 0.0,
                compensation: 0.0,
            },
        );
        cumulative_sumw.push(0.0);
        cumulative_sumw2.push(0.0);
        for (_, w) in &events {
            sumw.add(*w);
            sumw2.add(w * w);
            cumulative_sumw.push(sumw.value());
            cumulative_sumw2.push(sumw2.value());
        }
        WeightedEvents {
            values: events.into_iter().map(|(v, _)| v).collect(),
            cumulative_sumw,
            cumulative_sumw2,
        }
    }

    /// Evaluate observable, weight and selection on `columns` and keep the selected events.
    pub fn from_columns(
        columns: &dyn ColumnSource,
        observable: &Expression,
        weight: &Expression,
        selection: Option<&Expression>,
    ) -> Result<WeightedEvents> {
        let (values, weights) = selected_values(columns, observable, weight, selection)?;
        Ok(WeightedEvents::from_values(&values, &weights))
    }

    /// Read exactly the branches the three expressions need and build the events.
    pub fn load(spec: &SampleSpec) -> Result<WeightedEvents> {
        let (values, weights, _) = spec.read_selected()?;
        Ok(WeightedEvents::from_values(&values, &weights))
    }

    /// Number of selected events.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Smallest and largest observable value, if any event is selected.
    pub fn range(&self) -> Option<(f64, f64)> {
        Some((*self.values.first()?, *self.values.last()?))
    }

    pub fn total(&self) -> BinContent {
        self.between(0, self.values.len())
    }

    /// Sorted observable values (for quantile-based binnings).
    pub fn sorted_values(&self) -> &[f64] {
        &self.values
    }

    fn between(&self, start: usize, end: usize) -> BinContent {
        BinContent {
            sumw: self.cumulative_sumw[end] - self.cumulative_sumw[start],
            sumw2: self.cumulative_sumw2[end] - self.cumulative_sumw2[start],
            entries: (end - start) as u64,
        }
    }

    /// Index of the first event with value ≥ `x`.
    fn first_at_or_above(&self, x: f64) -> usize {
        self.values.partition_point(|v| *v < x)
    }

    /// Fill the histogram with bins `[edges[i], edges[i+1])`.
    pub fn histogram(&self, edges: &[f64]) -> Result<Histogram> {
        check_edges(edges)?;
        let cuts: Vec<usize> = edges.iter().map(|e| self.first_at_or_above(*e)).collect();
        let bins: Vec<BinContent> = cuts.windows(2).map(|w| self.between(w[0], w[1])).collect();
        Ok(Histogram {
            edges: edges.to_vec(),
            sumw: bins.iter().map(|b| b.sumw).collect(),
            sumw2: bins.iter().map(|b| b.sumw2).collect(),
            entries: bins.iter().map(|b| b.entries).collect(),
            underflow: self.between(0, cuts[0]),
            overflow: self.between(cuts[cuts.len() - 1], self.values.len()),
        })
    }
}

/// Edges must be at least two finite, strictly increasing numbers.
pub fn check_edges(edges: &[f64]) -> Result<()> {
    if edges.len() < 2 {
        return Err(NtupleError::Binning(format!(
            "need at least two edges, got {}",
            edges.len()
        )));
    }
    if let Some(i) = edges.iter().position(|e| !e.is_finite()) {
        return Err(NtupleError::Binning(format!("edge {i} is {}", edges[i])));
    }
    if let Some(i) = edges.windows(2).position(|w| w[0] >= w[1]) {
        return Err(NtupleError::Binning(format!(
            "edges must increase strictly, but edge {} ({}) ≥ edge {} ({})",
            i,
            edges[i],
            i + 1,
            edges[i + 1]
        )));
    }
    Ok(())
}

/// `n_bins` equal-width edges on `[lo, hi]`, with the last edge exactly `hi`.
pub fn uniform_edges(n_bins: usize, lo: f64, hi: f64) -> Vec<f64> {
    let width = (hi - lo) / n_bins as f64;
    (0..=n_bins)
        .map(|i| {
            if i == n_bins {
                hi
            } else {
                lo + width * i as f64
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events() -> WeightedEvents {
        WeightedEvents::from_values(
            &[5.0, 1.0, 2.0, 2.0, 9.5, 10.0, -3.0, f64::NAN],
            &[1.0, 2.0, 0.5, 0.5, -1.0, 3.0, 4.0, 7.0],
        )
    }

    #[test]
    fn bins_are_half_open_and_flow_is_excluded() {
        let h = events().histogram(&[0.0, 2.0, 5.0, 10.0]).unwrap();
        assert_eq!(h.sumw, vec![2.0, 1.0, 0.0]);
        assert_eq!(h.sumw2, vec![4.0, 0.5, 2.0]);
        assert_eq!(h.entries, vec![1, 2, 2]);
        assert_eq!(
            h.underflow,
            BinContent {
                sumw: 4.0,
                sumw2: 16.0,
                entries: 1
            }
        );
        // 10.0 sits on the last edge: overflow, as in ROOT and boost-histogram.
        assert_eq!(
            h.overflow,
            BinContent {
                sumw: 3.0,
                sumw2: 9.0,
                entries: 1
            }
        );
    }

    #[test]
    fn totals_and_range_skip_nan_observables() {
        let e = events();
        assert_eq!(e.len(), 7);
        assert_eq!(e.range(), Some((-3.0, 10.0)));
        assert_eq!(e.total().sumw, 10.0);
    }

    #[test]
    fn rejects_bad_edges() {
        let e = events();
        assert!(e.histogram(&[1.0]).is_err());
        assert!(e.histogram(&[1.0, 1.0]).is_err());
        assert!(e.histogram(&[2.0, 1.0]).is_err());
        assert!(e.histogram(&[0.0, f64::INFINITY]).is_err());
    }

    #[test]
    fn selection_and_weight_expressions_apply() {
        let columns = TreeColumns::from_columns(vec![
            ("x".into(), vec![1.0, 2.0, 3.0, 4.0]),
            ("q".into(), vec![1.0, -1.0, 1.0, 1.0]),
            ("w".into(), vec![1.0, 2.0, 3.0, 4.0]),
        ]);
        let events = WeightedEvents::from_columns(
            &columns,
            &Expression::parse("x").unwrap(),
            &Expression::parse("0.5*w").unwrap(),
            Some(&Expression::parse("q > 0").unwrap()),
        )
        .unwrap();
        let h = events.histogram(&[0.0, 2.5, 5.0]).unwrap();
        assert_eq!(h.sumw, vec![0.5, 3.5]);
        assert_eq!(h.entries, vec![1, 2]);
    }

    #[test]
    fn uniform_edges_end_exactly_at_hi() {
        let edges = uniform_edges(3, 0.0, 0.3);
        assert_eq!(edges.len(), 4);
        assert_eq!(edges[3], 0.3);
        assert_eq!(edges[0], 0.0);
    }
}
