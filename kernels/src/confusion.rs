//! Confusion counts per group: the numbers behind every fairness metric.
//! Cells are the intersections of all grouping columns; a caller wanting
//! one attribute's groups sums the cells (so one pass serves them all).

use std::collections::HashMap;

use arrow::array::{Array, ArrayRef, AsArray};

use super::KernelError;
use super::views::{is_numeric, numeric_view, text_view};

/// What "positive" means for a label or prediction column.
#[derive(Debug, Clone, PartialEq)]
pub struct Positive {
    /// The positive value as text: `"1"`, `"true"`, `"default"`. For numeric
    /// and boolean columns it compares as a number (`true` is 1).
    pub value: String,
    /// When set, the prediction column is a score and predicts positive
    /// when at least this.
    pub threshold: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cell {
    /// One value per grouping column; `None` is a null.
    pub group: Vec<Option<String>>,
    pub n: u64,
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    pub fn_: u64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Confusion {
    /// Sorted by group values.
    pub cells: Vec<Cell>,
    /// Rows left out because the label or the prediction is null (or NaN).
    pub skipped: u64,
}

/// Each row's truth value, `None` where missing.
pub(crate) fn truth(
    array: &dyn Array,
    positive: &str,
    threshold: Option<f64>,
) -> Result<Vec<Option<bool>>, KernelError> {
    if let Some(threshold) = threshold {
        let scores = numeric_view(array)?.ok_or_else(|| {
            KernelError(format!(
                "a score column must be numeric, not {}",
                array.data_type()
            ))
        })?;
        return Ok(scores
            .iter()
            .map(|v| v.filter(|v| !v.is_nan()).map(|v| v >= threshold))
            .collect());
    }
    if is_numeric(array.data_type()) {
        let wanted = match positive {
            "true" | "True" => 1.0,
            "false" | "False" => 0.0,
            other => other.parse::<f64>().map_err(|_| {
                KernelError(format!(
                    "positive value `{other}` is not a number, but the column is {}",
                    array.data_type()
                ))
            })?,
        };
        let Some(values) = numeric_view(array)? else {
            return Err(KernelError(format!(
                "column of type {} has no numeric view",
                array.data_type()
            )));
        };
        return Ok(values
            .iter()
            .map(|v| v.filter(|v| !v.is_nan()).map(|v| v == wanted))
            .collect());
    }
    let text = text_view(array)?;
    Ok(text
        .as_string::<i32>()
        .iter()
        .map(|v| v.map(|v| v == positive))
        .collect())
}

/// Counts n, TP, FP, TN and FN for every combination of group values that
/// occurs.
pub fn confusion_by_group(
    label: &dyn Array,
    prediction: &dyn Array,
    positive: &Positive,
    groups: &[ArrayRef],
) -> Result<Confusion, KernelError> {
    let rows = label.len();
    if prediction.len() != rows || groups.iter().any(|g| g.len() != rows) {
        return Err(KernelError(
            "label, prediction and group columns differ in length".into(),
        ));
    }
    let labels = truth(label, &positive.value, None)?;
    let predictions = truth(prediction, &positive.value, positive.threshold)?;
    let texts: Vec<ArrayRef> = groups
        .iter()
        .map(|g| text_view(g.as_ref()))
        .collect::<Result<_, _>>()?;
    let mut cells: HashMap<Vec<Option<&str>>, Cell> = HashMap::new();
    let mut skipped = 0;
    let mut key = Vec::with_capacity(texts.len());
    for row in 0..rows {
        let (Some(y), Some(p)) = (labels[row], predictions[row]) else {
            skipped += 1;
            continue;
        };
        key.clear();
        key.extend(texts.iter().map(|t| {
            let t = t.as_string::<i32>();
            t.is_valid(row).then(|| t.value(row))
        }));
        let cell = cells.entry(key.clone()).or_default();
        cell.n += 1;
        match (y, p) {
            (true, true) => cell.tp += 1,
            (false, true) => cell.fp += 1,
            (false, false) => cell.tn += 1,
            (true, false) => cell.fn_ += 1,
        }
    }
    let mut cells: Vec<Cell> = cells
        .into_iter()
        .map(|(key, cell)| Cell {
            group: key.into_iter().map(|v| v.map(str::to_string)).collect(),
            ..cell
        })
        .collect();
    cells.sort_by(|a, b| a.group.cmp(&b.group));
    Ok(Confusion { cells, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{BooleanArray, Float64Array, Int64Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn counts_intersections_and_skips_missing_rows() {
        let label = Int64Array::from(vec![Some(1), Some(0), Some(1), Some(0), None]);
        let prediction = BooleanArray::from(vec![true, true, false, false, true]);
        let sex: ArrayRef = Arc::new(StringArray::from(vec!["f", "f", "m", "m", "m"]));
        let band: ArrayRef = Arc::new(StringArray::from(vec![
            Some("a"),
            Some("b"),
            Some("a"),
            None,
            Some("a"),
        ]));
        let positive = Positive {
            value: "1".into(),
            threshold: None,
        };
        let c = confusion_by_group(&label, &prediction, &positive, &[sex, band]).unwrap();
        assert_eq!(c.skipped, 1);
        assert_eq!(c.cells.len(), 4);
        let m_null = c
            .cells
            .iter()
            .find(|c| c.group == vec![Some("m".into()), None])
            .unwrap();
        assert_eq!((m_null.n, m_null.tn), (1, 1));
        let f_a = &c.cells[0];
        assert_eq!((f_a.tp, f_a.n), (1, 1));
    }

    #[test]
    fn scores_are_thresholded_and_text_labels_compared_as_text() {
        let label = StringArray::from(vec!["yes", "no", "yes"]);
        let score = Float64Array::from(vec![0.9, 0.5, 0.1]);
        let positive = Positive {
            value: "yes".into(),
            threshold: Some(0.5),
        };
        let c = confusion_by_group(&label, &score, &positive, &[]).unwrap();
        let all = &c.cells[0];
        assert_eq!((all.tp, all.fp, all.tn, all.fn_), (1, 1, 0, 1));
    }
}
