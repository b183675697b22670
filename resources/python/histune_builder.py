"""Runs a user's workspace builder for Histune, unchanged, in one long-lived process.

    python histune_builder.py BUILDER_FILE FUNCTION_NAME

Imports BUILDER_FILE by path (its folder goes first on sys.path, so its own imports work), then
reads one JSON request per line on stdin, {"id": …, "params": {…}}, calls FUNCTION_NAME(**params)
and writes one JSON line on stdout: {"id": …, "workspace": {…}} or {"id": …, "error": "…",
"traceback": "…"}. The first line written is {"ready": true} or, when the import fails,
{"ready": false, "error": …, "traceback": …}. Anything the builder prints goes to stderr, so
stdout carries only the protocol.
"""
import importlib.util
import json
import math
import os
import sys
import traceback


def load_builder(path, name):
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module_name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    function = getattr(module, name, None)
    if function is None:
        raise AttributeError(f"{path} has no function {name!r}")
    if not callable(function):
        raise TypeError(f"{name!r} in {path} is not a function")
    return function


def plain(value):
    """numpy scalars and arrays, tuples and the like as JSON values (without importing numpy)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    if hasattr(value, "tolist"):
        return plain(value.tolist())
    if hasattr(value, "item"):
        return plain(value.item())
    raise TypeError(f"a {type(value).__name__} cannot be written as JSON")


def check_finite(value, path="workspace"):
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{path} is {value}")
    if isinstance(value, dict):
        for k, v in value.items():
            check_finite(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            check_finite(v, f"{path}[{i}]")


def send(protocol, message):
    sys.stderr.flush()
    protocol.write(json.dumps(message, allow_nan=False) + "\n")
    protocol.flush()


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: histune_builder.py BUILDER_FILE FUNCTION_NAME\n")
        return 2
    # The protocol gets a private copy of stdout; fd 1 itself then points at stderr, so output of the
    # builder — print() and C/C++ libraries (ROOT) writing to fd 1 alike — cannot corrupt it.
    sys.stdout.flush()
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        build = load_builder(sys.argv[1], sys.argv[2])
    except BaseException as error:  # noqa: BLE001 - a SystemExit in the module is reported too
        send(protocol, {"ready": False, "error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()})
        return 1
    send(protocol, {"ready": True})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        request_id = request.get("id")
        try:
            result = build(**request.get("params", {}))
            if not isinstance(result, dict):
                raise TypeError(f"{sys.argv[2]} returned a {type(result).__name__}, not a workspace dict")
            workspace = plain(result)
            check_finite(workspace)
            send(protocol, {"id": request_id, "workspace": workspace})
        except Exception as error:  # noqa: BLE001 - every failure of the builder fails only its trial
            # The traceback from the builder's frames on (this runner's own frame is noise).
            frames = error.__traceback__.tb_next or error.__traceback__
            trace = "".join(traceback.format_exception(type(error), error, frames))
            send(protocol, {"id": request_id, "error": f"{type(error).__name__}: {error}", "traceback": trace})
    return 0


if __name__ == "__main__":
    sys.exit(main())
