//! The functional graph every model runs on: symbolic tensors
//! ([`KerasTensor`], made by [`Input`] and by calling layers), shared
//! layer handles ([`LayerRef`]), and the [`Graph`] a model reads back
//! from its outputs.

mod graph;
mod keras_tensor;
mod layer_ref;

pub(crate) use graph::Graph;
pub use keras_tensor::{Input, KerasTensor, Tensors};
pub(crate) use layer_ref::one_output;
pub use layer_ref::{CallLayer, LayerRef};

/// `MaxPooling2D` → `max_pooling2d`, `Dense` → `dense`: Keras'
/// `to_snake_case` (an underscore before a capital that starts a lowercase
/// word, or that follows a lowercase letter).
pub(crate) fn snake_case(class: &str) -> String {
    let chars: Vec<char> = class.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with('_') {
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            let prev_lower = chars[i - 1].is_ascii_lowercase();
            if next_lower || prev_lower {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_names_follow_keras() {
        assert_eq!(snake_case("Dense"), "dense");
        assert_eq!(snake_case("MaxPooling2D"), "max_pooling2d");
        assert_eq!(snake_case("BatchNormalization"), "batch_normalization");
        assert_eq!(snake_case("Conv2D"), "conv2d");
        assert_eq!(snake_case("GlobalAveragePooling2D"), "global_average_pooling2d");
    }
}
