//! Reader for .scap files (placeholder: being written).
