#!/usr/bin/env python3
"""Write Tests/Fixtures/tensorboard/: an event file written by TensorBoard's own Python
protobufs and record writer, against which Tests/GANModelsTests/TensorBoardTests.swift checks
the Swift encoder byte for byte (and its reader on what TensorBoard wrote).

Files:
    grid.png           a 5×3 RGB picture (pillow), the image summary's bytes
    reference.json     the events, described: [{"wall_time", "step", and one of
                       "file_version": str, "session_start": true,
                       "summary": [{"tag", "scalar": float | "image": file name | "text": str}]}]
    reference.tfevents those events as tensorboard.Event protobufs in TFRecord framing
                       (tensorboard.summary.writer.record_writer.RecordWriter)

The values are exact in float32, so the Swift side builds the same events from reference.json.
Run: python3 scripts/make_tensorboard_fixtures.py   (needs pip's tensorboard and pillow)
"""
import json, os

from PIL import Image
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.summary.writer.record_writer import RecordWriter

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "tensorboard")


def main():
    os.makedirs(HERE, exist_ok=True)
    png_path = os.path.join(HERE, "grid.png")
    picture = Image.new("RGB", (5, 3))
    picture.putdata([(40 * i % 256, 255 - 17 * i, 9 * i) for i in range(15)])
    picture.save(png_path, format="PNG")
    png = open(png_path, "rb").read()

    described = [
        {"wall_time": 1700000000.25, "step": 0, "file_version": "brain.Event:2"},
        {"wall_time": 1700000000.25, "step": 7, "session_start": True},
        {"wall_time": 1700000000.5, "step": 6, "summary": [{"tag": "config", "text": "    {\n      \"run\": {}\n    }"}]},
        {"wall_time": 1700000012.75, "step": 50, "summary": [
            {"tag": "D(x)", "scalar": -0.25}, {"tag": "images/s", "scalar": 1536.5}, {"tag": "loss/D", "scalar": 1.375},
            {"tag": "lr/G", "scalar": 0.0001220703125}]},
        {"wall_time": 1700000013.0, "step": 1234567890123, "summary": [{"tag": "samples", "image": "grid.png"}]},
        {"wall_time": -1.5, "step": -3, "summary": [{"tag": "eval/fid", "scalar": 3.0e38}]},
    ]
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(described, f, indent=1, ensure_ascii=False)
        f.write("\n")

    with open(os.path.join(HERE, "reference.tfevents"), "wb") as f:
        writer = RecordWriter(f)
        for d in described:
            event = event_pb2.Event(wall_time=d["wall_time"], step=d["step"])
            if "file_version" in d:
                event.file_version = d["file_version"]
            elif "session_start" in d:
                event.session_log.status = event_pb2.SessionLog.START
            else:
                for v in d["summary"]:
                    value = event.summary.value.add(tag=v["tag"])
                    if "scalar" in v:
                        value.simple_value = v["scalar"]
                    elif "image" in v:
                        value.image.CopyFrom(summary_pb2.Summary.Image(
                            height=3, width=5, colorspace=3, encoded_image_string=png))
                    else:
                        # As TensorBoard's text plugin reads it: a scalar string tensor.
                        value.tensor.CopyFrom(tensor_pb2.TensorProto(
                            dtype=types_pb2.DT_STRING, tensor_shape=tensor_shape_pb2.TensorShapeProto(),
                            string_val=[v["text"].encode()]))
                        value.metadata.plugin_data.plugin_name = "text"
            writer.write(event.SerializeToString())
    print("wrote", HERE)


if __name__ == "__main__":
    main()
