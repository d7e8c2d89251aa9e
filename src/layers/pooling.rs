//! `MaxPooling2D` and `AveragePooling2D`.

use rand::rngs::StdRng;

use super::conv2d::Window;
use serde::{Deserialize, Serialize};

use super::config::check_count;
use super::{Forward, FromConfig, Layer, LayerBase, LayerConfig, base_builders};
use crate::autograd::Var;
use crate::error::{Error, Result, fmt_shape};
use crate::ops::{Padding, conv_output};

macro_rules! pooling_layer {
    ($(#[$doc:meta])* $name:ident, $class:literal, $op:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name {
            pool_size: Window,
            strides: Option<Window>,
            padding: Padding,
            base: LayerBase,
        }

        impl $name {
            /// Windows of `pool_size` (`2` or `(2, 2)`), moved by the pool
            /// size unless [`strides`](Self::strides) says otherwise.
            ///
            /// ```
            /// # use kerust::prelude::*;
            #[doc = concat!("let model = Sequential::new(vec![", stringify!($name), "::new(2).input_shape((28, 28, 32))]);")]
            /// assert_eq!(model.output_shape(), Some(&[14, 14, 32][..]));
            /// ```
            pub fn new(pool_size: impl Into<Window>) -> Self {
                $name {
                    pool_size: pool_size.into(),
                    strides: None,
                    padding: Padding::Valid,
                    base: LayerBase::default(),
                }
            }

            /// The step between windows (default: the pool size).
            ///
            /// ```
            /// # use kerust::prelude::*;
            #[doc = concat!("let model = Sequential::new(vec![", stringify!($name), "::new(3).strides(1).input_shape((8, 8, 1))]);")]
            /// assert_eq!(model.output_shape(), Some(&[6, 6, 1][..]));
            /// ```
            pub fn strides(mut self, strides: impl Into<Window>) -> Self {
                self.strides = Some(strides.into());
                self
            }

            /// `Padding::Valid` (default) or `Padding::Same`.
            ///
            /// ```
            /// # use kerust::prelude::*;
            #[doc = concat!("let model = Sequential::new(vec![", stringify!($name), "::new(2).padding(Padding::Same).input_shape((7, 7, 4))]);")]
            /// assert_eq!(model.output_shape(), Some(&[4, 4, 4][..]));
            /// ```
            pub fn padding(mut self, padding: Padding) -> Self {
                self.padding = padding;
                self
            }

            fn stride(&self) -> Window {
                self.strides.unwrap_or(self.pool_size)
            }
        }

        impl Layer for $name {
            fn class_name(&self) -> &'static str {
                $class
            }

            fn base(&self) -> &LayerBase {
                &self.base
            }

            fn base_mut(&mut self) -> &mut LayerBase {
                &mut self.base
            }

            fn build(&mut self, input_shape: &[usize], _rng: &mut StdRng) -> Result<Vec<usize>> {
                let &[h, w, c] = input_shape else {
                    return Err(Error::shape(
                        $class,
                        "inputs of shape (height, width, channels) per sample",
                        format!("input sample shape {}", fmt_shape(input_shape)),
                    ));
                };
                let (oh, _) = conv_output($class, h, self.pool_size.0, self.stride().0, self.padding)?;
                let (ow, _) = conv_output($class, w, self.pool_size.1, self.stride().1, self.padding)?;
                Ok(vec![oh, ow, c])
            }

            fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
                self.base.check_input(self, f, x)?;
                let Window(ph, pw) = self.pool_size;
                let Window(sh, sw) = self.stride();
                f.tape.$op(x, (ph, pw), (sh, sw), self.padding)
            }

            fn config(&self) -> LayerConfig {
                LayerConfig::new(
                    $class,
                    &PoolingConfig {
                        pool_size: (self.pool_size.0, self.pool_size.1),
                        strides: Some((self.stride().0, self.stride().1)),
                        padding: self.padding,
                    },
                )
            }
        }

        impl FromConfig for $name {
            fn from_config(config: &LayerConfig) -> Result<Self> {
                let c: PoolingConfig = config.parse()?;
                let strides = c.strides.unwrap_or(c.pool_size);
                for (key, (a, b)) in [("pool_size", c.pool_size), ("strides", strides)] {
                    check_count($class, key, a)?;
                    check_count($class, key, b)?;
                }
                let layer = $name::new(c.pool_size).padding(c.padding);
                Ok(match c.strides {
                    Some(strides) => layer.strides(strides),
                    None => layer,
                })
            }
        }
    };
}

/// A pooling layer's options, with Keras' defaults (strides: the pool size).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PoolingConfig {
    pool_size: (usize, usize),
    #[serde(default)]
    strides: Option<(usize, usize)>,
    #[serde(default)]
    padding: Padding,
}

pooling_layer! {
    /// Max pooling over `(height, width, channels)` samples: the largest
    /// value of each window, per channel. No parameters.
    ///
    /// **Keras equivalent:** `keras.layers.MaxPooling2D(2)`
    MaxPooling2D, "MaxPooling2D", max_pool2d
}

pooling_layer! {
    /// Average pooling over `(height, width, channels)` samples: the mean of
    /// each window, per channel (with `same` padding, of its real cells).
    /// No parameters.
    ///
    /// **Keras equivalent:** `keras.layers.AveragePooling2D(2)`
    AveragePooling2D, "AveragePooling2D", average_pool2d
}

base_builders!(MaxPooling2D, "max_pooling2d", MaxPooling2D::new(2), (28, 28, 1));
base_builders!(
    AveragePooling2D,
    "average_pooling2d",
    AveragePooling2D::new(2),
    (28, 28, 1)
);
