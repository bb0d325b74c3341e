//! A value with where it is printed: what every value reader of [`super`] returns.

/// A value as printed on a line: its byte span there and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Printed<T> {
    pub value: T,
    /// Byte offsets of the printed text in the line.
    pub start: usize,
    pub end: usize,
    pub text: String,
}
