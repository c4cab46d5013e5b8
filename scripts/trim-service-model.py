#!/usr/bin/env python3
"""Trims a botocore service model (service-2.json or .json.gz) to what cleanroomd's apimodel
module needs to route, bind and validate requests: service metadata, each operation's HTTP
binding and shapes, and each shape's type, members, traits and constraints. Documentation and
client-only keys are dropped. The output is deterministic: keys are sorted, except that a
structure's `members` keep the model's order (validation messages and union member lists
follow it), and non-ASCII text is escaped so the file is pure ASCII.

Regenerate the Clean Rooms model (run from the repository root):

  python3 scripts/trim-service-model.py \
    "$(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/cleanrooms/2022-02-17/service-2.json.gz" \
    src/apimodel/models/cleanrooms-2022-02-17.json

Usage: trim-service-model.py IN OUT
"""

import gzip
import json
import sys

METADATA_KEYS = ("apiVersion", "protocol", "signingName", "serviceId", "endpointPrefix",
                 "jsonVersion", "targetPrefix")
HTTP_KEYS = ("method", "requestUri", "responseCode")
MEMBER_KEYS = ("shape", "location", "locationName", "timestampFormat")
SHAPE_KEYS = ("type", "required", "min", "max", "pattern", "enum", "union", "sensitive",
              "exception", "fault", "document", "payload", "timestampFormat")
ERROR_KEYS = ("httpStatusCode", "code", "senderFault")


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def sorted_dict(d):
    return {k: d[k] for k in sorted(d)}


def pick(source, keys):
    return sorted_dict({k: source[k] for k in keys if k in source})


def trim_operation(op):
    out = {"http": pick(op["http"], HTTP_KEYS)}
    if "input" in op:
        out["input"] = op["input"]["shape"]
    if "output" in op:
        out["output"] = op["output"]["shape"]
    errors = [e["shape"] for e in op.get("errors", [])]
    if errors:
        out["errors"] = errors
    return sorted_dict(out)


def trim_shape(shape):
    out = pick(shape, SHAPE_KEYS)
    if "members" in shape:
        # Kept in model order on purpose (see the module docstring).
        out["members"] = {name: pick(member, MEMBER_KEYS)
                          for name, member in shape["members"].items()}
    for key in ("member", "key", "value"):
        if key in shape:
            out[key] = shape[key]["shape"]
    if "error" in shape:
        out["error"] = pick(shape["error"], ERROR_KEYS)
    return sorted_dict(out)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    model = load(argv[1])
    trimmed = {
        "metadata": pick(model["metadata"], METADATA_KEYS),
        "operations": {name: trim_operation(model["operations"][name])
                       for name in sorted(model["operations"])},
        "shapes": {name: trim_shape(model["shapes"][name]) for name in sorted(model["shapes"])},
    }
    text = json.dumps(trimmed, indent=1, ensure_ascii=True, separators=(",", ": "))
    with open(argv[2], "w", encoding="ascii", newline="\n") as f:
        f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
