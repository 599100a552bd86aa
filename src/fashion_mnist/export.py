"""The trained classifier as an ONNX model, for clients without Python or
Keras (onnxruntime in C#, Java, JavaScript, C++, on phones).

The ONNX model is the network as it predicts: the random augmentation layers
(identity at inference) left out, every layer computing in float32 whatever
precision it trained in, the same weights. Its input ``images`` is N x 28 x 28
float32 in [0, 1] (a light garment on black, as ``fashion_mnist_classifier.
prepare_image`` makes a photo); its output ``probabilities`` is N x 10, in the
order of ``CLASS_NAMES``, which the file also carries in its metadata.

Converted with tf2onnx from a ``tf.function`` that calls the network with
``training=False``: Keras' own ``model.export(format="onnx")`` traces the
augmentation layers' random ops as well, which ONNX has no operator for.
The first axis of both is named ``batch`` in the file's signature.
"""

from __future__ import annotations

import json

import keras
import onnx
import tensorflow as tf
import tf2onnx

from fashion_mnist.networks import AUGMENTATION_LAYERS
from fashion_mnist_classifier import CLASS_NAMES, IMAGE_SHAPE

OPSET = 17
INPUT_NAME = "images"
OUTPUT_NAME = "probabilities"
BATCH_AXIS = "batch"  # the name of the first axis of both (any number of images)


def _predicting_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
    if isinstance(layer, AUGMENTATION_LAYERS):
        return keras.layers.Identity(name=layer.name)
    return type(layer).from_config({**layer.get_config(), "dtype": "float32"})


def inference_network(model: keras.Model) -> keras.Model:
    """``model`` without its augmentation layers, in float32, same weights."""
    copy = keras.models.clone_model(
        model, clone_function=_predicting_layer, recursive=True
    )
    copy.set_weights(model.get_weights())
    return copy


def _rename_output(graph: onnx.GraphProto, old: str, new: str) -> None:
    for node in graph.node:
        node.output[:] = [new if name == old else name for name in node.output]
        node.input[:] = [new if name == old else name for name in node.input]
    for output in graph.output:
        if output.name == old:
            output.name = new


def _name_batch_axis(graph: onnx.GraphProto, name: str) -> None:
    """Call the first, unknown-length axis of the input and of the output
    ``name`` wherever the graph names them: tf2onnx makes up a name for each
    (``unk__159``, ``unk__85``), which a client in another language reads in
    the file's signature."""
    made_up = {
        value.type.tensor_type.shape.dim[0].dim_param
        for value in (graph.input[0], graph.output[0])
    } - {""}
    for value in (*graph.input, *graph.output, *graph.value_info):
        for dim in value.type.tensor_type.shape.dim:
            if dim.dim_param in made_up:
                dim.dim_param = name


def to_onnx(model: keras.Model) -> onnx.ModelProto:
    """The classifier ``model`` as an ONNX model (see the module's doc)."""
    network = inference_network(model)
    signature = [tf.TensorSpec((None, *IMAGE_SHAPE), tf.float32, name=INPUT_NAME)]
    predict = tf.function(
        lambda images: network(images, training=False), input_signature=signature
    )
    proto, _ = tf2onnx.convert.from_function(
        predict, input_signature=signature, opset=OPSET
    )
    _rename_output(proto.graph, proto.graph.output[0].name, OUTPUT_NAME)
    _name_batch_axis(proto.graph, BATCH_AXIS)
    proto.doc_string = (
        f"Fashion-MNIST classifier ({model.name}). Input '{INPUT_NAME}': N x "
        f"{IMAGE_SHAPE[0]} x {IMAGE_SHAPE[1]} float32 in [0, 1], a light garment "
        f"on black. Output '{OUTPUT_NAME}': N x {len(CLASS_NAMES)} class "
        "probabilities, in the order of the metadata's class_names."
    )
    onnx.helper.set_model_props(
        proto, {"class_names": json.dumps(CLASS_NAMES), "architecture": model.name}
    )
    return proto
