//! Books contract (written by the books port).
