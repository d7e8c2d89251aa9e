//! [`Graph`]: a model's calls in the order they run, read back from its
//! outputs, and the forward pass over them.

use std::collections::HashMap;

use rand::rngs::StdRng;

use super::keras_tensor::{KerasTensor, NodeKind};
use super::layer_ref::LayerRef;
use crate::autograd::{Tape, Var};
use crate::error::{Error, Result};
use crate::layers::Forward;
use crate::ops::Activation;
use crate::regularizers::Regularizer;
use crate::tensor::Tensor;

/// A model's computation: inputs, the layer calls in an order where every
/// call comes after the calls it reads, and outputs. Values are numbered
/// slots: the inputs first, then each call's outputs.
pub(crate) struct Graph {
    pub(crate) inputs: Vec<KerasTensor>,
    pub(crate) outputs: Vec<KerasTensor>,
    /// Each layer once, in the order of its first call.
    pub(crate) layers: Vec<LayerRef>,
    pub(crate) steps: Vec<Step>,
    /// The slot holding each output.
    output_slots: Vec<usize>,
    /// How many steps and outputs read each slot.
    readers: Vec<usize>,
}

/// A value of the graph: output `index` of node `node` (the inputs, then
/// the steps), as `(node, index)`.
pub(crate) type ValueRef = (usize, usize);

/// One layer call.
pub(crate) struct Step {
    /// Index into [`Graph::layers`].
    pub(crate) layer: usize,
    /// The slots it reads.
    pub(crate) inputs: Vec<usize>,
    /// Its first output slot; it writes `outputs` slots from there.
    first_output: usize,
    outputs: usize,
    /// The tensor it makes (its first output); its node holds the call.
    pub(crate) made: KerasTensor,
}

/// What a forward pass left on the tape.
pub(crate) struct Pass {
    /// One value per model output.
    pub(crate) outputs: Vec<Var>,
    /// Per output, the final activation left out because logits were asked for.
    pub(crate) skipped: Vec<Option<Activation>>,
    /// Every layer's weights as they entered the tape, layer after layer in
    /// the order of [`Graph::layers`] (each layer's in the order of its `params()`).
    pub(crate) params: Vec<Var>,
    /// The regularizers' penalties on the weights that train (Keras'
    /// `model.losses`), once per layer however often it is called.
    pub(crate) penalties: Vec<Var>,
}

impl Graph {
    /// The graph from `inputs` to `outputs`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if an output cannot be computed from the
    /// inputs alone (Keras' "Graph disconnected"), or the inputs repeat.
    pub(crate) fn new(inputs: &[KerasTensor], outputs: &[KerasTensor]) -> Result<Graph> {
        const OP: &str = "Model";
        if inputs.is_empty() || outputs.is_empty() {
            return Err(Error::invalid(
                OP,
                "at least one input and one output",
                format!("{} inputs and {} outputs", inputs.len(), outputs.len()),
            ));
        }
        let mut slot_of: HashMap<(u64, usize), usize> = HashMap::new();
        for (i, x) in inputs.iter().enumerate() {
            if slot_of.insert(x.key(), i).is_some() {
                return Err(Error::invalid(
                    OP,
                    "each input once",
                    format!("input {} given twice", x.source_name()),
                ));
            }
        }
        let mut graph = Graph {
            inputs: inputs.to_vec(),
            outputs: outputs.to_vec(),
            layers: Vec::new(),
            steps: Vec::new(),
            output_slots: Vec::new(),
            readers: vec![0; inputs.len()],
        };
        // Depth-first from each output, a call placed once all it reads are.
        let mut done: HashMap<u64, usize> = HashMap::new(); // node id → first output slot
        for output in outputs {
            let mut stack = vec![(output.clone(), false)];
            while let Some((t, expanded)) = stack.pop() {
                if slot_of.contains_key(&t.key()) || done.contains_key(&t.node.id) {
                    continue;
                }
                let (layer, call_inputs) = match &t.node.kind {
                    NodeKind::Call { layer, inputs } => (layer, inputs),
                    NodeKind::Input { .. } => {
                        return Err(Error::invalid(
                            OP,
                            format!("outputs computed from the model's inputs ({})", names(inputs)),
                            format!(
                                "an output that needs the input {}, which is not one of them (the graph is disconnected)",
                                t.source_name()
                            ),
                        ));
                    }
                };
                if !expanded {
                    stack.push((t.clone(), true));
                    stack.extend(call_inputs.iter().rev().map(|x| (x.clone(), false)));
                    continue;
                }
                let layer_index = match graph.layers.iter().position(|l| l.same(layer)) {
                    Some(i) => i,
                    None => {
                        graph.layers.push(layer.clone());
                        graph.layers.len() - 1
                    }
                };
                let reads = call_inputs
                    .iter()
                    .map(|x| graph.slot(&slot_of, &done, x))
                    .collect::<Vec<_>>();
                for &r in &reads {
                    graph.readers[r] += 1;
                }
                let first_output = graph.readers.len();
                let n = t.node.shapes.len();
                graph.readers.extend(std::iter::repeat_n(0, n));
                done.insert(t.node.id, first_output);
                graph.steps.push(Step {
                    layer: layer_index,
                    inputs: reads,
                    first_output,
                    outputs: n,
                    made: KerasTensor::new(t.node.clone(), 0),
                });
            }
            let slot = graph.slot(&slot_of, &done, output);
            graph.readers[slot] += 1;
            graph.output_slots.push(slot);
        }
        Ok(graph)
    }

