"""Generates the Python code of the contracts in proto/ (the `screening.v1` package).

    python proto/generate.py          # regenerate in place
    python proto/generate.py --check  # exit 1 if the committed code differs from the .proto files

The generated modules are committed; CI runs --check so they never drift from the .proto files.
"""

from __future__ import annotations

import argparse
import filecmp
import pathlib
import shutil
import sys
import tempfile

from grpc_tools import protoc

HERE = pathlib.Path(__file__).resolve().parent
PACKAGE = HERE / "screening" / "v1"


def generate(out_dir: pathlib.Path) -> list[pathlib.Path]:
    protos = sorted(PACKAGE.glob("*.proto"))
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{HERE}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *[str(p.relative_to(HERE)) for p in protos],
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed: fix the .proto files above and run again")
    return sorted((out_dir / "screening" / "v1").glob("*_pb2*.py*"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if the committed code is out of date")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generated = generate(pathlib.Path(tmp))
        stale = []
        for path in generated:
            target = PACKAGE / path.name
            if args.check:
                if not target.exists() or not filecmp.cmp(path, target, shallow=False):
                    stale.append(target.name)
            else:
                shutil.copyfile(path, target)
        if args.check:
            names = {p.name for p in generated}
            stale += [p.name for p in PACKAGE.glob("*_pb2*.py*") if p.name not in names]
            if stale:
                print(f"generated code is out of date: {', '.join(sorted(stale))}; run `python proto/generate.py`")
                return 1
            print(f"generated code is up to date ({len(generated)} files)")
        else:
            print(f"generated {len(generated)} files into {PACKAGE.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
