"""``glassnet export MODEL --onnx OUT.onnx``: a glassnet model file as an ONNX graph."""

from __future__ import annotations


def add_parser(subparsers):
    p = subparsers.add_parser(
        "export", help="write a glassnet model file in another format (ONNX)",
        description="Write MODEL (any glassnet model file: a network, an estimator, or a model from `glassnet "
                    "train` with its preprocessing) as an ONNX graph. Needs the onnx package: "
                    "pip install 'glassnet[onnx]'.")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--onnx", required=True, metavar="OUT.onnx", help="where to write the ONNX file")
    p.add_argument("--overwrite", action="store_true", help="replace OUT.onnx if it exists")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..export import export_onnx
    from ..persist import load

    model = load(args.model)
    proto = export_onnx(model, args.onnx, overwrite=args.overwrite)
    inputs = ", ".join(i.name for i in proto.graph.input)
    outputs = ", ".join(o.name for o in proto.graph.output)
    print(f"wrote {args.onnx}: ONNX opset {proto.opset_import[0].version}, inputs {inputs}; outputs {outputs}")
    return 0