    /// The slot of `t`, which is an input or the output of a placed call.
    fn slot(
        &self,
        inputs: &HashMap<(u64, usize), usize>,
        done: &HashMap<u64, usize>,
        t: &KerasTensor,
    ) -> usize {
        inputs
            .get(&t.key())
            .copied()
            .or_else(|| done.get(&t.node.id).map(|first| first + t.index))
            // Calls are placed after everything they read (above), and
            // inputs are slotted first: every tensor read has a slot.
            .unwrap_or(0)
    }

    /// Whether the graph is a chain: one input, each call reading only the
    /// one before it, each layer called once (Keras' "sequential-like").
    pub(crate) fn is_chain(&self) -> bool {
        let mut previous = 0;
        self.inputs.len() == 1
            && self.layers.len() == self.steps.len()
            && self.steps.iter().all(|step| {
                let reads_previous = step.inputs == [previous] && step.outputs == 1;
                previous = step.first_output;
                reads_previous
            })
    }

    /// How the calls connect, for saving: each step as its layer (an index
    /// into [`layers`](Graph::layers)) and the values it reads, and the
    /// outputs; a value is `(node, index)`, the nodes being the inputs
    /// and then the steps.
    pub(crate) fn wiring(&self) -> (Vec<(usize, Vec<ValueRef>)>, Vec<ValueRef>) {
        let value = |slot: usize| -> ValueRef {
            if slot < self.inputs.len() {
                return (slot, 0);
            }
            // Steps write their outputs in order, so the step holding a
            // slot is the last one starting at or before it.
            let step = self.steps.partition_point(|s| s.first_output <= slot) - 1;
            (self.inputs.len() + step, slot - self.steps[step].first_output)
        };
        let calls = self
            .steps
            .iter()
            .map(|s| (s.layer, s.inputs.iter().map(|&i| value(i)).collect()))
            .collect();
        (calls, self.output_slots.iter().map(|&o| value(o)).collect())
    }

    /// The shapes of the input samples.
    pub(crate) fn input_shapes(&self) -> Vec<Vec<usize>> {
        self.inputs.iter().map(|t| t.shape().to_vec()).collect()
    }

    /// Records the model on `tape` for the batches `inputs`. For each output
    /// `j` with `logits_of[j] = Some(activation)` (its loss reads the logits
    /// before that activation), the last layer's final activation is left
    /// out when it is that one and nothing else reads the output.
    /// Weights enter the tape as variables only when `training` and trainable.
    pub(crate) fn forward(
        &self,
        tape: &mut Tape,
        rng: &mut StdRng,
        inputs: Vec<Tensor>,
        training: bool,
        logits_of: &[Option<Activation>],
    ) -> Result<Pass> {
        let mut values: Vec<Option<Var>> = vec![None; self.readers.len()];
        for (slot, x) in inputs.into_iter().enumerate() {
            values[slot] = Some(tape.constant(x));
        }
        let mut ranges: Vec<Option<(usize, usize)>> = vec![None; self.layers.len()];
        let mut params = Vec::new();
        let mut names = Vec::new();
        let mut skipped = vec![None; self.outputs.len()];
        let mut penalties = Vec::new();
        let mut args = Vec::new();
        for step in &self.steps {
            let handle = &self.layers[step.layer];
            let trainable = handle.trainable();
            let mut layer = handle.lock();
            let first_call = ranges[step.layer].is_none();
            // Each layer's weights enter the tape just before its first op.
            let (start, len) = *ranges[step.layer].get_or_insert_with(|| {
                let start = params.len();
                for p in layer.params() {
                    let value = p.value.clone();
                    names.push(p.name);
                    params.push(if training && handle.trains(p) {
                        tape.variable(value)
                    } else {
                        tape.constant(value)
                    });
                }
                (start, params.len() - start)
            });
            if first_call && layer.base().weights.has_regularizers() {
                for (k, p) in layer.params().into_iter().enumerate() {
                    if let Some(r) = p.regularizer.filter(|_| handle.trains(p)) {
                        penalties.push(r.penalty(tape, params[start + k])?);
                    }
                }
            }
            args.clear();
            for &slot in &step.inputs {
                args.push(values[slot].ok_or_else(unplaced)?);
            }
            let mut f = Forward {
                tape,
                params: &params[start..start + len],
                names: &names[start..start + len],
                training,
                rng,
                trainable,
            };
            // The output whose logits are wanted, if this step makes it
            // alone (and no penalty reads its activations).
            let activity = layer.base().activity_regularizer();
            let wants_logits =
                (step.outputs == 1 && self.readers[step.first_output] == 1 && activity.is_none())
                    .then(|| self.output_slots.iter().position(|&s| s == step.first_output))
                    .flatten()
                    .filter(|&j| {
                        let wanted = logits_of.get(j).copied().flatten();
                        wanted.is_some() && layer.output_activation() == wanted
                    });
            let made = match (wants_logits, args.as_slice()) {
                (Some(j), [x]) => {
                    skipped[j] = layer.output_activation();
                    vec![layer.forward_pre_activation(&mut f, *x)?]
                }
                _ => layer.forward_many(&mut f, &args)?,
            };
            if made.len() != step.outputs {
                return Err(Error::invalid(
                    layer.class_name(),
                    format!("{} outputs, as built", step.outputs),
                    format!("{} outputs", made.len()),
                ));
            }
            for (k, v) in made.into_iter().enumerate() {
                if let Some(r) = activity {
                    penalties.push(activity_penalty(tape, r, v)?);
                }
                values[step.first_output + k] = Some(v);
            }
        }
        let outputs = self
            .output_slots
            .iter()
            .map(|&s| values[s].ok_or_else(unplaced))
            .collect::<Result<Vec<_>>>()?;
        Ok(Pass {
            outputs,
            skipped,
            params,
            penalties,
        })
    }
}

/// Keras' activity penalty of output `v`: the regularizer's value divided
/// by the batch size (0 for an empty batch, as `divide_no_nan`).
fn activity_penalty(tape: &mut Tape, r: Regularizer, v: Var) -> Result<Var> {
    let penalty = r.penalty(tape, v)?;
    let rows = tape.value(v)?.shape().first().copied().unwrap_or(1);
    let scale = if rows == 0 { 0.0 } else { 1.0 / rows as f32 };
    tape.mul_scalar(penalty, scale)
}

#[cold]
fn unplaced() -> Error {
    Error::invalid(
        "Model",
        "every value computed before it is read",
        "a value read first",
    )
}

fn names(tensors: &[KerasTensor]) -> String {
    tensors
        .iter()
        .map(KerasTensor::source_name)
        .collect::<Vec<_>>()
        .join(", ")
}
